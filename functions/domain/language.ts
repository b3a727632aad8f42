import type * as Tinyld from 'tinyld/light';

/** The language a mail is read and answered in, and why. */
export interface LanguageDecision {
  /** What detection found (ISO 639-1), or undefined when the text was too short or too ambiguous to tell. */
  detected?: string;
  /** The language the customer is answered in: the detected one when templates exist for it, else the department's. */
  language: string;
  reason: string;
}

let tinyld: typeof Tinyld | undefined;
/**
 * tinyld, loaded on the first detection: building its profiles takes 30-100 ms, which would
 * otherwise count against every cold start, also of containers that never see a new mail. Its
 * light profile set (~67 KiB minified, 64 languages) is accurate enough on a few sentences of mail;
 * the normal set is ~750 KB.
 */
function detectAll(
  text: string,
  options?: Parameters<typeof Tinyld.detectAll>[1],
): ReturnType<typeof Tinyld.detectAll> {
  tinyld ??= require('tinyld/light') as typeof Tinyld;
  return tinyld.detectAll(text, options);
}

/** Characters of the body in which quoted history is looked for, and of the customer's own text read. */
const DETECT_QUOTES_IN = 2_500;
const DETECT_FROM = 300;

/** Fewer letters than this say too little about a language ("Thanks", "ok", an invoice number). */
const MIN_LETTERS = 12;
/**
 * tinyld's score (0..1) from which its best guess is trusted outright. Measured on short customer
 * mails: right guesses on a sentence or more score up to 1; on a few words right and wrong guesses
 * both score 0.04-0.2 ("I forgot my password" -> pl 0.12).
 */
const SURE_ACCURACY = 0.25;
/**
 * Below that, a guess is still taken when it is a language we answer in and it leads the next of
 * those languages by this factor ("Danke, aber es funktioniert immer noch nicht." -> de 0.09, 2.8x es, the next of ours).
 */
const MIN_LEAD = 1.5;

/**
 * The customer's own words at the start of a mail, for detection only: up to the first quoted line
 * (`>`) or signature delimiter (`-- `). A cheap cut instead of email-reply-parser, which would take a
 * third of detection's time; what is shown or relayed always goes through the parser (quotes.ts). The quote header line above the quote goes too.
 */
function ownText(body: string): string {
  const head = body.slice(0, DETECT_QUOTES_IN);
  const cut = head.search(/^(>|-- ?$)/m);
  if (cut < 0) return head;
  // the quote header ("On Monday, Ana wrote:", "Am Montag schrieb Ana:") ends with a colon just above the quote
  const own = head.slice(0, cut).trimEnd();
  const lastBreak = own.lastIndexOf('\n');
  return own.endsWith(':') ? own.slice(0, Math.max(0, lastBreak)) : own;
}

/** Letters only, so URLs, addresses and numbers do not decide what language a text is in. */
function wordsOf(text: string): string {
  return text
    .replace(/\bhttps?:\/\/\S+/gi, ' ')
    .replace(/\S+@\S+/g, ' ')
    .replace(/[^\p{L}\s'’]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Detects the language of a customer's mail from its subject and its own text (quoted history and
 * signature cut off), with a maintained library (tinyld). Text too short or too ambiguous to tell
 * reads as undefined; `supported` (the languages we answer in) settles close calls between them.
 */
export function detectMailLanguage(
  subject: string,
  body: string,
  supported: readonly string[] = [],
): { language?: string; accuracy: number; letters: number } {
  // The customer's own words come first: quote stripping needs only the start of the body, and a
  // paragraph tells the language as well as more (both costs grow with the length, and detection is
  // the largest piece of the use case after the MIME parsing). Over the test corpus and fixtures,
  // 300 characters give the same answer as 2,000 for every mail that opens a ticket; the mails that
  // differ are delivery reports, which the gate stops before detection.
  const text = wordsOf(
    `${subject.replace(/^(\s*(re|aw|sv|fw|fwd|wg|tr|rv)\s*:\s*)+/i, '')}\n${ownText(body).slice(0, DETECT_FROM)}`,
  );
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  if (letters < MIN_LETTERS) return { accuracy: 0, letters };
  const guesses = detectAll(text);
  const [best] = guesses;
  if (!best) return { accuracy: 0, letters };
  if (best.accuracy >= SURE_ACCURACY) return { language: best.lang, accuracy: best.accuracy, letters };
  if (!supported.includes(best.lang)) return { accuracy: best.accuracy, letters };
  // The runner-up from the same guesses, not from a second detection restricted to our languages:
  // that second pass was the dearest part of detection on short mails (they are the ambiguous ones),
  // and over the corpus, our fixtures and 27 short customer lines (239 texts) it changed 7 answers,
  // each from "not told" to the right language.
  const runnerUp = guesses.find((guess) => guess.lang !== best.lang && supported.includes(guess.lang));
  if (runnerUp && best.accuracy < MIN_LEAD * runnerUp.accuracy) return { accuracy: best.accuracy, letters };
  return { language: best.lang, accuracy: best.accuracy, letters };
}

/**
 * Picks the language to answer in: the detected one when there are templates for it (`supported`),
 * else `fallback` (the department's default language).
 */
export function chooseLanguage(
  detected: string | undefined,
  supported: readonly string[],
  fallback: string,
): LanguageDecision {
  if (!detected)
    return {
      language: fallback,
      reason: `language not told (too little or too ambiguous text); the department's default ${fallback}`,
    };
  if (supported.includes(detected)) return { detected, language: detected, reason: `language ${detected} detected` };
  return {
    detected,
    language: fallback,
    reason: `language ${detected} detected, but there are no ${detected} templates; the department's default ${fallback}`,
  };
}
