import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { CONFIG_PATH } from '../support/fixtures';
import { jsonLines, triage } from '../support/cli';

jest.setTimeout(120_000);

/** Attachments over the forward limit are kept in S3 and linked for the agents; the link downloads the exact bytes. */
describe('attachments too large to forward', () => {
  let home: string;
  let stack: LocalStack;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'triage-att-'));
    const config = join(home, 'config.yaml');
    writeFileSync(config, `${readFileSync(CONFIG_PATH, 'utf8')}\nforwardAttachmentsUpToMb: 0.5\n`);
    stack = await startLocalStack({
      stateDir: join(home, 'state'),
      configPath: config,
      ports: { smtp: 0, s3: 0, dynamodb: 0, ses: 0, secretsmanager: 0, sfn: 0 },
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('attaches the small file, links the large one, and the link serves the original bytes', async () => {
    const large = Buffer.alloc(800 * 1024);
    for (let i = 0; i < large.length; i++) large[i] = (i * 31) % 251;
    const smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.ports.smtp,
      secure: false,
      ignoreTLS: true,
    });
    await smtp.sendMail({
      from: 'a@customer.example.org',
      to: 'support@example.com',
      subject: 'Crash dump attached',
      text: 'The app crashes, dump attached.',
      attachments: [
        { filename: 'core dump.bin', content: large, contentType: 'application/octet-stream' },
        { filename: 'notes.txt', content: 'steps to reproduce' },
      ],
    });
    smtp.close();
    await stack.whenIdle();
    const copy = jsonLines<{ to: string[]; text: string; headers: Record<string, string> }>(
      (await triage(join(home, 'state'), ['outbox', '--json'])).stdout,
    ).find((m) => m.to.includes('tom@agents.example.com'))!;
    expect(copy.text).toMatch(/Attachments: notes\.txt \(18 bytes\)/);
    const link = /core dump\.bin \(819200 bytes\): (\S+)/.exec(copy.text)?.[1];
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.+\/attachments\/SUP-1001\/.+X-Amz-Signature=/);
    const response = await fetch(link!);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(large)).toBe(true);
  });
});
