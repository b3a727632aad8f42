import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomInt } from 'node:crypto';
import { AwsError, createJsonEndpoint } from './aws-json-endpoint';
import { closeHttpServer, HOST, listen } from './listen';

/**
 * Secrets Manager: a tiny AWS JSON 1.1 endpoint for GetSecretValue (and DescribeSecret) serving the
 * secrets of the synthesised template. Each gets a random 64-character value on first start, kept in
 * `<stateDir>/secrets.json` so reply tokens stay valid across restarts. A SecretId may be the secret's
 * name, its ARN or its partial ARN (without the random suffix); anything else gets the
 * ResourceNotFoundException the SDK knows.
 */

export interface LocalSecretDef {
  name: string;
  arn: string;
}

export interface LocalSecrets {
  port: number;
  endpoint: string;
  stop(): Promise<void>;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomSecret(length = 64): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

/** Loads `secrets.json`, adds a value for every secret that has none, writes it back. */
export function ensureSecretValues(file: string, names: string[]): Record<string, string> {
  const values = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  let changed = false;
  for (const name of names) {
    if (typeof values[name] === 'string' && values[name].length > 0) continue;
    values[name] = randomSecret();
    changed = true;
  }
  if (changed || !existsSync(file)) writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
  return values;
}

export async function startSecrets(options: {
  port: number;
  file: string;
  secrets: LocalSecretDef[];
}): Promise<LocalSecrets> {
  const values = ensureSecretValues(
    options.file,
    options.secrets.map((s) => s.name),
  );
  const created = Math.floor(Date.now() / 1000);
  const find = (input: Record<string, unknown>): LocalSecretDef => {
    const id = String(input.SecretId ?? '');
    const secret = options.secrets.find(
      (s) => id === s.name || id === s.arn || (id.includes(':secret:') && s.arn.startsWith(`${id}-`)),
    );
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };
  const versionId = (name: string) => {
    const h = createHash('sha256').update(values[name]).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  const server = createJsonEndpoint({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    operations: {
      GetSecretValue: (input) => {
        const s = find(input);
        return {
          ARN: s.arn,
          Name: s.name,
          VersionId: versionId(s.name),
          SecretString: values[s.name],
          VersionStages: ['AWSCURRENT'],
          CreatedDate: created,
        };
      },
      DescribeSecret: (input) => {
        const s = find(input);
        return {
          ARN: s.arn,
          Name: s.name,
          CreatedDate: created,
          LastChangedDate: created,
          VersionIdsToStages: { [versionId(s.name)]: ['AWSCURRENT'] },
        };
      },
    },
  });
  const port = await listen(server, options.port, 'secretsmanager');
  return { port, endpoint: `http://${HOST}:${port}`, stop: () => closeHttpServer(server) };
}
