import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { TIMER_STATES } from '../../lib/constructs/timers';
import { loadConfigFile } from '../../lib/config/load';
import { addTriageStack } from '../../lib/triage-app';
import { CONFIG_PATH } from '../support/fixtures';
import { build, configVariant, roleStatements, testContext, type WithResource } from '../support/cdk-stack';

const config = loadConfigFile(CONFIG_PATH);
const { stack, template, logicalId } = build();

/** The state machine definition as JSON, tokens replaced by `@<logical id>`. */
function stateMachineDefinition(t: Template): any {
  const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const def = sm.Properties.DefinitionString;
  const text =
    typeof def === 'string'
      ? def
      : (def['Fn::Join'][1] as unknown[])
          .map((part: any) => (typeof part === 'string' ? part : `@${part['Fn::GetAtt']?.[0] ?? part.Ref}`))
          .join('');
  return JSON.parse(text);
}

describe('raw mail store', () => {
  const bucketId = () => logicalId(stack.rawMailBucket);

  it('is encrypted, private, versioned, logged and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Id: 'expire-raw-mail',
              ExpirationInDays: config.rawMailRetentionDays,
              Status: 'Enabled',
            }),
          ]),
        },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only SES receipt rules of this account and rule set write under inbound/ and replies/', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: [
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/inbound/*']] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/replies/*']] },
            ],
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([
                      Match.stringLikeRegexp(':receipt-rule-set/$'),
                      { Ref: logicalId(stack.inboundMail.ruleSet) },
                      ':receipt-rule/*',
                    ]),
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('keeps mail for ever when rawMailRetentionDays is 0', () => {
    const { template: t } = build({ configPath: configVariant((raw) => (raw.rawMailRetentionDays = 0)) });
    const buckets = Object.values(t.findResources('AWS::S3::Bucket')) as any[];
    const rules = buckets.flatMap((b) => b.Properties.LifecycleConfiguration?.Rules ?? []);
    expect(rules.map((r: any) => r.Id)).not.toContain('expire-raw-mail');
    expect(rules.map((r: any) => r.Id)).toContain('expire-noncurrent-versions');
  });
});

describe('inbound mail (SES receipt)', () => {
  const addresses = [...config.departments.flatMap((d) => d.addresses), config.generalAddress];

  it('has one rule per department address and the general address, storing under inbound/<address>/', () => {
    template.resourceCountIs('AWS::SES::ReceiptRule', addresses.length + 1);
    for (const address of addresses) {
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        RuleSetName: { Ref: logicalId(stack.inboundMail.ruleSet) },
        Rule: {
          Enabled: true,
          Recipients: [address],
          ScanEnabled: true,
          TlsPolicy: 'Optional',
          Actions: [
            {
              S3Action: { BucketName: { Ref: logicalId(stack.rawMailBucket) }, ObjectKeyPrefix: `inbound/${address}/` },
            },
          ],
        },
      });
    }
  });

  it('has one rule for the reply domain, storing under replies/', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Recipients: [config.replyDomain],
        ScanEnabled: true,
        Actions: [{ S3Action: { BucketName: { Ref: logicalId(stack.rawMailBucket) }, ObjectKeyPrefix: 'replies/' } }],
      }),
    });
  });

  it('creates every rule after the bucket policy that lets SES write', () => {
    const policyId = logicalId(stack.rawMailBucket.policy!);
    const rules = Object.values(template.findResources('AWS::SES::ReceiptRule')) as any[];
    for (const rule of rules) expect(rule.DependsOn).toContain(policyId);
  });

  it('activates the rule set with a custom resource, and deactivates on delete', () => {
    const resources = Object.values(template.findResources('Custom::AWS')) as any[];
    expect(resources).toHaveLength(1);
    const [activation] = resources;
    const create = JSON.stringify(activation.Properties.Create);
    expect(create).toContain('setActiveReceiptRuleSet');
    expect(create).toContain(JSON.stringify({ Ref: logicalId(stack.inboundMail.ruleSet) }));
    expect(JSON.parse(activation.Properties.Delete)).toMatchObject({
      action: 'setActiveReceiptRuleSet',
      parameters: {},
    });
    expect(activation.Properties.InstallLatestAwsSdk).toBe(false);
    const ruleIds = Object.keys(template.findResources('AWS::SES::ReceiptRule'));
    expect(activation.DependsOn).toEqual(expect.arrayContaining(ruleIds));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'ses:SetActiveReceiptRuleSet', Effect: 'Allow', Resource: '*' }] },
    });
  });

  it('can leave the active rule set alone (context activateReceiptRuleSet=false)', () => {
    const { template: t } = build({}, { activateReceiptRuleSet: 'false' });
    t.resourceCountIs('Custom::AWS', 0);
    t.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
  });

  it('notifies the inbound function of new objects under inbound/ and replies/', () => {
    const fnArn = { 'Fn::GetAtt': [logicalId(stack.inboundFunction.fn), 'Arn'] };
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(stack.rawMailBucket) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayWith(
          ['inbound/', 'replies/'].map((prefix) =>
            Match.objectLike({
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
              LambdaFunctionArn: fnArn,
            }),
          ),
        ),
      },
    });
  });
});

describe('functions', () => {
  const common = {
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    TracingConfig: { Mode: 'Active' },
    Handler: 'index.handler',
  };
  const contractEnv = {
    TICKETS_TABLE: { Ref: logicalId(stack.table) },
    RAW_MAIL_BUCKET: { Ref: logicalId(stack.rawMailBucket) },
    REPLY_TOKEN_SECRET_ID: { Ref: logicalId(stack.replyTokenSecret) },
    SES_CONFIGURATION_SET: { Ref: logicalId(stack.responders.configurationSet) },
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_NAMESPACE: 'EmailTriage',
    NODE_OPTIONS: '--enable-source-maps',
  };
  const fnProps = (fn: { fn: unknown }) => template.toJSON().Resources[logicalId(fn.fn as never)].Properties;
  // A fixed name built on AWS::StackName, not a Ref: the timer function starts executions of the state machine that invokes it.
  const timerArn = {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':states:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':stateMachine:',
        { Ref: 'AWS::StackName' },
        '-ticket-timer',
      ],
    ],
  };

  it('inbound: Node.js 22 on arm64, traced, 1024 MB, 2 minutes, contract environment', () => {
    expect(fnProps(stack.inboundFunction)).toMatchObject({
      ...common,
      MemorySize: 1024,
      Timeout: 120,
      Environment: {
        Variables: {
          ...contractEnv,
          POWERTOOLS_SERVICE_NAME: 'inbound',
          TIMER_STATE_MACHINE_ARN: timerArn,
        },
      },
    });
  });

  it('timer: Node.js 22 on arm64, traced, 256 MB, 30 s, contract environment (it schedules the next step itself)', () => {
    expect(fnProps(stack.timerFunction)).toMatchObject({
      ...common,
      MemorySize: 256,
      Timeout: 30,
      Environment: {
        Variables: { ...contractEnv, POWERTOOLS_SERVICE_NAME: 'timer', TIMER_STATE_MACHINE_ARN: timerArn },
      },
    });
  });

  it("names the timer ARN from the state machine's name, which is the one the state machine has", () => {
    const name = template.toJSON().Resources[logicalId(stack.timerStateMachine)].Properties.StateMachineName;
    expect(name).toEqual({ 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-ticket-timer']] });
    expect(JSON.stringify(timerArn)).toContain('"AWS::StackName"},"-ticket-timer"');
  });

  it('each function logs to its own log group with a retention', () => {
    for (const f of [stack.inboundFunction, stack.timerFunction]) {
      expect(fnProps(f).LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: logicalId(f.logGroup) } });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    }
  });

  it('exposes the handler module for the local stack', () => {
    expect(stack.inboundFunction.entry).toMatch(/functions[\\/]inbound[\\/]handler\.ts$/);
    expect(stack.timerFunction.entry).toMatch(/functions[\\/]timer[\\/]handler\.ts$/);
    expect(stack.inboundFunction.handlerName).toBe('handler');
  });

  it('inbound failures: 2 retries, then an encrypted TLS-only dead-letter queue with an alarm', () => {
    const queue = stack.inboundFunction.failureQueue!;
    const queueId = logicalId(queue.queue);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stack.inboundFunction.fn) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // The timer is invoked synchronously by Step Functions: no async config, no queue.
    // (The other asynchronously invoked function is the SES feedback function, see feedback.test.ts.)
    const asyncConfigs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map(
      (r: any) => r.Properties.FunctionName.Ref,
    );
    expect(asyncConfigs).not.toContain(logicalId(stack.timerFunction.fn));
  });
});

describe('least privilege', () => {
  const statementsOf = (fn: { role: WithResource }) => roleStatements(template, logicalId(fn.role));
  const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

  it('each function has its own role without managed policies', () => {
    for (const f of [stack.inboundFunction, stack.timerFunction]) {
      const role = template.toJSON().Resources[logicalId(f.role)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    expect(stack.inboundFunction.role).not.toBe(stack.timerFunction.role);
  });

  it('inbound may do exactly what it needs', () => {
    expect(actionsOf(statementsOf(stack.inboundFunction))).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject', // raw mail
        's3:GetObject',
        's3:PutObject', // attachments too large to forward: kept and linked
        'secretsmanager:GetSecretValue',
        'ses:SendRawEmail',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'states:StartExecution', // the first timer step, and the new one when a reply moves the timers
        'states:StopExecution', // the superseded step
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('inbound writes to S3 only under attachments/', () => {
    const writes = statementsOf(stack.inboundFunction).filter((st: { Action: string | string[] }) =>
      [st.Action].flat().includes('s3:PutObject'),
    );
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0].Resource)).toMatch(/\/attachments\/\*/);
    expect(JSON.stringify(writes[0].Resource)).not.toMatch(/inbound|replies/);
  });

  it('timer may do exactly what it needs', () => {
    expect(actionsOf(statementsOf(stack.timerFunction))).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'ses:SendRawEmail',
        'states:StartExecution', // the next step
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('the only "*" resource of a function role is X-Ray (no resource-level permissions there)', () => {
    for (const f of [stack.inboundFunction, stack.timerFunction]) {
      const wildcard = statementsOf(f).filter((s: any) => [s.Resource].flat().includes('*'));
      expect(actionsOf(wildcard)).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('DynamoDB access names the table and the byDepartmentStatus index, SES the identity and configuration set', () => {
    const [dynamo] = statementsOf(stack.inboundFunction).filter((s: any) => s.Sid === 'KeepTickets');
    expect(dynamo.Resource).toEqual([
      { 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] }, '/index/byDepartmentStatus']] },
    ]);
    const [ses] = statementsOf(stack.inboundFunction).filter((s: any) => s.Sid === 'SendMail');
    const sesResources = JSON.stringify(ses.Resource);
    expect(sesResources).toContain(`:identity/`);
    expect(sesResources).toContain(`:configuration-set/`);
    expect(sesResources).not.toContain('"*"');
  });
});

