import { mkdirSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeHttpServer, HOST, listen } from './listen';
import type { S3rverRecord } from './s3-event';

/**
 * S3: s3rver (files under `<stateDir>/s3`), buckets created at start. It only accepts the credentials
 * S3RVER/S3RVER and emits ObjectCreated records in-process on `event` (it has no notification API);
 * `onObjectCreated` forwards those records, and the stack turns them into real-shaped S3 events.
 */

const S3rver = require('s3rver') as new (
  options: Record<string, unknown>,
) => EventEmitter & {
  configureBuckets(): Promise<void>;
  /** the Koa request handler */
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
};

export interface LocalS3 {
  port: number;
  endpoint: string;
  onObjectCreated(listener: (record: S3rverRecord) => void): void;
  stop(): Promise<void>;
}

export async function startS3(options: { dir: string; port: number; buckets: string[] }): Promise<LocalS3> {
  mkdirSync(options.dir, { recursive: true });
  const s3rver = new S3rver({
    directory: options.dir,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name })),
    vhostBuckets: false,
  });
  await s3rver.configureBuckets();
  // our own HTTP server around s3rver's handler (its run() crashes on EADDRINUSE instead of rejecting)
  const server = createServer(s3rver.callback());
  const port = await listen(server, options.port, 's3');
  const listeners: ((record: S3rverRecord) => void)[] = [];
  s3rver.on('event', (event: { Records: S3rverRecord[] }) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated')) continue;
      for (const l of listeners) l(record);
    }
  });
  return {
    port,
    endpoint: `http://${HOST}:${port}`,
    onObjectCreated: (listener) => listeners.push(listener),
    stop: () => closeHttpServer(server),
  };
}
