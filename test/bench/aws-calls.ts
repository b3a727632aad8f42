import { ClientRequest } from 'node:http';

/**
 * Counts the AWS API calls the handlers make against the local emulators, with DynamoDB write and read
 * request units worked out from the request bodies, so the cost model rests on what the code really
 * does rather than on a guess. Everything runs in this process: while counting, `ClientRequest`'s
 * `write`/`end` keep a copy of each request body sent to an emulator port (the SDK sends through
 * node:http); nothing in functions/ or lib/local/ is touched.
 *
 * DynamoDB units follow the on-demand rules: a write costs one WRU per started KB of the item (the
 * request body bounds it from above), plus one more write per GSI the item belongs to (projection ALL);
 * a read costs one RRU per started 4 KB of the item read (strongly consistent), sizes known from the
 * writes seen before, at least one.
 */
export interface AwsCallCounts {
  /** `service.operation` -> count, e.g. `dynamodb.PutItem`, `s3.GET`, `sfn.StartExecution` */
  calls: Record<string, number>;
  dynamodb: { writeUnits: number; readUnits: number; gsiWriteUnits: number; /** sizes of the items created (first PutItem of a key) */ putBytes: number };
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

export class AwsCallCounter {
  private readonly ports = new Map<number, Service>();
  private counts: AwsCallCounts = { calls: {}, dynamodb: { writeUnits: 0, readUnits: 0, gsiWriteUnits: 0, putBytes: 0 } };
  /** last known size and GSI membership per item key, from the writes seen */
  private readonly items = new Map<string, { size: number; gsis: number }>();
  private readonly bodies = new WeakMap<ClientRequest, Buffer[]>();
  private restore?: () => void;

  constructor(private readonly gsiKeyAttributes: string[][]) {}

  /** Starts counting requests to these endpoints (`http://127.0.0.1:<port>`). */
  watch(endpoints: Partial<Record<Service, string>>): void {
    for (const [service, url] of Object.entries(endpoints)) if (url) this.ports.set(Number(new URL(url).port), service as Service);
    const proto = ClientRequest.prototype;
    const { write, end } = proto;
    const counter = this;
    const serviceOf = (req: ClientRequest) => counter.ports.get(Number(String(req.getHeader('host') ?? '').split(':')[1]));
    const keep = (req: ClientRequest, chunk: unknown) => {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return;
      const list = counter.bodies.get(req) ?? [];
      list.push(Buffer.from(chunk as string | Uint8Array));
      counter.bodies.set(req, list);
    };
    proto.write = function (this: ClientRequest, chunk: unknown, ...rest: unknown[]) {
      if (serviceOf(this)) keep(this, chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof proto.write;
    proto.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]) {
      const service = serviceOf(this);
      if (service) {
        if (typeof chunk !== 'function') keep(this, chunk);
        try {
          counter.onRequest(service, this, Buffer.concat(counter.bodies.get(this) ?? []));
        } catch {
          counter.count(`${service}.(unreadable)`);
        }
      }
      return (end as (...a: unknown[]) => ClientRequest).call(this, chunk, ...rest);
    } as typeof proto.end;
    this.restore = () => Object.assign(proto, { write, end });
  }

  stop(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** Returns the counts so far and starts again from zero. */
  take(): AwsCallCounts {
    const out = this.counts;
    this.counts = { calls: {}, dynamodb: { writeUnits: 0, readUnits: 0, gsiWriteUnits: 0, putBytes: 0 } };
    return out;
  }

  private count(key: string): void {
    this.counts.calls[key] = (this.counts.calls[key] ?? 0) + 1;
  }

  private onRequest(service: Service, request: ClientRequest, body: Buffer): void {
    const target = String(request.getHeader('x-amz-target') ?? '');
    if (service === 's3') return this.count(`s3.${request.method}`);
    if (service !== 'dynamodb' && target) return this.count(`${service}.${target.split('.').pop()}`);
    this.onBody(service, target, body);
  }

  /** `counted`: false for the writes inside a BatchWriteItem (the request itself was counted once). */
  private onBody(service: Service, target: string, body: Buffer, counted = true): void {
    if (service === 'ses') {
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('latin1'))?.[1] ?? 'unknown';
      return this.count(`ses.${action}`);
    }
    const op = target.split('.').pop() ?? 'unknown';
    if (counted) this.count(`dynamodb.${op}`);
    const req = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    const keyOf = (key: unknown) => JSON.stringify(key);
    const d = this.counts.dynamodb;
    if (op === 'BatchWriteItem') {
      // billed as the writes it holds: each put like a PutItem (deletes are not used)
      for (const requests of Object.values((req.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Record<string, Record<string, unknown>> } }[]>)) {
        for (const r of requests) if (r.PutRequest) this.onBody(service, 'DynamoDB_20120810.PutItem', Buffer.from(JSON.stringify({ Item: r.PutRequest.Item })), false);
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
