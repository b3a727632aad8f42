import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT } from './cfn';
import { closeHttpServer, HOST, listen, readBody } from './listen';

/**
 * A Lambda function URL on 127.0.0.1: each HTTP request becomes the payload 2.0 event a function URL
 * passes (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html), the function is invoked
 * synchronously through the local Lambda runtime, and its result becomes the HTTP response. A function
 * error is a 502, as with a real function URL.
 */

/** Content types a function URL passes as text; any other body arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|javascript|xml)|[^;]*\+(json|xml))/i;

/** The payload 2.0 event of one request. */
export function functionUrlEvent(req: IncomingMessage, body: Buffer, domainName: string): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', `http://${domainName}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const text = TEXT_TYPES.test(contentType);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: req.headers.cookie ? req.headers.cookie.split(/;\s*/) : undefined,
    headers,
    queryStringParameters: url.search ? query : undefined,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? HOST,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (text ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !text,
  } as APIGatewayProxyEventV2;
}

/** Writes a function's result as the HTTP response (a result without `statusCode` is a 200 JSON document, as a function URL does). */
function writeResult(res: ServerResponse, result: unknown): void {
  const structured =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : undefined;
  if (!structured) {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = { ...(structured.headers as Record<string, string>) };
  if (structured.cookies?.length) headers['Set-Cookie'] = structured.cookies;
  const body =
    structured.body === undefined
      ? ''
      : structured.isBase64Encoded
        ? Buffer.from(structured.body, 'base64')
        : structured.body;
  res.writeHead(structured.statusCode ?? 200, headers).end(body);
}

/** `/status/BIL-1042.status.mdx1.<mac>` -> `/status/BIL-1042.status.mdx1.…`: log lines never carry a usable link token. */
export function redactPath(path: string): string {
  return path.replace(/\.[A-Za-z0-9_-]{20,}(?=$|[/?])/g, '.…');
}

export interface LocalFunctionUrl {
  port: number;
  /** `http://127.0.0.1:<port>/` (a function URL ends with a slash). */
  url: string;
  stop(): Promise<void>;
}

/** Serves a function URL on HOST:port; `invoke` runs the function synchronously (LocalLambda.invoke). */
export async function startFunctionUrl(options: {
  port: number;
  invoke: (event: APIGatewayProxyEventV2, label: string) => Promise<unknown>;
}): Promise<LocalFunctionUrl> {
  let domainName = HOST;
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        const event = functionUrlEvent(req, body, domainName);
        let result: unknown;
        try {
          result = await options.invoke(event, `${event.requestContext.http.method} ${redactPath(event.rawPath)}`);
        } catch {
          res
            .writeHead(502, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ Message: 'Internal Server Error' }));
          return;
        }
        writeResult(res, result);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  const port = await listen(server, options.port, 'web');
  domainName = `${HOST}:${port}`;
  return { port, url: `http://${HOST}:${port}/`, stop: () => closeHttpServer(server) };
}
