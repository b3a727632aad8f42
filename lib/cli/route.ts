import { readFileSync } from 'node:fs';
import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import type { TriageConfig } from '../../functions/domain/config';
import { detectMachineMail } from '../../functions/domain/gate';
import { decideNewMail } from '../../functions/domain/triage-decision';

/** What `triage route` prints for one mail (`--json`: this object). */
export interface DryRunResult {
  file: string;
  recipient: string;
  /** `ticket`: a new ticket with an acknowledgement; `suppressed`: machine mail, stored and not answered. */
  outcome: 'ticket' | 'suppressed';
  department: string;
  priority: string;
  language: string;
  /** The FAQ entry whose answer the acknowledgement would carry, or null. */
  faq: string | null;
  rule: string;
  ruleName: string | null;
  matched: string[];
  scores?: Record<string, number>;
  /** Why, one sentence per decision: machine mail, department, priority, language, automatic answer. */
  reasons: string[];
}

/**
 * The receiving address of a saved mail: the one given, else the first To/Cc address that is ours
 * (a department address or the general address), else the general address.
 */
function recipientOf(cfg: TriageConfig, to: string[], given?: string): string {
  if (given) return given.trim().toLowerCase();
  const ours = new Set([cfg.generalAddress, ...cfg.departments.flatMap((d) => d.addresses)]);
  return to.find((a) => ours.has(a)) ?? cfg.generalAddress;
}

/**
 * Runs the gate and the new-mail decision (language, routing, priority, FAQ) on a saved mail, with
 * the same domain code as the inbound function, and touches nothing: no stack, no store, no mail.
 * Threading is not checked (it needs the stored tickets): the file is taken as a new mail.
 */
export async function dryRunRoute(
  cfg: TriageConfig,
  supportedLanguages: readonly string[],
  file: string,
  to?: string,
): Promise<DryRunResult> {
  const mail = await new MailparserReader().read(readFileSync(file));
  const recipient = recipientOf(
    cfg,
    [...mail.to, ...mail.cc].map((a) => a.address),
    to,
  );
  const own = new Set([cfg.generalAddress, ...cfg.departments.flatMap((d) => d.addresses)]);
  const machine = detectMachineMail(mail, (a) => own.has(a) || a.endsWith(`@${cfg.replyDomain}`));
  const decided = decideNewMail(cfg, {
    recipient,
    sender: mail.from?.address,
    subject: mail.subject,
    body: mail.text,
    supportedLanguages,
    machine: Boolean(machine),
  });
  const { routing } = decided;
  const reasons = machine
    ? [`machine mail (${machine.signal}: ${machine.evidence}): stored, not answered, no ticket`, ...routing.reasons!]
    : routing.reasons!;
  return {
    file,
    recipient,
    outcome: machine ? 'suppressed' : 'ticket',
    department: routing.department,
    priority: decided.priority.priority,
    language: decided.language.language,
    faq: decided.faq?.id ?? null,
    rule: routing.rule,
    ruleName: routing.ruleName ?? null,
    matched: routing.matched,
    scores: routing.scores,
    reasons,
  };
}
