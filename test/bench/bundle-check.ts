import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { MailparserReader } from '../../functions/adapters/mailparser-reader';
import type { InboundMail } from '../../functions/domain/mail';
import { bundlingOptions } from '../../lib/constructs/triage-function';
import { ROOT } from '../support/fixtures';
import { corpusFiles } from './parse';

/** esbuild options equivalent to what NodejsFunction runs for our functions (same aliases, charset, defines). */
export function esbuildOptionsOfFunctions(): BuildOptions {
  const b = bundlingOptions('{}');
  const args = (b.esbuildArgs ?? {}) as Record<string, string | string[] | boolean>;
  const alias = Object.fromEntries(
    ((args['--alias'] as string[] | undefined) ?? []).map((a) => [
      a.slice(0, a.indexOf('=')),
      a.slice(a.indexOf('=') + 1),
    ]),
  );
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: b.target,
    minify: b.minify,
    mainFields: b.mainFields,
    define: b.define,
    banner: b.banner ? { js: b.banner } : undefined,
    charset: args['--charset'] === 'utf8' ? 'utf8' : undefined,
    alias,
    external: b.externalModules,
    logLevel: 'error',
  };
}

/** What a parse produced, in a form two builds can be compared by (attachment bodies by hash). */
function comparable(mail: InboundMail): string {
  return JSON.stringify({
    ...mail,
    // mailparser dates a mail with an unreadable Date header "now": equal if both are
    date: mail.date && Math.abs(mail.date.getTime() - Date.now()) < 60_000 ? 'now' : mail.date?.toISOString(),
    headers: [...mail.headers.entries()],
    attachments: mail.attachments.map((a) => ({ ...a, content: createHash('sha1').update(a.content).digest('hex') })),
  });
}

/** Small mails in the double-byte charsets the corpus lacks, encoded with iconv-lite itself. */
function charsetSamples(): { name: string; raw: Buffer; text: string }[] {
  const iconv = require(require.resolve('iconv-lite', { paths: [join(ROOT, 'node_modules', 'libmime')] })) as {
    encode(s: string, c: string): Buffer;
  };
  const samples: [string, string][] = [
    ['GB2312', '您好，我的发票有问题，请退款。'],
    ['GBK', '您好，我的發票有問題'],
    ['Big5', '您好，我的發票有問題，請退款。'],
    ['Shift_JIS', 'こんにちは、請求書について質問があります。'],
    ['EUC-JP', 'こんにちは、請求書について質問があります。'],
    ['EUC-KR', '안녕하세요, 청구서에 문제가 있습니다.'],
    ['windows-1252', 'Grüße – “Rechnung” € 12'],
    ['KOI8-R', 'Здравствуйте, у меня вопрос по счёту.'],
  ];
  return samples.map(([charset, text]) => {
    const subject = `=?${charset}?B?${iconv.encode(text, charset).toString('base64')}?=`;
    const head = Buffer.from(
      `From: Test <test@example.org>\r\nTo: help@example.com\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=${charset}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
      'latin1',
    );
    return { name: `synthetic ${charset}`, raw: Buffer.concat([head, iconv.encode(`${text}\r\n`, charset)]), text };
  });
}

export interface BundleCheck {
  files: number;
  identical: number;
  mismatches: string[];
}

/**
 * The bundling choices substitute and deduplicate modules; this checks that the bundled mail reader
 * reads every corpus file, and mail in each double-byte charset, exactly as the source does.
 */
export async function checkBundledReader(outDir: string): Promise<BundleCheck> {
  const outfile = join(outDir, 'reader-bundle.js');
  await build({
    ...esbuildOptionsOfFunctions(),
    entryPoints: [join(ROOT, 'functions', 'adapters', 'mailparser-reader.ts')],
    outfile,
    sourcemap: false,
  });
  const bundled = new (require(outfile) as { MailparserReader: typeof MailparserReader }).MailparserReader();
  const source = new MailparserReader();
  const mails: { name: string; raw: Buffer; text?: string }[] = [...corpusFiles(), ...charsetSamples()];
  const mismatches: string[] = [];
  for (const { name, raw, text } of mails) {
    const [a, b] = [await source.read(raw), await bundled.read(raw)];
    if (comparable(a) !== comparable(b)) mismatches.push(name);
    // the double-byte samples must also read back as what was written
    else if (text !== undefined && (b.subject !== text || b.text.trim() !== text))
      mismatches.push(`${name} (decoded wrongly: ${JSON.stringify(b.subject)})`);
  }
  return { files: mails.length, identical: mails.length - mismatches.length, mismatches };
}
