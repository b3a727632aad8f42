import { BroadcastChannel } from 'node:worker_threads';
import { captureRequests, type CapturedRequest } from './request-capture';

/**
 * Counts the AWS API calls the handlers make against the local emulators, with DynamoDB write and read
 * request units worked out from the request bodies, so the cost model rests on what the code really
 * does rather than on a guess. The handlers run in the local stack's function threads: each of them
 * loads `aws-calls-thread.ts` (the stack's `functionPreload`), which, while counting, copies each
 * request sent to an emulator port (the SDK sends through node:http) and passes it here over a
 * BroadcastChannel; requests sent from this thread are copied the same way. Nothing in functions/ or
 * lib/local/ is touched.
 *
 * DynamoDB units follow the on-demand rules: a write costs one WRU per started KB of the item (the
 * request body bounds it from above), plus one more write per GSI the item belongs to (projection ALL);
 * a read costs one RRU per started 4 KB of the item read (strongly consistent), sizes known from the
 * writes seen before, at least one.
 */
export interface AwsCallCounts {
  /** `service.operation` -> count, e.g. `dynamodb.PutItem`, `s3.GET`, `sfn.StartExecution` */
  calls: Record<string, number>;
  dynamodb: {
    writeUnits: number;
    readUnits: number;
    gsiWriteUnits: number /** sizes of the items created (first PutItem of a key) */;
    putBytes: number;
  };
}

type Service = 'dynamodb' | 's3' | 'ses' | 'sfn' | 'secretsmanager';

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const READS = new Set(['GetItem', 'Query', 'Scan']);

/** Size of a DynamoDB item in the wire (JSON) form, by the documented rule: names + values, in UTF-8 bytes. */
function attributeValueSize(value: Record<string, unknown>): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N':
      return Math.ceil(String(v).replace(/^-/, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
    case 'NS':
    case 'BS':
      return (v as string[]).reduce((s, x) => s + Buffer.byteLength(x), 0);
    case 'L':
      return 3 + (v as Record<string, unknown>[]).reduce((s, x) => s + 1 + attributeValueSize(x), 0);
    case 'M':
      return 3 + itemSize(v as Record<string, Record<string, unknown>>);
    default:
      return 0;
  }
}

function itemSize(item: Record<string, Record<string, unknown>>): number {
  return Object.entries(item).reduce((s, [name, value]) => s + Buffer.byteLength(name) + attributeValueSize(value), 0);
}

/** Name of the BroadcastChannel between the counter and the function threads. */
export const AWS_CALLS_CHANNEL = 'triage-bench-aws-calls';

/** What the counter and the function threads say to each other. */
export type AwsCallsMessage =
  | { type: 'hello' }
  | { type: 'watch'; ports: number[] }
  | { type: 'watching' }
  | { type: 'request'; request: CapturedRequest }
  | { type: 'flush'; token: number }
  | { type: 'flushed'; token: number }
  | { type: 'stop' };

const REPLY_TIMEOUT_MS = 10_000;

export class AwsCallCounter {
  private readonly ports = new Map<number, Service>();
  private counts: AwsCallCounts = {
    calls: {},
    dynamodb: { writeUnits: 0, readUnits: 0, gsiWriteUnits: 0, putBytes: 0 },
  };
  /** last known size and GSI membership per item key, from the writes seen */
  private readonly items = new Map<string, { size: number; gsis: number }>();
  private readonly channel = new BroadcastChannel(AWS_CALLS_CHANNEL);
  /** function threads that announced themselves */
  private threads = 0;
  private replies = new Map<string, number>();
  private waiting?: { key: string; count: number; resolve(): void };
  private nextToken = 0;
  private restore?: () => void;

  /** Make it before the local stack starts: the function threads announce themselves when they load. */
  constructor(private readonly gsiKeyAttributes: string[][]) {
    this.channel.unref();
    this.channel.onmessage = (event) => this.onMessage((event as { data: AwsCallsMessage }).data);
  }

  /** Starts counting requests to these endpoints (`http://127.0.0.1:<port>`), in this thread and in every function thread. */
  async watch(endpoints: Partial<Record<Service, string>>): Promise<void> {
    for (const [service, url] of Object.entries(endpoints))
      if (url) this.ports.set(Number(new URL(url).port), service as Service);
    this.restore = captureRequests(new Set(this.ports.keys()), (request) => this.onCaptured(request));
    await this.everyThread('watching', () =>
      this.channel.postMessage({ type: 'watch', ports: [...this.ports.keys()] } satisfies AwsCallsMessage),
    );
  }

  async stop(): Promise<void> {
    this.restore?.();
    this.restore = undefined;
    this.channel.postMessage({ type: 'stop' } satisfies AwsCallsMessage);
    this.channel.close();
  }

