import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import MailComposer from 'nodemailer/lib/mail-composer';
import { S3AttachmentStore } from '../../functions/adapters/s3-attachment-store';
import { S3RawMailStore } from '../../functions/adapters/s3-raw-mail-store';
import { ROOT, exampleConfig, exampleTemplates } from '../support/fixtures';
import { memoryInbound } from './memory-deps';

/** SES accepts inbound mail up to 40 MB; the message is made as close to that as whole attachments allow. */
export const TARGET_BYTES = 40 * 1000 * 1000;

/** Writes a ~40 MB message with four binary attachments (base64 on the wire) to `file`; returns its size. */
export async function writeBigMail(file: string): Promise<number> {
  // base64 with 76-character lines turns 57 bytes into 78: size the attachments to land under the target.
  const perAttachment = Math.floor(((TARGET_BYTES - 64 * 1024) / 4) * (57 / 78));
  const names = ['scan-1.pdf', 'photo.jpg', 'logs.zip', 'contract.pdf'];
  const types = ['application/pdf', 'image/jpeg', 'application/zip', 'application/pdf'];
  const mail = new MailComposer({
    from: '"Big Sender" <big.sender@customer.example.org>',
    to: 'support@example.com',
    subject: 'Crash report with logs and screenshots',
    messageId: '<big-mail-bench@customer.example.org>',
    text: 'The app crashes on login; the logs and scans are attached.\n'.repeat(200),
    html: `<p>${'The app crashes on login; the logs and scans are attached. '.repeat(200)}</p>`,
    attachments: names.map((filename, i) => ({ filename, contentType: types[i], content: randomBytes(perAttachment) })),
  }).compile();
  const raw = await mail.build();
  writeFileSync(file, raw);
  return raw.length;
}

export interface BigMailResult {
  bytes: number;
  /** peak RSS of the child over its whole life (process.resourceUsage().maxRSS) */
  peakRssMiB: number;
  /** RSS after loading the code and reading the message, before the use case ran */
  beforeRssMiB: number;
  ms: number;
  outcome: string;
  attachments: number;
}

/**
 * `peak_rss_40mb_mib`: a fresh process loads the inbound use case with in-memory adapters except for
 * the raw mail and attachment stores, which are the real S3 adapters talking HTTP to a plain file
 * server in the same process (so the SDK's buffering of the 40 MB body and of the attachments it
 * uploads for links counts), runs it once and reports its peak RSS.
 */
export function measureBigMail(file: string): BigMailResult {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const out = spawnSync(process.execPath, [tsx, __filename, file], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0)
    throw new Error(`40 MB child failed (exit ${out.status}): ${out.stderr.trim().split('\n').slice(-8).join('\n')}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as BigMailResult;
}

async function child(file: string): Promise<void> {
  const container = { config: exampleConfig(), templates: exampleTemplates() };
  // S3 stand-in: a GET answers with the file, streamed; a PUT (an attachment kept for a link) is read and dropped.
  const server = createServer((req, res) => {
    if (req.method === 'PUT') {
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"bench"' }).end());
      return;
    }
    res.writeHead(200, { 'content-type': 'message/rfc822', 'content-length': String(statSync(file).size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const { useCase, repository } = memoryInbound(
    container,
    new S3RawMailStore(s3, 'raw-mail'),
    new S3AttachmentStore(s3, 'raw-mail', 7 * 86_400),
  );
  const beforeRssMiB = process.memoryUsage().rss / 2 ** 20;
  const started = Date.now();
  const outcome = await useCase.execute({ key: 'inbound/support@example.com/big-mail', arrivedAt: new Date() });
  const ms = Date.now() - started;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  server.close();
  s3.destroy();
  const attachments = repository.messages.find((m) => m.direction === 'in')?.attachments.length ?? 0;
  const result: BigMailResult = {
    bytes: statSync(file).size,
    peakRssMiB,
    beforeRssMiB,
    ms,
    outcome: outcome.outcome,
    attachments,
  };
  console.log(JSON.stringify(result));
}

if (require.main === module) {
  child(process.argv[2]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
