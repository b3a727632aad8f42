/**
 * The SES feedback path in the CDK stack: configuration set -> SNS (own KMS key, TLS only) -> the
 * feedback function (least privilege, retries and a DLQ), and the mailers' read access to the list.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build, roleStatements } from '../support/cdk-stack';

const { app, stack, template, logicalId } = build();
const topicId = () => logicalId(stack.feedback.topic);
const keyId = () => logicalId(stack.feedback.key);
const fnId = () => logicalId(stack.feedback.feedbackFunction.fn);
const configSetId = () => logicalId(stack.responders.configurationSet);

describe('SES feedback', () => {
  it('publishes BOUNCE and COMPLAINT (and nothing else) of the configuration set to the topic', () => {
    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: configSetId() },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: topicId() } },
      },
    });
  });

  it('encrypts the topic with a key of its own that rotates, usable by SES for this configuration set only', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId(), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([':configuration-set/', { Ref: configSetId() }])] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('accepts publishing over TLS only, and from SES only for this account and configuration set', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: Match.objectLike({ 'AWS:SourceAccount': { Ref: 'AWS::AccountId' } }) },
          }),
        ]),
      },
    });
    // SES verifies its access when the destination is created: the topic, its policy and the key come first
    const [destination] = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination')) as any[];
    expect(destination.DependsOn).toEqual(expect.arrayContaining([topicId(), keyId()]));
  });

  it('subscribes the feedback function, which only SNS of this topic may invoke', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId() },
      Endpoint: { 'Fn::GetAtt': [fnId(), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId(), 'Arn'] },
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: topicId() },
    });
  });

  it('runs the feedback handler with the table name, retries twice, then dead-letters with an alarm', () => {
    expect(stack.feedback.feedbackFunction.entry).toMatch(/functions[\\/]feedback[\\/]handler\.ts$/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TICKETS_TABLE: { Ref: logicalId(stack.table) },
          POWERTOOLS_SERVICE_NAME: 'feedback',
        }),
      },
    });
    const queueId = logicalId(stack.feedback.feedbackFunction.failureQueue!.queue);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId() },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    });
  });

  it('gives the feedback function Get/Put/Query on the base table and nothing else of DynamoDB, no SES, no wildcard of its own', () => {
    const statements = roleStatements(template, logicalId(stack.feedback.feedbackFunction.role));
    const dynamo = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: { 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] },
      }),
    ]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => /^(ses|s3|sns|kms|secretsmanager|states):/.test(a))).toEqual([]);
    const wildcards = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(wildcards.every((a: string) => a.startsWith('xray:'))).toBe(true);
  });

  it('lets the inbound and timer functions read the suppression list (GetItem on the table) before they send', () => {
    for (const fn of [stack.inboundFunction, stack.timerFunction]) {
      const statements = roleStatements(template, logicalId(fn.role));
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: expect.arrayContaining(['dynamodb:GetItem']),
            Resource: expect.arrayContaining([{ 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] }]),
          }),
        ]),
      );
    }
  });

  it('leaves cdk-nag nothing to report on the feedback path', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const findings = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((f) => f.includes('/Feedback/'));
    expect(findings).toEqual([]);
  });
});
