import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { closeHttpServer, HOST, listen, readBody } from './listen';
import { headerValues, parseHeaders } from './mail-headers';
import { Outbox, type OutboxEntry } from './outbox';

/**
 * Our own small SES v1 endpoint (Query protocol: form-encoded POST, XML answer) for SendRawEmail,
 * SendEmail and GetSendQuota. It keeps the EXACT raw bytes each SendRawEmail asked to send, in the
 * outbox (see outbox.ts). Why not aws-ses-v2-local: it re-composes raw messages and drops Message-ID,
 * In-Reply-To, References, Auto-Submitted and X- headers (TOOLCHAIN.md), exactly the headers threading
 * and loop prevention depend on.
 * Like SES, each accepted message gets a MessageId; recipients would see `<MessageId@email.amazonses.com>`
 * as its Message-ID (SES replaces the one in the message). The sidecar records that id; the .eml keeps
 * the bytes as asked.
 */

const XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
/** SES API v1 limit for SendRawEmail (v2 and SMTP allow 40 MB). */
export const SES_V1_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

class SesError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `Destinations.member.1`, `Destinations.member.2` ... -> array */
function members(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.member.${i}`); i++) out.push(params.get(`${prefix}.member.${i}`)!);
  return out;
}

/** SES-shaped message id: `0100` + 12 hex digits of the time, a UUID, `-000000` (e.g. `0100019ab2c3d4e5-3f2b...-000000`). */
export function newSesMessageId(): string {
  return `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
}

function addresses(values: string[]): string[] {
  const out: string[] = [];
  const walk = (list: ReturnType<typeof addressparser>) => {
    for (const a of list) {
      if ('group' in a && a.group) walk(a.group);
      else if ('address' in a && a.address) out.push(a.address);
    }
  };
  for (const v of values) walk(addressparser(v));
  return out;
}

export interface LocalSes {
  port: number;
  endpoint: string;
  outbox: Outbox;
  /** emits `sent` with an OutboxEntry for every stored message */
  events: EventEmitter;
  /** the HTTP server (the fault hooks close and reopen it, see faults.ts) */
  server: Server;
  /** messages accepted, and requests refused with `Throttling` */
  stats: { sent: number; throttled: number };
  /** the sending rate (recipients per second) above which requests are refused with `Throttling`; undefined: no limit */
  maxSendRate: number | undefined;
  stop(): Promise<void>;
}

