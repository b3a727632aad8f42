import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readBody } from './listen';

/**
 * A tiny server for the AWS JSON protocols (awsJson1_0 / awsJson1_1), enough for the unchanged SDK v3
 * clients: POST with `X-Amz-Target: <prefix>.<Operation>` and a JSON body; answers JSON, errors as
 * `{"__type": "<Code>", "message": "..."}` with status 400 (the SDK reads `__type`).
 * Requests are not signature-checked (the local stack is loopback-only).
 */

/** An error the SDK maps to a named exception class (`err.name === code`). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export type JsonOperation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

export interface JsonEndpointOptions {
  /** e.g. `secretsmanager` or `AWSStepFunctions` */
  targetPrefix: string;
  /** `1.0` or `1.1` */
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, JsonOperation>;
}

export function createJsonEndpoint({ targetPrefix, jsonVersion, operations }: JsonEndpointOptions): Server {
  const contentType = `application/x-amz-json-${jsonVersion}`;
  return createServer(async (req, res) => {
    const requestId = randomUUID();
    const send = (status: number, body: unknown, errorType?: string) => {
      const text = JSON.stringify(body ?? {});
      res.writeHead(status, {
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(text);
    };
    const fail = (code: string, message: string, status = 400) => send(status, { __type: code, message }, code);
    try {
      const raw = await readBody(req);
      if (req.method !== 'POST') return fail('UnknownOperationException', `${req.method} is not supported; use POST`);
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, operation] = target.split('.');
      const op = prefix === targetPrefix ? operations[operation] : undefined;
      if (!op)
        return fail(
          'UnknownOperationException',
          `the local emulator does not implement ${target || '(no X-Amz-Target)'}`,
        );
      let input: Record<string, unknown>;
      try {
        input = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return fail('SerializationException', 'the request body is not valid JSON');
      }
      send(200, await op(input));
    } catch (err) {
      if (err instanceof AwsError) return fail(err.code, err.message, err.status);
      fail('InternalFailure', (err as Error).message ?? String(err), 500);
    }
  });
}
