import type { InboundMail } from './mail';

export type Verdict = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED' | 'NONE';

/** What SES receiving found about a mail: its spam and virus scans and the sender authentication. */
export interface Verdicts {
  spam: Verdict;
  virus: Verdict;
  spf: Verdict;
  dkim: Verdict;
  dmarc: Verdict;
}

function verdictOf(value: string | undefined): Verdict {
  const v = value?.trim().toUpperCase();
  if (v === 'PASS' || v === 'FAIL' || v === 'GRAY' || v === 'PROCESSING_FAILED') return v;
  if (v === 'SOFTFAIL' || v === 'PERMERROR' || v === 'TEMPERROR' || v === 'NEUTRAL' || v === 'POLICY')
    return v === 'NEUTRAL' ? 'GRAY' : 'FAIL';
  return 'NONE';
}

/** `spf=pass` and the like in an Authentication-Results header; made once, not per mail. */
const METHOD_RESULT = Object.fromEntries(
  ['spf', 'dkim', 'dmarc'].map((name) => [name, new RegExp(`(?:^|;)\\s*${name}=([a-z_]+)`, 'i')]),
) as Record<'spf' | 'dkim' | 'dmarc', RegExp>;

/**
 * Reads the verdicts SES wrote. SES prepends its headers, so only the FIRST occurrence of each
 * counts: a sender can put any `X-SES-Spam-Verdict: PASS` lower in the header block, but not above
 * what SES added. Authentication results are taken from the first `Authentication-Results` whose
 * authserv-id is `amazonses.com`.
 */
export function readVerdicts(mail: Pick<InboundMail, 'headers'>): Verdicts {
  const first = (name: string) => mail.headers.get(name)?.[0];
  const results =
    (mail.headers.get('authentication-results') ?? []).find((v) => /^\s*amazonses\.com\s*;/i.test(v)) ?? '';
  const method = (pattern: RegExp) => verdictOf(pattern.exec(results)?.[1]);
  return {
    spam: verdictOf(first('x-ses-spam-verdict')),
    virus: verdictOf(first('x-ses-virus-verdict')),
    spf: method(METHOD_RESULT.spf),
    dkim: method(METHOD_RESULT.dkim),
    dmarc: method(METHOD_RESULT.dmarc),
  };
}

/** True when the sender proved who they are: SPF or DKIM passed, and DMARC did not fail. */
export function senderAuthenticated(v: Verdicts): boolean {
  return (v.spf === 'PASS' || v.dkim === 'PASS') && v.dmarc !== 'FAIL';
}
