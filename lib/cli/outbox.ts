import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';

/** One message the system asked SES to send, as `triage outbox --json` prints it. */
export interface OutboxEntry {
  file: string;
  sentAt?: string;
  sesMessageId?: string;
  to: string[];
  cc: string[];
  from: string;
  subject: string;
  /** Lower-case header names; `message-id` is the id recipients see (SES replaces ours). */
  headers: Record<string, string>;
  text: string;
}

function addressList(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((o) => o.value.map((a) => a.address ?? '')).filter(Boolean);
}

/** Reads the local outbox (`.eml` raw bytes plus `.json` sidecars), oldest first. */
export async function readOutbox(dir: string): Promise<OutboxEntry[]> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
  const entries: OutboxEntry[] = [];
  for (const file of files) {
    const raw = readFileSync(join(dir, file));
    let sidecar: { sesMessageId?: string; messageId?: string; sentAt?: string; destinations?: string[] } = {};
    try {
      sidecar = JSON.parse(readFileSync(join(dir, file.replace(/\.eml$/, '.json')), 'utf8'));
    } catch {
      // a message without sidecar still shows
    }
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
      const value = line
        .slice(line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim();
      headers[key] = headers[key] ? `${headers[key]}, ${value}` : value;
    }
    if (sidecar.messageId) {
      headers['x-requested-message-id'] = headers['message-id'];
      headers['message-id'] = sidecar.messageId;
    }
    entries.push({
      file,
      sentAt: sidecar.sentAt,
      sesMessageId: sidecar.sesMessageId,
      to: addressList(parsed.to),
      cc: addressList(parsed.cc),
      from: addressList(parsed.from)[0] ?? '',
      subject: parsed.subject ?? '',
      headers,
      text: parsed.text ?? '',
    });
  }
  return entries;
}
