import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '../ports';

/** Reads the reply-token key from Secrets Manager once per container (the promise is kept, a failure is retried next call). */
export class SecretsManagerSecret implements SecretSource {
  private key?: Promise<string>;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  replyTokenKey(): Promise<string> {
    this.key ??= this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })).then((r) => {
      if (!r.SecretString || r.SecretString.length < 32)
        throw new Error(`secret ${this.secretId} must hold a string of at least 32 characters`);
      return r.SecretString;
    });
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }
}
