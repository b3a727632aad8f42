import type { TriageConfig } from '../../functions/domain/config';
import type { LocalResources } from './cfn';
import { recipientRule } from './recipients';

/**
 * The SES receipt rules of the synthesised template (`AWS::SES::ReceiptRule`), which decide what the
 * local SMTP server accepts and where it stores it, as SES would: a rule's recipient is an address
 * (exact), a domain (every address at it), or `.domain` (every subdomain); each enabled rule that
 * matches at least one recipient runs its S3 action once per message, writing
 * `<ObjectKeyPrefix><message id>`. Rules without an S3 action are ignored locally.
 * Without receipt rules in the template, TriageStack's rules are derived from the config.
 */
export interface S3Target {
  bucket: string;
  prefix: string;
}

export interface LocalReceiptRule {
  name: string;
  recipients: string[];
  scanEnabled: boolean;
  s3: S3Target[];
}

export function receiptRulesFromTemplate(resources: LocalResources): LocalReceiptRule[] {
  return resources.ofType('AWS::SES::ReceiptRule').flatMap((id) => {
    const rule = (resources.resource(id).Properties?.Rule ?? {}) as Record<string, unknown>;
    if (rule.Enabled === false) return [];
    const s3 = ((rule.Actions as Record<string, unknown>[] | undefined) ?? [])
      .map((a) => a.S3Action as Record<string, unknown> | undefined)
      .filter((a): a is Record<string, unknown> => !!a)
      .map((a) => ({
        bucket: String(resources.resolve(a.BucketName)),
        prefix: String(resources.resolve(a.ObjectKeyPrefix ?? '')),
      }));
    if (s3.length === 0) return [];
    return [
      {
        name: String(rule.Name ?? id),
        recipients: ((resources.resolve(rule.Recipients ?? []) as string[]) ?? []).map((r) => r.toLowerCase()),
        scanEnabled: rule.ScanEnabled === true,
        s3,
      },
    ];
  });
}

/** TriageStack's rules, from the config: one per department address and the general address, one for the reply domain. */
export function receiptRulesFromConfig(config: TriageConfig, bucket: string): LocalReceiptRule[] {
  const addresses = [...config.departments.flatMap((d) => d.addresses), config.generalAddress];
  return [...addresses, `x@${config.replyDomain}`].map((address) => {
    const rule = recipientRule(config, address)!;
    const recipient = rule.kind === 'reply' ? config.replyDomain : address;
    return {
      name: `To ${recipient}`,
      recipients: [recipient],
      scanEnabled: true,
      s3: [{ bucket, prefix: rule.prefix }],
    };
  });
}

export function ruleMatches(rule: LocalReceiptRule, address: string): boolean {
  const lower = address.toLowerCase();
  const domain = lower.split('@')[1] ?? '';
  if (rule.recipients.length === 0) return true;
  return rule.recipients.some((r) =>
    r.includes('@') ? r === lower : r.startsWith('.') ? domain.endsWith(r) : domain === r,
  );
}

/** The S3 writes one message causes: each matching rule's targets once, whatever the number of its recipients. */
export function s3TargetsFor(rules: LocalReceiptRule[], recipients: string[]): S3Target[] {
  const targets: S3Target[] = [];
  for (const rule of rules) {
    if (!recipients.some((r) => ruleMatches(rule, r))) continue;
    for (const t of rule.s3) if (!targets.some((x) => x.bucket === t.bucket && x.prefix === t.prefix)) targets.push(t);
  }
  return targets;
}
