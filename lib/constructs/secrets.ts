import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/** Properties of a {@link ReplyTokenSecret}. */
export interface ReplyTokenSecretProps {
  /**
   * What happens to the key when it leaves the stack. Retained by default: reply addresses already in
   * customers' and agents' mailboxes are signed with it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The HMAC key that signs the token in per-ticket reply addresses (`<ticket>.<token>@<replyDomain>`):
 * a generated 64-character SecretString (letters and digits), in Secrets Manager.
 */
export class ReplyTokenSecret extends Construct {
  /** The secret; its SecretString is the key. */
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: ReplyTokenSecretProps = {}) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'HMAC key signing the per-ticket reply addresses of email triage',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(this.secret, {
      id: 'AwsSolutions-SMG4',
      reason:
        'Not rotated automatically: a new key would invalidate every live reply address already sent to customers and agents. ' +
        'Rotation is a manual, planned step once the functions accept tokens signed with the previous version (AWSPREVIOUS).',
    });
  }
}