describe('ticket store', () => {
  it('matches the contract: pk/sk, byDepartmentStatus, on demand, PITR, TTL expiresAt, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byDepartmentStatus',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ]),
      }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('ticket timer state machine', () => {
  const definition = stateMachineDefinition(template);
  const timerFn = `@${logicalId(stack.timerFunction.fn)}`;

  it('has exactly the contract states, in JSONPath', () => {
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(TIMER_STATES).sort());
    expect(definition.StartAt).toBe('WaitUntilStepDue');
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|\{%/);
  });

  it('waits until $.at, then runs the planned step with the timer function', () => {
    expect(definition.States.WaitUntilStepDue).toEqual({ Type: 'Wait', TimestampPath: '$.at', Next: 'RunTimerStep' });
    expect(definition.States.RunTimerStep).toMatchObject({
      Type: 'Task',
      Resource: timerFn, // payloadResponseOnly: the function ARN itself
      Parameters: { action: 'run', 'ticketId.$': '$.ticketId', 'generation.$': '$.generation', 'step.$': '$.step' },
      ResultPath: '$.result',
      Next: 'StepDone',
      Catch: [
        expect.objectContaining({ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordTimerFailure' }),
      ],
    });
    expect(definition.States.StepDone.Type).toBe('Succeed');
  });

  it('records a step that failed after its retries on the ticket, then fails the execution (the alarm)', () => {
    expect(definition.States.RecordTimerFailure).toMatchObject({
      Type: 'Task',
      Resource: timerFn,
      Parameters: {
        action: 'record-failure',
        'ticketId.$': '$.ticketId',
        'step.$': '$.step',
        'error.$': '$.error.Error',
        'cause.$': '$.error.Cause',
      },
      Next: 'TimerFailed',
      Catch: [expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'TimerFailed' })],
    });
    expect(definition.States.TimerFailed.Type).toBe('Fail');
  });

  it('retries task errors with backoff and jitter', () => {
    for (const name of ['RunTimerStep', 'RecordTimerFailure']) {
      expect(definition.States[name].Retry).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], BackoffRate: 2, JitterStrategy: 'FULL' }),
        ]),
      );
    }
    expect(
      definition.States.RunTimerStep.Retry.find((r: { ErrorEquals: string[] }) =>
        r.ErrorEquals.includes('States.TaskFailed'),
      ).MaxAttempts,
    ).toBe(5);
  });

  it('logs ALL without execution data, and is traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
  });
});

