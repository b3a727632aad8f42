import type { IConstruct } from 'constructs';
import { Construct } from 'constructs';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { EventType, type BucketPolicy } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import {
  type IReceiptRuleAction,
  type ReceiptRule,
  type ReceiptRuleActionConfig,
  ReceiptRuleSet,
  TlsPolicy,
} from 'aws-cdk-lib/aws-ses';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { TriageConfig } from '../../functions/domain/config';
import { acknowledge, findSingleton } from '../nag';
import { INBOUND_PREFIX, REPLIES_PREFIX, type RawMailStore } from './raw-mail-store';

/** Properties of {@link InboundMail}. */
export interface InboundMailProps {
  /** The validated config: department addresses, general address, reply domain. */
  readonly config: TriageConfig;
  /** Where SES stores each received message. */
  readonly rawMailStore: RawMailStore;
  /** Notified of every new object under `inbound/` and `replies/`. */
  readonly inboundFunction: IFunction;
  /**
   * Make this rule set the active one of the account and region (SES has ONE active rule set per
   * account and region). Turn off where another rule set must stay active, and add equivalent rules there.
   * @default true
   */
  readonly activateRuleSet?: boolean;
}

/** The key prefix under which SES stores mail received for one address (`recipientOfKey` in functions/domain/delivery-key.ts reads the address back from it). */
export function inboundPrefixFor(address: string): string {
  return `${INBOUND_PREFIX}${address.toLowerCase()}/`;
}

/**
 * SES receipt rule action writing the raw message to the raw mail store under a key prefix.
 * Unlike `aws-ses-actions.S3`, it adds no bucket policy of its own: the store's single SES statement
 * (scoped to this account and rule set) covers every rule; the rule only waits for that policy.
 */
class StoreRawMail implements IReceiptRuleAction {
  constructor(
    private readonly bucketName: string,
    private readonly objectKeyPrefix: string,
    private readonly bucketPolicy: BucketPolicy,
  ) {}

  bind(receiptRule: IConstruct): ReceiptRuleActionConfig {
    // SES verifies it may write to the bucket when the rule is created.
    receiptRule.node.addDependency(this.bucketPolicy);
    return { s3Action: { bucketName: this.bucketName, objectKeyPrefix: this.objectKeyPrefix } };
  }
}

/**
 * How mail gets in: an SES receipt rule set with one rule per department address and one for the
 * general address (each storing under `inbound/<address>/`, so the key tells which address received
 * the mail, BCC included), one rule for the whole reply domain (`replies/`), the rule set's
 * activation, and the S3 notifications that start the inbound function.
 */
export class InboundMail extends Construct {
  /** The receipt rule set. */
  readonly ruleSet: ReceiptRuleSet;
  /** Receipt rules by recipient (address, or the reply domain). */
  readonly rules: ReadonlyMap<string, ReceiptRule>;
  /** The custom resource making the rule set active, when `activateRuleSet` is on. */
  readonly activation?: AwsCustomResource;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const { config, rawMailStore } = props;
    const bucket = rawMailStore.bucket;

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet');
    const bucketPolicy = rawMailStore.allowSesDelivery(this.ruleSet.receiptRuleSetName, [
      INBOUND_PREFIX,
      REPLIES_PREFIX,
    ]);

    const addresses = [...config.departments.flatMap((d) => d.addresses), config.generalAddress];
    const targets: { recipient: string; prefix: string }[] = [
      ...addresses.map((address) => ({ recipient: address, prefix: inboundPrefixFor(address) })),
      { recipient: config.replyDomain, prefix: REPLIES_PREFIX },
    ];
    const rules = new Map<string, ReceiptRule>();
    for (const { recipient, prefix } of targets) {
      const rule = this.ruleSet.addRule(`To ${recipient}`, {
        recipients: [recipient],
        enabled: true,
        // Spam and virus verdicts land in the X-SES-* headers; the inbound function decides (nothing is dropped).
        scanEnabled: true,
        // Optional, not Require: a customer's server without STARTTLS must still reach us. SES uses TLS
        // whenever the sender offers it, and rejecting mail would lose what the customer sent.
        tlsPolicy: TlsPolicy.OPTIONAL,
        actions: [new StoreRawMail(bucket.bucketName, prefix, bucketPolicy)],
      });
      rules.set(recipient, rule);
    }
    this.rules = rules;

    if (props.activateRuleSet ?? true) {
      const setActive = (ruleSetName?: string) => ({
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: ruleSetName ? { RuleSetName: ruleSetName } : {},
        // Fixed: a replaced rule set is activated by an update, never by delete-then-create
        // (the delete of the old resource would deactivate the new rule set).
        physicalResourceId: PhysicalResourceId.of('active-receipt-rule-set'),
      });
      this.activation = new AwsCustomResource(this, 'ActivateRuleSet', {
        onCreate: setActive(this.ruleSet.receiptRuleSetName),
        onUpdate: setActive(this.ruleSet.receiptRuleSetName),
        // SES refuses to delete the active rule set: deactivate it first (no name = no active rule set).
        onDelete: setActive(),
        policy: AwsCustomResourcePolicy.fromStatements([
          new PolicyStatement({ effect: Effect.ALLOW, actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
        ]),
        installLatestAwsSdk: false,
      });
      for (const rule of rules.values()) this.activation.node.addDependency(rule);
      acknowledge(this.activation, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:SetActiveReceiptRuleSet (the only action of this policy) has no resource type in IAM: it can only be granted on "*".',
      });
      acknowledgeProvider(
        findSingleton(this, 'AWS679f53fac002430cb0da5b7982bd2287'),
        'the AwsCustomResource provider activating the receipt rule set',
      );
    }

    for (const prefix of [INBOUND_PREFIX, REPLIES_PREFIX]) {
      bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(props.inboundFunction), { prefix });
    }
    acknowledgeProvider(
      findSingleton(this, 'BucketNotificationsHandler'),
      'the aws-cdk-lib handler that configures the raw mail bucket notifications',
    );
  }
}

/**
 * Acknowledges the findings on a provider function that aws-cdk-lib creates and owns (one per stack),
 * whose role and runtime this app cannot set.
 */
function acknowledgeProvider(provider: IConstruct | undefined, what: string): void {
  if (!provider) return;
  acknowledge(provider, {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: `Role of ${what}, created by aws-cdk-lib with the AWS managed basic execution policy (CloudWatch Logs only); runs at deploy time only.`,
  });
}