  /** Returns the counts so far (every request the threads sent before the call included) and starts again from zero. */
  async take(): Promise<AwsCallCounts> {
    const token = this.nextToken++;
    await this.everyThread(`flushed:${token}`, () =>
      this.channel.postMessage({ type: 'flush', token } satisfies AwsCallsMessage),
    );
    const out = this.counts;
    this.counts = { calls: {}, dynamodb: { writeUnits: 0, readUnits: 0, gsiWriteUnits: 0, putBytes: 0 } };
    return out;
  }

  /** Sends a message and waits until every function thread has answered `key`. */
  private everyThread(key: string, send: () => void): Promise<void> {
    this.replies.delete(key);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`bench: ${this.replies.get(key) ?? 0} of ${this.threads} function threads answered "${key}"`),
          ),
        REPLY_TIMEOUT_MS,
      );
      this.waiting = {
        key,
        count: this.threads,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      send();
      this.checkWaiting();
    });
  }

  private checkWaiting(): void {
    const w = this.waiting;
    if (w && (this.replies.get(w.key) ?? 0) >= w.count) {
      this.waiting = undefined;
      w.resolve();
    }
  }

  private onMessage(message: AwsCallsMessage): void {
    if (message.type === 'hello') this.threads++;
    else if (message.type === 'request') {
      const r = message.request;
      this.onCaptured({ ...r, body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength) });
    } else if (message.type === 'watching' || message.type === 'flushed') {
      const key = message.type === 'watching' ? 'watching' : `flushed:${message.token}`;
      this.replies.set(key, (this.replies.get(key) ?? 0) + 1);
      this.checkWaiting();
    }
  }

  private onCaptured(request: CapturedRequest): void {
    const service = this.ports.get(request.port);
    if (!service) return;
    try {
      this.onRequest(service, request);
    } catch {
      this.count(`${service}.(unreadable)`);
    }
  }

  private count(key: string): void {
    this.counts.calls[key] = (this.counts.calls[key] ?? 0) + 1;
  }

  private onRequest(service: Service, { method, target, body }: CapturedRequest): void {
    if (service === 's3') {
      this.count(`s3.${method}`);
      return;
    }
    if (service !== 'dynamodb' && target) {
      this.count(`${service}.${target.split('.').pop()}`);
      return;
    }
    this.onBody(service, target, body);
  }

  /** `counted`: false for the writes inside a BatchWriteItem (the request itself was counted once). */
  private onBody(service: Service, target: string, body: Buffer, counted = true): void {
    if (service === 'ses') {
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('latin1'))?.[1] ?? 'unknown';
      this.count(`ses.${action}`);
      return;
    }
    const op = target.split('.').pop() ?? 'unknown';
    if (counted) this.count(`dynamodb.${op}`);
    const req = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    const keyOf = (key: unknown) => JSON.stringify(key);
    const d = this.counts.dynamodb;
    if (op === 'BatchWriteItem') {
      // billed as the writes it holds: each put like a PutItem (deletes are not used)
      for (const requests of Object.values(
        (req.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: Record<string, Record<string, unknown>> } }[]
        >,
      )) {
        for (const r of requests)
          if (r.PutRequest)
            this.onBody(
              service,
              'DynamoDB_20120810.PutItem',
              Buffer.from(JSON.stringify({ Item: r.PutRequest.Item })),
              false,
            );
      }
      return;
    }
    if (WRITES.has(op)) {
      let size: number;
      let gsis: number;
      let key: string;
      if (op === 'PutItem') {
        const item = req.Item as Record<string, Record<string, unknown>>;
        size = itemSize(item);
        gsis = this.gsiKeyAttributes.filter((attrs) => attrs.every((a) => a in item)).length;
        const pkName = Object.keys(item).find((n) => n === 'pk') ?? Object.keys(item)[0];
        key = keyOf({ pk: item[pkName], sk: item.sk });
        if (!this.items.has(key)) d.putBytes += size;
        this.items.set(key, { size, gsis });
      } else {
        key = keyOf(req.Key);
        const known = this.items.get(key);
        const values = (req.ExpressionAttributeValues ?? {}) as Record<string, Record<string, unknown>>;
        const changed = itemSize(values) + itemSize((req.Key ?? {}) as Record<string, Record<string, unknown>>);
        // DynamoDB bills an update by the larger of the item before and after: the known item plus what changed.
        size = (known?.size ?? 0) + (op === 'UpdateItem' ? changed : 0);
        gsis = known?.gsis ?? 0;
        if (op === 'UpdateItem') this.items.set(key, { size, gsis });
        else this.items.delete(key);
      }
      const units = Math.max(1, Math.ceil(size / 1024));
      d.writeUnits += units;
      d.gsiWriteUnits += gsis * units;
    } else if (READS.has(op)) {
      const known = op === 'GetItem' ? this.items.get(keyOf(req.Key)) : undefined;
      d.readUnits += Math.max(1, Math.ceil((known?.size ?? 0) / 4096));
    }
  }
}
