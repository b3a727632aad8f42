import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketPolicy,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Key prefix of the objects SES writes for the department and general addresses (`inbound/<address>/<message id>`). */
export const INBOUND_PREFIX = 'inbound/';
/** Key prefix of the objects SES writes for the reply domain (`replies/<message id>`). */
export const REPLIES_PREFIX = 'replies/';
/** Attachments too large to forward to agents, kept apart and linked (written by the inbound function). */
export const ATTACHMENTS_PREFIX = 'attachments/';

/** Properties of a {@link RawMailStore}. */
export interface RawMailStoreProps {
  /**
   * Days a raw message is kept (`config.rawMailRetentionDays`); 0 keeps mail for ever.
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * Days a replaced or deleted object version stays recoverable.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days the S3 server access logs are kept.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * The S3 bucket that keeps every raw message exactly as SES received it: encrypted, private, TLS only,
 * versioned, retained when the stack goes, with server access logs in a second bucket.
 */
export class RawMailStore extends Construct {
  /** The raw mail bucket. */
  readonly bucket: Bucket;
  /** The bucket receiving the raw mail bucket's server access logs. */
  readonly accessLogsBucket: Bucket;

  constructor(scope: Construct, id: string, props: RawMailStoreProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 365;
    const noncurrentVersionDays = props.noncurrentVersionDays ?? 30;

    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      // Server access logging delivers to SSE-S3 buckets only.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 365) }],
    });
    // cdk-nag S1 is satisfied: it recognises this bucket as the log destination of the raw mail bucket.

    const lifecycleRules: LifecycleRule[] = [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(noncurrentVersionDays) },
    ];
    if (retentionDays > 0) {
      lifecycleRules.push({ id: 'expire-raw-mail', expiration: Duration.days(retentionDays) });
    }

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'raw-mail/',
    });
  }

  /**
   * Lets SES receipt rules of this account and region, in the given rule set, write under the given
   * key prefixes (and nowhere else). Returns the bucket policy, for rules to depend on: SES checks
   * that it may write when a rule is created.
   */
  allowSesDelivery(ruleSetName: string, prefixes: readonly string[]): BucketPolicy {
    const stack = Stack.of(this);
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesReceiptRulesToStoreRawMail',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}*`)),
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'ses',
              resource: 'receipt-rule-set',
              resourceName: `${ruleSetName}:receipt-rule/*`,
            }),
          },
        },
      }),
    );
    // addToResourcePolicy created the policy (enforceSSL already had).
    return this.bucket.policy!;
  }
}
