import type { TriageConfig } from '../../functions/domain/config';

/**
 * Which receipt rule takes mail for an envelope recipient, mirroring the SES receipt rules of the
 * stack (lib/constructs/inbound-mail.ts): one rule per department address and one for the general address, writing
 * `inbound/<address lower-case>/<id>`, and one for the whole reply domain, writing `replies/<id>`.
 * Anything else is not ours: SES would not accept it (550 5.1.1).
 */
export interface RecipientRule {
  kind: 'department' | 'general' | 'reply';
  /** S3 key prefix, ending in `/` */
  prefix: string;
  department?: string;
}

export function recipientRule(config: TriageConfig, address: string): RecipientRule | undefined {
  const lower = address.trim().toLowerCase();
  for (const d of config.departments) {
    if (d.addresses.includes(lower)) return { kind: 'department', prefix: `inbound/${lower}/`, department: d.name };
  }
  if (lower === config.generalAddress) return { kind: 'general', prefix: `inbound/${lower}/` };
  if (lower.split('@')[1] === config.replyDomain) return { kind: 'reply', prefix: 'replies/' };
  return undefined;
}
