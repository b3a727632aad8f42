/**
 * The web function in the CDK stack: a public function URL (the signed link is the authorisation),
 * a role that reads ticket items only and writes nothing but the survey answer, the URL handed to the
 * functions that mail links, and an output for the operator.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { build, configVariant, roleStatements } from '../support/cdk-stack';

const { stack, template, logicalId } = build();
const webFnId = () => logicalId(stack.webFunction.fn);
const urlId = () => logicalId(stack.web.functionUrl);

describe('web function', () => {
  it('is served by a function URL without IAM auth (the signed token in the link is the auth)', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [webFnId(), 'Arn'] },
    });
    // Public invocation through the URL only (not lambda:InvokeFunction for everyone).
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionUrlAuthType: 'NONE',
      Principal: '*',
      FunctionName: { 'Fn::GetAtt': [webFnId(), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          TICKETS_TABLE: { Ref: logicalId(stack.table) },
          REPLY_TOKEN_SECRET_ID: { Ref: logicalId(stack.replyTokenSecret) },
          POWERTOOLS_SERVICE_NAME: 'web',
        }),
      },
    });
  });

  it('reads ticket items only, and may update only the survey answer', () => {
    const role = logicalId(stack.webFunction.role);
    const statements = roleStatements(template, role);
    const table = { 'Fn::GetAtt': [logicalId(stack.table), 'Arn'] };
    const leadingKeys = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TICKET#*'] } };
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'ReadTickets',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: table,
          Condition: leadingKeys,
        },
        {
          Sid: 'RecordSurveyAnswer',
          Effect: 'Allow',
          Action: 'dynamodb:UpdateItem',
          Resource: table,
          Condition: {
            ...leadingKeys,
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'satisfaction', 'version'] },
          },
        },
        {
          Sid: 'ReadLinkSigningKey',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: logicalId(stack.replyTokenSecret) },
        },
      ]),
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    for (const forbidden of [
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
      'ses:SendRawEmail',
      's3:GetObject',
      'states:StartExecution',
    ])
      expect(actions).not.toContain(forbidden);
  });

  it('gives the inbound and timer functions WEB_BASE_URL from the function URL, and outputs it', () => {
    const url = { 'Fn::GetAtt': [urlId(), 'FunctionUrl'] };
    for (const fn of [stack.inboundFunction, stack.timerFunction]) {
      const props = template.toJSON().Resources[logicalId(fn.fn)].Properties;
      expect(props.Environment.Variables.WEB_BASE_URL).toEqual(url);
    }
    const webProps = template.toJSON().Resources[webFnId()].Properties;
    expect(webProps.Environment.Variables.WEB_BASE_URL).toBeUndefined();
    template.hasOutput('WebFunctionUrl', { Value: url });
  });

  it('links to the custom domain of web.publicUrl when the config sets one', () => {
    const custom = build({
      configPath: configVariant((raw) => (raw.web = { publicUrl: 'https://status.example.com/' })),
    });
    const props = custom.template.toJSON().Resources[custom.logicalId(custom.stack.inboundFunction.fn)].Properties;
    expect(props.Environment.Variables.WEB_BASE_URL).toBe('https://status.example.com/');
  });

  it('has alarms on errors and throttles like the other functions', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^The web function failed'),
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: webFnId() } }],
    });
  });
});