describe('SES sending', () => {
  it('verifies the mail domain with Easy DKIM and sends through a configuration set', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: config.mailDomain,
      DkimAttributes: { SigningEnabled: true },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalId(stack.responders.configurationSet) } },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
    });
    // reply.example.com is a subdomain of the verified example.com: no identity of its own.
    template.resourceCountIs('AWS::SES::EmailIdentity', 1);
  });

  it('verifies a reply domain outside the mail domain too', () => {
    const { template: t } = build({ configPath: configVariant((raw) => (raw.replyDomain = 'replies.example.net')) });
    t.resourceCountIs('AWS::SES::EmailIdentity', 2);
    t.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'replies.example.net' });
    t.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ Recipients: ['replies.example.net'] }),
    });
  });
});

describe('reply token secret', () => {
  it('is generated: 64 characters, no punctuation, retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } }),
      DeletionPolicy: 'Retain',
    });
  });
});

describe('stack', () => {
  it('outputs what operators and the CLI need', () => {
    for (const name of [
      'RawMailBucketName',
      'TicketsTableName',
      'TimerStateMachineArn',
      'ReceiptRuleSetName',
      'InboundDeadLetterQueueUrl',
    ]) {
      template.hasOutput(name, { Value: Match.anyValue() });
    }
    template.hasOutput('InboundDeadLetterQueueUrl', {
      Value: { Ref: logicalId(stack.inboundFunction.failureQueue!.queue) },
    });
  });

  it('hard-codes no physical names, so staging and production live side by side', () => {
    const named = [
      'BucketName',
      'TableName',
      'StateMachineName',
      'QueueName',
      'FunctionName',
      'RoleName',
      'LogGroupName',
      'Name',
      'ConfigurationSet',
    ];
    for (const [id, resource] of Object.entries(template.toJSON().Resources) as [string, any][]) {
      if (
        ['AWS::Lambda::Permission', 'AWS::Lambda::EventInvokeConfig', 'AWS::SES::EmailIdentity'].includes(resource.Type)
      )
        continue;
      for (const key of named) {
        const value = resource.Properties?.[key];
        if (value !== undefined) expect(`${id}.${key} = ${JSON.stringify(value)}`).toMatch(/"(Ref|Fn::GetAtt)"/);
      }
    }
    const app = new App({ context: testContext() });
    const staging = addTriageStack(app, { configPath: CONFIG_PATH, stackName: 'EmailTriage-staging' });
    const production = addTriageStack(app, { configPath: CONFIG_PATH, stackName: 'EmailTriage-production' });
    expect(staging.stackName).toBe('EmailTriage-staging');
    expect(production.stackName).toBe('EmailTriage-production');
    expect(() => app.synth()).not.toThrow();
  });
});
