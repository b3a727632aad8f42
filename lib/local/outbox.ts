import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the SES emulator was asked to send, one file pair per message in `<stateDir>/outbox/`:
 * `<seq>-<sesMessageId>.eml` holds the EXACT raw bytes of the request, and `<seq>-<sesMessageId>.json`
 * the sidecar below. The sidecar is written after the .eml, so a reader that sees it can read both.
 */
export interface OutboxSidecar {
  /** the id SendRawEmail returned */
  sesMessageId: string;
  /** the Message-ID recipients see: SES replaces the one in the message with `<sesMessageId@email.amazonses.com>` */
  messageId: string;
  source: string | null;
  destinations: string[];
  configurationSet: string | null;
  sentAt: string;
}

export interface OutboxEntry extends OutboxSidecar {
  seq: number;
  emlFile: string;
  jsonFile: string;
}

const SEQ_DIGITS = 6;

export class Outbox {
  private seq: number;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.seq = Math.max(0, ...readdirSync(dir).map((f) => Number(/^(\d+)-/.exec(f)?.[1] ?? 0)));
  }

  /**
   * Writes one message. The files are written off the event loop: written synchronously, two files per
   * mail would hold up every handler's glue behind them while many mails are sent.
   */
  async store(raw: Buffer, sidecar: OutboxSidecar): Promise<OutboxEntry> {
    const seq = ++this.seq;
    const base = join(this.dir, `${String(seq).padStart(SEQ_DIGITS, '0')}-${sidecar.sesMessageId}`);
    await writeFile(`${base}.eml`, raw);
    await writeFile(`${base}.json`, `${JSON.stringify(sidecar, null, 2)}\n`);
    return { ...sidecar, seq, emlFile: `${base}.eml`, jsonFile: `${base}.json` };
  }

  /** All stored messages, oldest first. */
  list(): OutboxEntry[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const jsonFile = join(this.dir, f);
        return {
          ...(JSON.parse(readFileSync(jsonFile, 'utf8')) as OutboxSidecar),
          seq: Number(f.split('-')[0]),
          jsonFile,
          emlFile: jsonFile.replace(/\.json$/, '.eml'),
        };
      });
  }
}
