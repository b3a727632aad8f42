import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A cdk-nag finding this app accepts on purpose, with the reason an auditor reads. */
export interface Acknowledgement {
  /** Rule id, with the finding in brackets when the rule reports several, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Why the finding is acceptable for this very resource (never empty). */
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag findings on one construct (and its children), through CDK's native
 * `Validations.of(x).acknowledge()` (cdk-nag 3 reads the acknowledgement metadata).
 * Refuses an empty or vague reason: every acknowledgement must say why.
 */
export function acknowledge(scope: IConstruct, ...acks: Acknowledgement[]): void {
  for (const ack of acks) {
    if (ack.reason.trim().length < 20) {
      throw new Error(`cdk-nag acknowledgement ${ack.id} on ${scope.node.path} needs a specific reason`);
    }
    Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason });
  }
}

/**
 * The reference cdk-nag prints for an attribute of a resource in an IAM finding,
 * e.g. `<RawMailStoreBucket1234ABCD.Arn>`: lets an acknowledgement name the exact finding
 * (`AwsSolutions-IAM5[Resource::<...Arn>/inbound/*]`) instead of a blanket rule id.
 */
export function nagRef(element: IConstruct, attribute?: string): string {
  const cfn = CfnElement.isCfnElement(element) ? element : element.node.defaultChild;
  if (!cfn || !CfnElement.isCfnElement(cfn)) throw new Error(`${element.node.path} has no CloudFormation resource`);
  const logicalId = Stack.of(cfn).getLogicalId(cfn);
  return attribute ? `<${logicalId}.${attribute}>` : `<${logicalId}>`;
}

/**
 * Finds a stack-level singleton that an aws-cdk-lib construct creates behind the scenes
 * (the S3 notifications handler, the AwsCustomResource provider function), by its id prefix.
 */
export function findSingleton(scope: IConstruct, idPrefix: string): IConstruct | undefined {
  return Stack.of(scope).node.children.find((child) => child.node.id.startsWith(idPrefix));
}

/**
 * A string as cdk-nag prints it in a finding: CloudFormation references become `<Name>` and
 * `<Name.Attribute>`, joins are joined. An ARN built with `Stack.formatArn` reads
 * `arn:aws:states:us-east-1:<AWS::AccountId>:...` in a stack with a region and
 * `arn:<AWS::Partition>:states:<AWS::Region>:...` in one without, so an acknowledgement names it
 * through this function rather than spelling one of the two.
 */
export function nagText(scope: IConstruct, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('Ref' in o) return `<${String(o.Ref)}>`;
      if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
      if ('Fn::Join' in o) {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(render).join(sep);
      }
    }
    throw new Error(`nagText cannot render ${JSON.stringify(v)}`);
  };
  return render(Stack.of(scope).resolve(value));
}
