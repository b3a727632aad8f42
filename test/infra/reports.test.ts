/**
 * The weekly report in the CDK stack: the function (read-only table access, send from the mail
 * domain only), the EventBridge schedule from the config, none without recipients.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build, configVariant, logicalIdIn, roleStatements } from '../support/cdk-stack';

describe('weekly report', () => {
  const withManagers = configVariant((raw) => {
    raw.reports = { weekly: { to: ['boss@example.com', 'ops@example.com'], schedule: 'cron(30 6 ? * MON *)' } };
  });

  it('runs the report function on the configured schedule with { send: true }', () => {
    const { stack, template } = build({ configPath: withManagers });
    const fnId = logicalIdIn(stack, stack.reports.reportFunction.fn);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 6 ? * MON *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          Input: '{"send":true}',
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  it('defaults to Monday 07:00 UTC', () => {
    const { template } = build({
      configPath: configVariant((raw) => (raw.reports = { weekly: { to: ['boss@example.com'] } })),
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 7 ? * MON *)' });
  });

  it('creates no schedule without recipients, but keeps the function for `triage report --week`', () => {
    const { stack, template } = build();
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(stack.reports.weeklyRule).toBeUndefined();
    template.hasOutput('ReportFunctionName', { Value: { Ref: logicalIdIn(stack, stack.reports.reportFunction.fn) } });
  });

  it('may read the ticket table and its index, and send from the mail domain: nothing else', () => {
    const { stack, template } = build({ configPath: withManagers });
    const roleId = logicalIdIn(stack, stack.reports.reportFunction.role);
    const tableId = logicalIdIn(stack, stack.table);
    const all = roleStatements(template, roleId);
    // the rest: X-Ray, its log group, and its dead-letter queue (TriageFunction)
    const statements = all.filter((st) => /dynamodb:|ses:/.test(JSON.stringify(st.Action)));
    expect(statements).toEqual([
      {
        Sid: 'ReadTickets',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: expect.arrayContaining([
          { 'Fn::GetAtt': [tableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/byDepartmentStatus']] },
        ]),
      },
      {
        Sid: 'SendReport',
        Effect: 'Allow',
        Action: 'ses:SendRawEmail',
        Resource: [expect.anything(), expect.anything()],
      },
    ]);
    expect(statements[0].Resource).toHaveLength(2);
    const send = JSON.stringify(statements[1].Resource);
    expect(send).toContain('":identity/"');
    expect(send).toContain('":configuration-set/"');
    expect(
      all
        .filter((st) => !statements.includes(st))
        .flatMap((st) => st.Action)
        .every((a: string) => /^(xray|logs|sqs):/.test(a)),
    ).toBe(true);
    // no write of any kind
    expect(JSON.stringify(all)).not.toMatch(/dynamodb:(Put|Update|Delete|BatchWrite)|s3:/);
  });

  it('is cdk-nag clean with the schedule in place', () => {
    const { app } = build({ configPath: withManagers });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(
      report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
    ).toEqual([]);
  });

  it('names a bad schedule in the config with its path', () => {
    expect(() =>
      build({
        configPath: configVariant(
          (raw) => (raw.reports = { weekly: { to: ['boss@example.com'], schedule: 'every monday' } }),
        ),
      }),
    ).toThrow(/reports\.weekly\.schedule: expected an EventBridge schedule such as "cron\(0 7 \? \* MON \*\)"/);
    expect(() =>
      build({ configPath: configVariant((raw) => (raw.reports = { weekly: { to: ['not an address'] } })) }),
    ).toThrow(/reports\.weekly\.to\[0\]: expected an e-mail address/);
  });
});
