import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { Server } from 'node:http';
import { join } from 'node:path';
import type { DeadLetter } from './dlq';
import { listen, type ServiceName } from './listen';
import type { LocalSesFeedback } from './ses-feedback';

/**
 * Fault injection for tests of the local stack (lib/local/README.md, "Test hooks"): take an emulator
 * off the network and bring it back on the same port (what the handlers see is what they would see
 * in an outage: connections refused, then the service answers again, with its data intact), and
 * re-drive the local dead-letter queue through the same asynchronous invocation S3 and SNS use.
 */

/** The emulators that can be taken down: the ones whose state lives apart from their listener. */
export type OutageService = Extract<ServiceName, 'ses' | 'dynamodb'>;

/** An emulator's listener, as the fault hooks see it: closed and opened again on the same port. */
export interface OutageListener {
  port: number;
  /** Stops listening and drops every open connection (the emulator and its data stay). */
  close(): Promise<void>;
  /** Listens again on the same port. */
  listen(): Promise<void>;
}

/**
 * The listener of an emulator that runs in this thread: only the listener goes (http.Server's own
 * close, not an override: dynalite's closes its database).
 */
export function httpListener(server: Server, port: number, service: ServiceName): OutageListener {
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        Server.prototype.close.call(server, () => resolve());
        server.closeAllConnections();
      }),
    listen: async () => void (await listen(server, port, service)),
  };
}

export class Outages {
  private readonly down = new Set<OutageService>();

  constructor(
    private readonly listeners: Record<OutageService, OutageListener>,
    private readonly log: (line: string) => void,
  ) {}

  /** Stops listening and drops every open connection: new requests are refused (ECONNREFUSED). */
  async stop(service: OutageService): Promise<void> {
    if (this.down.has(service)) return;
    this.down.add(service);
    await this.listeners[service].close();
    this.log(`fault  ${service} is DOWN (port ${this.listeners[service].port} refuses connections)`);
  }

  /** Listens again on the same port. */
  async start(service: OutageService): Promise<void> {
    if (!this.down.has(service)) return;
    const { port } = this.listeners[service];
    await this.listeners[service].listen();
    this.down.delete(service);
    this.log(`fault  ${service} is back on port ${port}`);
  }

  /** Brings back whatever is down (the stack does this before it stops). */
  async restoreAll(): Promise<void> {
    for (const service of [...this.down]) await this.start(service);
  }

  isDown(service: OutageService): boolean {
    return this.down.has(service);
  }
}

export interface ReplayedLetter {
  /** the DLQ file, moved to `<dlq>/replayed/` */
  file: string;
  functionName: string;
  /** what the invocation is about (the S3 key, ...) */
  label: string;
}

/**
 * Re-drives every dead letter in `dlqDir` (not its `replayed/` folder): the stored event goes to the
 * same function as an asynchronous invocation again (with its retries and, if it fails again, a new
 * dead letter); the file moves to `replayed/`. `whenIdle()` waits for the invocations.
 */
export function replayDeadLetters(
  dlqDir: string,
  functionByName: (name: string) => string | undefined,
  invokeAsync: (logicalId: string, event: unknown, label: string) => void,
  log: (line: string) => void,
): ReplayedLetter[] {
  if (!existsSync(dlqDir)) return [];
  const replayedDir = join(dlqDir, 'replayed');
  const out: ReplayedLetter[] = [];
  for (const name of readdirSync(dlqDir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = join(dlqDir, name);
    const letter = JSON.parse(readFileSync(file, 'utf8')) as DeadLetter;
    const logicalId = functionByName(letter.functionName);
    if (!logicalId) {
      log(`replay  ${name}: no local function ${letter.functionName}; left in place`);
      continue;
    }
    const label = labelOf(letter.event);
    mkdirSync(replayedDir, { recursive: true });
    renameSync(file, join(replayedDir, name));
    invokeAsync(logicalId, letter.event, label);
    log(`replay  ${name} -> ${letter.functionName} (${label})`);
    out.push({ file: join(replayedDir, name), functionName: letter.functionName, label });
  }
  return out;
}

function labelOf(event: unknown): string {
  const record = (event as { Records?: { s3?: { object?: { key?: string } }; Sns?: { MessageId?: string } }[] })
    ?.Records?.[0];
  if (record?.s3?.object?.key) return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
  if (record?.Sns?.MessageId) return `sns ${record.Sns.MessageId}`;
  return 'replayed event';
}

/**
 * Hooks a test can pull on a running local stack (in the same process). None of them exists in
 * AWS; each imitates something AWS does on its own (a bounce, an outage, throttling) or an operator
 * action (re-driving the DLQ).
 */
export interface LocalTestHooks {
  /** SES feedback: the mailbox simulator's addresses, and bounces or complaints for any address. */
  feedback: LocalSesFeedback;
  /** The SES emulator's sending-rate limit (recipients per second; undefined: none) and its counters. */
  ses: { maxSendRate: number | undefined; readonly stats: { sent: number; throttled: number } };
  /** Takes the SES or DynamoDB emulator down and back up. */
  outage: Outages;
  /** Re-drives the dead letters through the functions they failed in (see {@link replayDeadLetters}). */
  replayDeadLetters(): ReplayedLetter[];
}
