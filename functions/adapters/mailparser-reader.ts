import { simpleParser, type AddressObject, type HeaderValue, type ParsedMail } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import type { InboundMail, MailAddress } from '../domain/mail';
import type { MailReader } from '../ports';

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: MailAddress[] = [];
  const walk = (entries: { address?: string; name?: string; group?: unknown[] }[]) => {
    for (const entry of entries) {
      if (entry.group) walk(entry.group as typeof entries);
      else if (entry.address?.includes('@'))
        out.push({ address: entry.address.trim().toLowerCase(), name: (entry.name ?? '').trim() });
    }
  };
  for (const obj of list) walk(obj.value);
  return out;
}

function headerText(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toUTCString();
  if (Array.isArray(value)) return value.map(headerText).join(', ');
  if (value && typeof value === 'object' && 'text' in value) return String((value as { text: unknown }).text);
  if (value && typeof value === 'object' && 'value' in value) {
    const params = (value as { params?: Record<string, string> }).params ?? {};
    return [String((value as { value: unknown }).value), ...Object.entries(params).map(([k, v]) => `${k}=${v}`)].join(
      '; ',
    );
  }
  return String(value);
}

/** Message-IDs keep their angle brackets, so they compare equal to what other headers reference. */
function bracketed(id: string | undefined): string | undefined {
  const trimmed = id?.trim();
  if (!trimmed) return undefined;
  return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
}

/**
 * Raw line-level headers, unfolded. mailparser's `headerLines` keep what its structured `headers`
 * map may drop or reshape (repeated headers, odd casing), which the machine-mail gate relies on.
 */
function rawHeaders(parsed: ParsedMail): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { key, line } of parsed.headerLines) {
    const colon = line.indexOf(':');
    const rest = colon >= 0 ? line.slice(colon + 1) : '';
    // most header lines are not folded: the unfolding replace only where there is a line break
    const value = (rest.includes('\n') ? rest.replace(/\r?\n[ \t]+/g, ' ') : rest).trim();
    const name = key.toLowerCase();
    const values = map.get(name);
    if (values) values.push(value);
    else map.set(name, [value]);
  }
  return map;
}

/**
 * Reads mail with mailparser. Broken mail (missing headers, bad encodings, 8-bit garbage) still
 * yields a result: mailparser is lenient, and where it cannot read a header we leave the field empty.
 */
export class MailparserReader implements MailReader {
  async read(raw: Buffer): Promise<InboundMail> {
    const parsed = await simpleParser(normaliseLineEnds(raw), {
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
    });
    const headers = rawHeaders(parsed);
    let from = addresses(parsed.from)[0];
    if (!from && headers.has('from')) {
      // mailparser gives up on some hostile From headers; nodemailer's address parser is more forgiving.
      const fallback = addressparser(headers.get('from')![0], { flatten: true }).find((a) => a.address?.includes('@'));
      if (fallback) from = { address: fallback.address.toLowerCase(), name: fallback.name ?? '' };
    }
    const contentType = parsed.headers.get('content-type');
    const references =
      parsed.references === undefined ? [] : Array.isArray(parsed.references) ? parsed.references : [parsed.references];
    return {
      messageId: bracketed(parsed.messageId),
      from,
      replyTo: addresses(parsed.replyTo),
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      subject: (parsed.subject ?? '').replace(/[\r\n]+/g, ' ').trim(),
      date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : undefined,
      inReplyTo: bracketed(parsed.inReplyTo?.split(/\s+/)[0]),
      references: references
        .flatMap((r) => r.split(/\s+/))
        .map((r) => bracketed(r)!)
        .filter(Boolean),
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : undefined,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename ?? 'attachment',
        contentType: a.contentType,
        size: a.size,
        content: a.content,
        contentId: a.cid,
      })),
      headers,
      contentType: contentType ? headerText(contentType) : 'text/plain',
    };
  }
}

/**
 * Mail stored with bare CR line ends (old Mac clients, some gateways) reads as one long header to
 * mailparser; CR alone becomes CRLF. CRLF and LF are left as they are.
 */
export function normaliseLineEnds(raw: Buffer): Buffer {
  // A byte, not a string: Buffer#indexOf('\r') encodes the needle again on every call (ten times
  // slower over the CRLF lines of a 40 MB mail).
  const lone = raw.indexOf(0x0d);
  if (lone === -1) return raw;
  // Quick check: if every CR is followed by LF there is nothing to do.
  let i = lone;
  let needs = false;
  while (i !== -1) {
    if (raw[i + 1] !== 0x0a) {
      needs = true;
      break;
    }
    i = raw.indexOf(0x0d, i + 1);
  }
  if (!needs) return raw;
  return Buffer.from(raw.toString('latin1').replace(/\r(?!\n)/g, '\r\n'), 'latin1');
}
