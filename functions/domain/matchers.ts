import type { Matcher } from './config';

/**
 * The configured words, phrases and regular expressions, compiled once per config object and tested
 * against a mail's subject and body. Shared by department keywords, routing and priority rules, and
 * the FAQ, so a keyword means the same everywhere.
 */

/** Only the start of a long body is read: the topic is stated early, quoted history and signatures come late. */
export const BODY_CHARS = 4000;
/** A subject longer than this is not a subject any more. */
export const SUBJECT_CHARS = 1000;

/** The texts matchers look at, each in its original form (for regular expressions) and folded (for words). */
export interface MailText {
  subject: string;
  body: string;
  subjectFolded: string;
  bodyFolded: string;
  /** The detected language (ISO 639-1), or undefined when it could not be told: then every language's keywords count. */
  language?: string;
}

/** Lower case without accents: "Rückerstattung" and "ruckerstattung", "PRÏCE" and "price" match alike. */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** The texts of a mail as the matchers read them. */
export function mailText(subject: string, body: string, language?: string): MailText {
  // Operators' regular expressions run on customer text: bounded input keeps a careless one cheap.
  const start = body.slice(0, BODY_CHARS);
  const head = subject.slice(0, SUBJECT_CHARS);
  return { subject: head, body: start, subjectFolded: fold(head), bodyFolded: fold(start), language };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Compiled {
  /** How the matcher is shown in a decision: the phrase, or `/regex/`. */
  label: string;
  /** Tested against the folded text (phrases) or the original (regular expressions). */
  folded: boolean;
  pattern: RegExp;
  /**
   * For a phrase: its longest word, folded. A text without it as a substring cannot match, and
   * `includes` costs a fraction of the whole-word pattern (the lookarounds are Unicode property
   * tests at every position): most of a hundred keywords are absent from most mails.
   */
  needle?: string;
}

const cache = new WeakMap<Matcher, Compiled>();

/** The compiled form of one matcher (the config validated the regular expressions at load). */
function compiled(m: Matcher): Compiled {
  let c = cache.get(m);
  if (!c) {
    if (m.regex !== undefined) {
      c = { label: `/${m.regex}/`, folded: false, pattern: new RegExp(m.regex, m.flags) };
    } else {
      // Whole words only ("order" must not match "border"); a phrase's spaces match any whitespace run.
      const source = escapeRegExp(fold(m.phrase!)).replace(/\s+/g, '\\s+');
      const needle = fold(m.phrase!)
        .split(/\s+/)
        .reduce((a, b) => (b.length > a.length ? b : a), '');
      c = {
        label: m.phrase!,
        folded: true,
        pattern: new RegExp(`(?<![\\p{L}\\p{N}])${source}(?![\\p{L}\\p{N}])`, 'u'),
        needle,
      };
    }
    cache.set(m, c);
  }
  return c;
}

/** One matcher that matched: what it was, where, and what it counts. */
export interface MatcherHit {
  label: string;
  where: 'subject' | 'body';
  weight: number;
  language?: string;
}

/** `refund (subject)`, `rückerstattung (body, de)`: how a hit is shown to people. */
export function describeHit(hit: MatcherHit): string {
  return `${hit.label} (${hit.where}${hit.language ? `, ${hit.language}` : ''})`;
}

/** Whether a matcher counts for this mail: matchers of another language do not, unless the language is unknown. */
function applies(m: Matcher, text: MailText): boolean {
  return !m.language || !text.language || m.language === text.language;
}

function test(m: Matcher, text: MailText, where: 'subject' | 'body'): boolean {
  const c = compiled(m);
  const haystack =
    where === 'subject' ? (c.folded ? text.subjectFolded : text.subject) : c.folded ? text.bodyFolded : text.body;
  if (c.needle && !haystack.includes(c.needle)) return false;
  c.pattern.lastIndex = 0;
  return c.pattern.test(haystack);
}

/**
 * The matchers found in `where` (the subject, the body, or `either`: the subject first, so a word
 * in both counts once, as a subject hit).
 */
export function findMatches(
  matchers: readonly Matcher[],
  text: MailText,
  where: 'subject' | 'body' | 'either',
): MatcherHit[] {
  const hits: MatcherHit[] = [];
  for (const m of matchers) {
    if (!applies(m, text)) continue;
    const label = compiled(m).label;
    if (where !== 'body' && test(m, text, 'subject'))
      hits.push({ label, where: 'subject', weight: m.weight, language: m.language });
    else if (where !== 'subject' && test(m, text, 'body'))
      hits.push({ label, where: 'body', weight: m.weight, language: m.language });
  }
  return hits;
}