export async function startSes(options: {
  port: number;
  outboxDir: string;
  log?: (line: string) => void;
  maxSendRate?: number;
}): Promise<LocalSes> {
  const outbox = new Outbox(options.outboxDir);
  const events = new EventEmitter();
  let sentLast24Hours = 0;
  const stats = { sent: 0, throttled: 0 };
  // SES's maximum send rate counts recipients per second; like SES, a burst above it is refused
  // with `Throttling` / "Maximum sending rate exceeded." (the SDK retries it with backoff).
  const recent: { at: number; recipients: number }[] = [];
  const admit = (recipients: number) => {
    const rate = ses.maxSendRate;
    if (!rate) return;
    const now = Date.now();
    while (recent.length > 0 && recent[0].at <= now - 1000) recent.shift();
    const used = recent.reduce((sum, r) => sum + r.recipients, 0);
    if (used > 0 && used + recipients > rate) {
      stats.throttled++;
      throw new SesError('Throttling', 'Maximum sending rate exceeded.');
    }
    recent.push({ at: now, recipients });
  };

  const store = async (raw: Buffer, params: URLSearchParams, destinations: string[]): Promise<OutboxEntry> => {
    if (raw.length > SES_V1_MAX_MESSAGE_BYTES) {
      throw new SesError(
        'MessageRejected',
        `Message length is more than ${SES_V1_MAX_MESSAGE_BYTES} bytes long: '${raw.length}'.`,
      );
    }
    const headers = parseHeaders(raw);
    const source = params.get('Source') ?? addresses(headerValues(headers, 'From'))[0] ?? null;
    if (!source) throw new SesError('InvalidParameterValue', "Missing required header 'From'.");
    const to = destinations.length
      ? destinations
      : addresses([...headerValues(headers, 'To'), ...headerValues(headers, 'Cc'), ...headerValues(headers, 'Bcc')]);
    if (to.length === 0)
      throw new SesError(
        'InvalidParameterValue',
        "Missing final '@domain': the message has no recipients (no Destinations, no To/Cc/Bcc).",
      );
    admit(to.length);
    const sesMessageId = newSesMessageId();
    const entry = await outbox.store(raw, {
      sesMessageId,
      messageId: `<${sesMessageId}@email.amazonses.com>`,
      source,
      destinations: to,
      configurationSet: params.get('ConfigurationSetName'),
      sentAt: new Date().toISOString(),
    });
    sentLast24Hours++;
    stats.sent++;
    events.emit('sent', entry);
    options.log?.(`ses  sent ${entry.sesMessageId} from ${source} to ${to.join(', ')}`);
    return entry;
  };

  const actions: Record<string, (params: URLSearchParams) => Promise<string> | string> = {
    SendRawEmail: async (params) => {
      const data = params.get('RawMessage.Data');
      if (!data) throw new SesError('InvalidParameterValue', 'RawMessage.Data is required.');
      const entry = await store(Buffer.from(data, 'base64'), params, members(params, 'Destinations'));
      return `<SendRawEmailResult><MessageId>${entry.sesMessageId}</MessageId></SendRawEmailResult>`;
    },
    SendEmail: async (params) => {
      const to = members(params, 'Destination.ToAddresses');
      const cc = members(params, 'Destination.CcAddresses');
      const bcc = members(params, 'Destination.BccAddresses');
      const raw = await new MailComposer({
        from: params.get('Source') ?? undefined,
        to,
        cc,
        replyTo: members(params, 'ReplyToAddresses'),
        subject: params.get('Message.Subject.Data') ?? '',
        text: params.get('Message.Body.Text.Data') ?? undefined,
        html: params.get('Message.Body.Html.Data') ?? undefined,
      })
        .compile()
        .build();
      const entry = await store(raw, params, [...to, ...cc, ...bcc]);
      return `<SendEmailResult><MessageId>${entry.sesMessageId}</MessageId></SendEmailResult>`;
    },
    GetSendQuota: () =>
      `<GetSendQuotaResult><Max24HourSend>50000.0</Max24HourSend><MaxSendRate>${(ses.maxSendRate ?? 14).toFixed(1)}</MaxSendRate><SentLast24Hours>${sentLast24Hours}.0</SentLast24Hours></GetSendQuotaResult>`,
  };

  const server: Server = createServer(async (req, res) => {
    const requestId = randomUUID();
    const reply = (status: number, xml: string) => {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
      res.writeHead(status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(body),
        'x-amzn-requestid': requestId,
      });
      res.end(body);
    };
    const fail = (status: number, code: string, message: string) =>
      reply(
        status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    try {
      const params = new URLSearchParams((await readBody(req)).toString('utf8'));
      const action = params.get('Action') ?? '';
      const run = actions[action];
      if (!run)
        return fail(
          400,
          'InvalidAction',
          `The local SES emulator does not implement the action ${action || '(none)'}.`,
        );
      const result = await run(params);
      reply(
        200,
        `<${action}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (err) {
      if (err instanceof SesError) return fail(400, err.code, err.message);
      fail(500, 'InternalFailure', (err as Error).message);
    }
  });
  const port = await listen(server, options.port, 'ses');
  const ses: LocalSes = {
    port,
    endpoint: `http://${HOST}:${port}`,
    outbox,
    events,
    server,
    stats,
    maxSendRate: options.maxSendRate,
    stop: () => closeHttpServer(server),
  };
  return ses;
}
