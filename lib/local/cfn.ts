import { createHash } from 'node:crypto';
import type { CfnResource, CfnTemplate } from './synth';

/**
 * Local names for the resources of the synthesised template, and a resolver for the intrinsic
 * functions CDK writes (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`), so the
 * state machine definition and the functions' environment read exactly as they would in AWS, with
 * local names in place of the deploy-time ones.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

/** Template property that holds a resource's explicit physical name, per type. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SES::ConfigurationSet': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
};

export class UnresolvableError extends Error {}

export class LocalResources {
  private readonly names = new Map<string, string>();
  /** Where each `AWS::Lambda::Url` is served locally (function-url.ts), by logical id: `Fn::GetAtt [id, FunctionUrl]`. */
  readonly functionUrls = new Map<string, string>();

  constructor(
    readonly template: CfnTemplate,
    readonly stackName: string,
  ) {}

  resource(logicalId: string): CfnResource {
    const r = this.template.Resources[logicalId];
    if (!r) throw new UnresolvableError(`no resource ${logicalId} in the template`);
    return r;
  }

  /** Logical ids of all resources of one type, in template order. */
  ofType(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** The local physical name of a resource: its explicit name property, or `<stack>-<logicalId>`. */
  name(logicalId: string): string {
    const known = this.names.get(logicalId);
    if (known) return known;
    const r = this.resource(logicalId);
    const prop = NAME_PROPERTY[r.Type];
    const explicit = prop ? r.Properties?.[prop] : undefined;
    let name: string;
    if (explicit !== undefined) name = String(this.resolve(explicit));
    else if (r.Type === 'AWS::S3::Bucket')
      name = `${this.stackName}-${logicalId}`
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, '-')
        .slice(0, 63);
    else if (r.Type === 'AWS::StepFunctions::StateMachine' || r.Type === 'AWS::SecretsManager::Secret')
      name = logicalId;
    else name = `${this.stackName}-${logicalId}`;
    this.names.set(logicalId, name);
    return name;
  }

  arn(logicalId: string): string {
    const r = this.resource(logicalId);
    const name = this.name(logicalId);
    const regional = (service: string, resource: string) =>
      `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return regional('dynamodb', `table/${name}`);
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return regional('states', `stateMachine:${name}`);
      case 'AWS::SecretsManager::Secret':
        // AWS appends a random 6-character suffix; a hash keeps it stable across restarts
        return regional(
          'secretsmanager',
          `secret:${name}-${createHash('sha256').update(name).digest('base64url').replace(/[-_]/g, 'x').slice(0, 6)}`,
        );
      case 'AWS::SES::ConfigurationSet':
        return regional('ses', `configuration-set/${name}`);
      case 'AWS::Lambda::Function':
        return regional('lambda', `function:${name}`);
      case 'AWS::SQS::Queue':
        return regional('sqs', name);
      case 'AWS::SNS::Topic':
        return regional('sns', name);
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;
      default: {
        const service = r.Type.split('::')[1]?.toLowerCase() ?? 'unknown';
        return regional(service, `${logicalId}`);
      }
    }
  }

  /** What `{"Ref": logicalId}` returns for each resource type. */
  ref(logicalId: string): string {
    const param = (this.template.Parameters as Record<string, { Default?: unknown }> | undefined)?.[logicalId];
    if (param) {
      if (param.Default === undefined) throw new UnresolvableError(`parameter ${logicalId} has no default`);
      return String(param.Default);
    }
    const type = this.resource(logicalId).Type;
    switch (type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SecretsManager::Secret':
      case 'AWS::SNS::Topic':
        return this.arn(logicalId);
      case 'AWS::SQS::Queue':
        return `http://sqs.${LOCAL_REGION}.localhost/${LOCAL_ACCOUNT}/${this.name(logicalId)}`;
      default:
        return this.name(logicalId);
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    switch (attribute) {
      case 'Arn':
        return this.arn(logicalId);
      case 'Name':
      case 'QueueName':
      case 'TopicName':
        return this.name(logicalId);
      case 'QueueUrl':
        return this.ref(logicalId);
      case 'DomainName':
        return `${this.name(logicalId)}.s3.amazonaws.com`;
      case 'RegionalDomainName':
        return `${this.name(logicalId)}.s3.${LOCAL_REGION}.amazonaws.com`;
      case 'StreamArn':
        return `${this.arn(logicalId)}/stream/local`;
      case 'Id':
        return this.ref(logicalId);
      case 'FunctionUrl': {
        const url = this.functionUrls.get(logicalId);
        if (url === undefined) throw new UnresolvableError(`function URL ${logicalId} is not served locally`);
        return url;
      }
      default:
        throw new UnresolvableError(`cannot resolve Fn::GetAtt ${logicalId}.${attribute} locally`);
    }
  }

  private pseudo(name: string): string | undefined {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${this.stackName}/local`;
      default:
        return undefined;
    }
  }

  /** Deeply resolves intrinsic functions; throws UnresolvableError for what has no local meaning. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = obj[fn];
      switch (fn) {
        case 'Ref': {
          const name = String(arg);
          return this.pseudo(name) ?? this.ref(name);
        }
        case 'Fn::GetAtt': {
          const [id, ...attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
          return this.getAtt(id, attr.join('.'));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
          return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            const [id, ...attr] = name.split('.');
            return attr.length ? this.getAtt(id, attr.join('.')) : (this.pseudo(id) ?? this.ref(id));
          });
        }
        default:
          if (fn.startsWith('Fn::') || fn === 'Condition') throw new UnresolvableError(`cannot resolve ${fn} locally`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(obj[k])]));
  }
}
