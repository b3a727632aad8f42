import { randomBytes } from 'node:crypto';
import type { Verdict as DomainVerdict, Verdicts as DomainVerdicts } from '../../functions/domain/verdicts';
import { headerValues, parseHeaders } from './mail-headers';

/**
 * What SES receiving puts in front of a message before its S3 action stores it, in the shape real SES
 * writes (checked against stored SES mail):
 *
 *   Return-Path: <sender@example.org>
 *   Received: from mail.example.org (mail.example.org [192.0.2.1])
 *    by inbound-smtp.us-east-1.amazonaws.com with SMTP id <40 chars>
 *    for billing@example.com;
 *    Tue, 24 Nov 2026 13:00:00 +0000 (UTC)
 *   X-SES-Spam-Verdict: PASS
 *   X-SES-Virus-Verdict: PASS
 *   Received-SPF: pass (spfCheck: domain of example.org designates 192.0.2.1 as permitted sender) client-ip=...; envelope-from=...; helo=...;
 *   Authentication-Results: amazonses.com;
 *    spf=pass (spfCheck: ...) client-ip=...; envelope-from=...; helo=...;
 *    dkim=pass header.i=@example.org;
 *    dmarc=pass header.from=example.org;
 *   X-SES-RECEIPT: <base64>
 *
 * Locally every verdict is PASS, unless the message carries the test hook header
 *   X-Triage-Test-Verdicts: spam=FAIL; virus=PASS; spf=FAIL; dkim=FAIL; dmarc=FAIL
 * (any subset, values PASS | FAIL | GRAY | PROCESSING_FAILED); the local server then writes those
 * verdicts instead. The hook header itself stays in the stored message, below the SES headers.
 */

export const TEST_VERDICTS_HEADER = 'X-Triage-Test-Verdicts';

/** What SES writes (the domain's `NONE` stands for a header that is missing, which SES never leaves out). */
export type Verdict = Exclude<DomainVerdict, 'NONE'>;
export type Verdicts = Record<keyof DomainVerdicts, Verdict>;
const VERDICT_VALUES: Verdict[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'];
export const ALL_PASS: Verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

/** Verdicts for a message: PASS, overridden by the test hook header; `problems` lists what was not understood. */
export function verdictsFor(raw: Buffer): { verdicts: Verdicts; problems: string[] } {
  const verdicts = { ...ALL_PASS };
  const problems: string[] = [];
  for (const value of headerValues(parseHeaders(raw), TEST_VERDICTS_HEADER)) {
    for (const part of value.split(/[;,]/)) {
      if (!part.trim()) continue;
      const [k, v] = part.split('=').map((s) => s.trim());
      const key = k.toLowerCase() as keyof Verdicts;
      const verdict = (v ?? '').toUpperCase() as Verdict;
      if (!(key in verdicts) || !VERDICT_VALUES.includes(verdict)) {
        problems.push(
          `${TEST_VERDICTS_HEADER}: ignored "${part.trim()}" (expected spam|virus|spf|dkim|dmarc = ${VERDICT_VALUES.join('|')})`,
        );
        continue;
      }
      verdicts[key] = verdict;
    }
  }
  return { verdicts, problems };
}

/** SES receiving message id: 40 characters of a-z0-9 (the S3 object name). */
export function newInboundMessageId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(40)].map((b) => alphabet[b % 36]).join('');
}

/** RFC 5322 date as SES writes it: `Tue, 24 Nov 2026 13:00:00 +0000 (UTC)`. */
export function sesDate(d = new Date()): string {
  return d.toUTCString().replace(/GMT$/, '+0000 (UTC)');
}

const authWord = (v: Verdict) => (v === 'PASS' ? 'pass' : v === 'FAIL' ? 'fail' : v === 'GRAY' ? 'none' : 'temperror');

function domainOf(address: string | undefined): string | undefined {
  return (
    address
      ?.split('@')[1]
      ?.replace(/[>\s].*$/, '')
      .toLowerCase() || undefined
  );
}

export interface ReceiptContext {
  /** MAIL FROM, '' for the null sender */
  mailFrom: string;
  /** envelope recipients of this delivery */
  recipients: string[];
  helo: string;
  clientHostname: string;
  clientIp: string;
  messageId: string;
  verdicts: Verdicts;
  date?: Date;
}

/** The header block SES prepends (CRLF line ends, ending with CRLF). */
export function sesReceiptHeaders(raw: Buffer, ctx: ReceiptContext): string {
  const fromHeader = headerValues(parseHeaders(raw), 'From')[0];
  const fromDomain =
    domainOf(/[^\s<>"]+@[^\s<>",;]+/.exec(fromHeader ?? '')?.[0]) ?? domainOf(ctx.mailFrom) ?? ctx.helo;
  const envelopeDomain = domainOf(ctx.mailFrom) ?? ctx.helo;
  const spfWord = authWord(ctx.verdicts.spf);
  const spfText =
    ctx.verdicts.spf === 'PASS'
      ? `pass (spfCheck: domain of ${envelopeDomain} designates ${ctx.clientIp} as permitted sender)`
      : ctx.verdicts.spf === 'FAIL'
        ? `fail (spfCheck: domain of ${envelopeDomain} does not designate ${ctx.clientIp} as permitted sender)`
        : `${spfWord} (spfCheck: ${ctx.clientIp} is neither permitted nor denied by domain of ${envelopeDomain})`;
  const spfDetails = `client-ip=${ctx.clientIp}; envelope-from=${ctx.mailFrom}; helo=${ctx.helo};`;
  const lines = [
    `Return-Path: <${ctx.mailFrom}>`,
    `Received: from ${ctx.helo} (${ctx.clientHostname} [${ctx.clientIp}])`,
    ` by inbound-smtp.us-east-1.amazonaws.com with SMTP id ${ctx.messageId}`,
    ...(ctx.recipients.length === 1 ? [` for ${ctx.recipients[0]};`] : []),
    ` ${sesDate(ctx.date)}`,
    `X-SES-Spam-Verdict: ${ctx.verdicts.spam}`,
    `X-SES-Virus-Verdict: ${ctx.verdicts.virus}`,
    `Received-SPF: ${spfText} ${spfDetails}`,
    'Authentication-Results: amazonses.com;',
    ` spf=${spfText} ${spfDetails}`,
    ` dkim=${authWord(ctx.verdicts.dkim)} header.i=@${fromDomain};`,
    ` dmarc=${authWord(ctx.verdicts.dmarc)} header.from=${fromDomain};`,
    `X-SES-RECEIPT: ${randomBytes(96).toString('base64')}`,
  ];
  // without the "for" line the previous line ends the date-less Received; SES puts ';' before the date
  if (ctx.recipients.length !== 1) lines[2] += ';';
  return `${lines.join('\r\n')}\r\n`;
}
