import { ClientRequest } from 'node:http';

/** One HTTP request as it left this thread: the port it went to, its method, X-Amz-Target and body. */
export interface CapturedRequest {
  port: number;
  method: string;
  target: string;
  body: Buffer;
}

/**
 * Keeps a copy of every request this thread sends (through node:http, as the SDK does) to one of
 * `ports`, and hands it to `onRequest` when the request ends: `ClientRequest`'s `write` and `end` are
 * wrapped until the returned function puts them back. Nothing in functions/ or lib/local/ is touched.
 */
export function captureRequests(ports: ReadonlySet<number>, onRequest: (request: CapturedRequest) => void): () => void {
  const proto = ClientRequest.prototype;
  const { write, end } = proto;
  const bodies = new WeakMap<ClientRequest, Buffer[]>();
  const portOf = (req: ClientRequest) => {
    const port = Number(String(req.getHeader('host') ?? '').split(':')[1]);
    return ports.has(port) ? port : undefined;
  };
  const keep = (req: ClientRequest, chunk: unknown) => {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return;
    const list = bodies.get(req) ?? [];
    list.push(Buffer.from(chunk as string | Uint8Array));
    bodies.set(req, list);
  };
  proto.write = function (this: ClientRequest, chunk: unknown, ...rest: unknown[]) {
    if (portOf(this)) keep(this, chunk);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof proto.write;
  proto.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]) {
    const port = portOf(this);
    if (port) {
      if (typeof chunk !== 'function') keep(this, chunk);
      onRequest({
        port,
        method: this.method,
        target: String(this.getHeader('x-amz-target') ?? ''),
        body: Buffer.concat(bodies.get(this) ?? []),
      });
    }
    return (end as (...a: unknown[]) => ClientRequest).call(this, chunk, ...rest);
  } as typeof proto.end;
  return () => Object.assign(proto, { write, end });
}
