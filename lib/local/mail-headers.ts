/** Minimal RFC 5322 header reading for the emulators (no decoding of encoded words: only addresses and verdicts are needed). */

export interface HeaderField {
  name: string;
  value: string;
}

/** The header block of a raw message: everything before the first empty line. */
export function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  return match ? text.slice(0, match.index) : text;
}

/** Unfolded header fields in order. */
export function parseHeaders(raw: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of headerBlock(raw).split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      fields[fields.length - 1].value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** Values of every field with this name (case-insensitive). */
export function headerValues(fields: HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}
