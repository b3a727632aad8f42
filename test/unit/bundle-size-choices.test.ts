import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildDeploymentJson, type DeploymentBundle } from '../../lib/config/deployment';
import { packDeployment } from '../../lib/constructs/triage-function';
import { loadConfigFile } from '../../lib/config/load';
import { CONFIG_PATH, CORPUS } from '../support/fixtures';

// The choices that keep the Lambda bundles small (lib/constructs/triage-function.ts) must not change
// what the functions do. `npm run bench` checks the bundled mail reader against the source on the
// corpus; these check the two pieces that replace a library with less.

const Encoding = require('encoding-japanese') as {
  convert(data: number[] | Buffer, options: Record<string, string>): string | number[];
  stringToCode(text: string): number[];
};
const standIn = require('../../lib/constructs/bundle-stubs/encoding-japanese.js') as {
  convert(data: Buffer, options: Record<string, string>): string;
};

const toUnicode = { to: 'UNICODE', from: 'ISO-2022-JP', type: 'string' };

describe('encoding-japanese stand-in (ISO-2022-JP through iconv-lite EUC-JP)', () => {
  it('decodes every JIS X 0208 character and the half-width kana exactly as encoding-japanese does', () => {
    let defined = 0;
    for (let row = 0x21; row <= 0x7e; row++) {
      for (let cell = 0x21; cell <= 0x7e; cell++) {
        const jis = Buffer.from([0x41, 0x1b, 0x24, 0x42, row, cell, 0x1b, 0x28, 0x42, 0x0d, 0x0a]);
        const expected = Encoding.convert(jis, toUnicode) as string;
        if (expected.includes('?')) continue; // not a character in encoding-japanese's table
        defined++;
        expect(standIn.convert(jis, toUnicode)).toBe(expected);
      }
    }
    expect(defined).toBeGreaterThan(6879); // JIS X 0208 itself, plus the NEC and IBM extensions
    const kana = Buffer.from([
      0x1b,
      0x28,
      0x49,
      ...Array.from({ length: 0x5f - 0x21 + 1 }, (_, i) => 0x21 + i),
      0x1b,
      0x28,
      0x42,
    ]);
    expect(standIn.convert(kana, toUnicode)).toBe(Encoding.convert(kana, toUnicode));
  });

  it('drops a stray 8-bit byte as encoding-japanese does (a corpus mail has one in a file name)', () => {
    const name = Buffer.from('01 Quien Te Dij\x8aat. Pitbull.mp3', 'latin1');
    expect(standIn.convert(name, toUnicode)).toBe(Encoding.convert(name, toUnicode));
  });

  it('decodes the raw bytes of the ISO-2022-JP mails of the corpus as encoding-japanese does', () => {
    const jpMails = readdirSync(CORPUS, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.eml'))
      .map((f) => readFileSync(join(CORPUS, f)))
      .filter((raw) => /charset="?iso-2022-jp/i.test(raw.toString('latin1')));
    expect(jpMails.length).toBeGreaterThan(0);
    for (const raw of jpMails) expect(standIn.convert(raw, toUnicode)).toBe(Encoding.convert(raw, toUnicode));
  });

  it('leaves what it does not handle to iconv-lite, by throwing (libmime catches it)', () => {
    expect(() => standIn.convert(Buffer.from('x'), { to: 'UNICODE', from: 'SJIS', type: 'string' })).toThrow(
      /iconv-lite/,
    );
  });
});

describe('deployment bundle', () => {
  it('carries the config as parseConfig returns it, so the functions need no schema at run time', () => {
    const bundle = JSON.parse(buildDeploymentJson(CONFIG_PATH)) as DeploymentBundle;
    expect(bundle.config).toEqual(loadConfigFile(CONFIG_PATH));
    expect(bundle.config.departments[0].businessHours.weekly.mon[0]).toEqual({
      open: expect.any(Number),
      close: expect.any(Number),
    });
  });
});

describe('iconv-lite stand-in (double-byte codecs built on first use)', () => {
  const realDir = dirname(dirname(require.resolve('iconv-lite', { paths: [dirname(require.resolve('libmime'))] })));
  type Iconv = {
    getCodec(name: string): { decoder: unknown };
    encode(text: string, charset: string): Buffer;
    decode(bytes: Buffer, charset: string): string;
  };
  // the real one, and the stand-in over a copy of its own (as the bundles alias it)
  let real: Iconv;
  let lazy: Iconv;
  beforeAll(() => {
    jest.isolateModules(() => {
      real = require(realDir) as Iconv;
    });
    jest.isolateModules(() => {
      jest.doMock('libmime-iconv-lite', () => jest.requireActual(realDir), { virtual: true });
      lazy = require('../../lib/constructs/bundle-stubs/iconv-lite.js') as Iconv;
    });
  });

  it('answers what libmime asks while loading (the shared decoder class) without reading a table; the first decode reads it', () => {
    const gbk = (lazy as unknown as { encodings: Record<string, { table: () => unknown }> }).encodings.gbk;
    const table = jest.spyOn(gbk, 'table');
    const decoder = lazy.getCodec('gbk').decoder as { name: string };
    expect(decoder.name).toBe('DBCSDecoder');
    expect(table).not.toHaveBeenCalled();
    expect(lazy.decode(real.encode('您好', 'gbk'), 'gbk')).toBe('您好');
    expect(table).toHaveBeenCalledTimes(1);
  });

  it('decodes every double-byte charset as iconv-lite does', () => {
    const samples: [string, string][] = [
      ['GB2312', '您好，我的发票有问题，请退款。'],
      ['GBK', '您好，我的發票有問題'],
      ['GB18030', '您好 𠀀 €'],
      ['Big5', '您好，我的發票有問題，請退款。'],
      ['Shift_JIS', 'こんにちは、請求書について質問があります。'],
      ['EUC-JP', 'こんにちは、請求書について質問があります。'],
      ['EUC-KR', '안녕하세요, 청구서에 문제가 있습니다.'],
    ];
    for (const [charset, text] of samples) {
      const bytes = real.encode(text, charset);
      expect(lazy.decode(bytes, charset)).toBe(real.decode(bytes, charset));
      expect(lazy.decode(bytes, charset)).toBe(text);
    }
  });
});

describe('deployment bundle, packed as the Lambda bundles carry it', () => {
  it('reads back the same config and templates from the gzipped form, in a third of the bytes', () => {
    const json = buildDeploymentJson(CONFIG_PATH);
    const packed = packDeployment(json);
    expect(packed).toMatch(/^gzip:[A-Za-z0-9+/=]+$/);
    expect(packed.length).toBeLessThan(json.length / 2);
    const saved = process.env.TRIAGE_DEPLOYMENT;
    try {
      for (const value of [packed, json]) {
        process.env.TRIAGE_DEPLOYMENT = value;
        jest.isolateModules(() => {
          const { deployment } =
            require('../../functions/shared/deployment') as typeof import('../../functions/shared/deployment');
          const read = deployment();
          expect(read.config).toEqual(JSON.parse(json).config);
          expect(read.templateSources).toEqual(JSON.parse(json).templates);
        });
      }
    } finally {
      if (saved === undefined) delete process.env.TRIAGE_DEPLOYMENT;
      else process.env.TRIAGE_DEPLOYMENT = saved;
    }
  });
});

describe('he stand-in (entities encodeXML)', () => {
  const he = require('he') as { encode(text: string): string; decode(text: string): string };
  const standIn = require('../../lib/constructs/bundle-stubs/he.mjs') as { encode(text: string): string };

  it('escapes what he escapes, to HTML a browser reads as the same text', () => {
    for (const text of [
      'Jane "JD" <jane@example.org>',
      "O'Brien & Söhne <ob@x.de>",
      '山田 太郎 <taro@example.jp>',
      'emoji 😀 & <tag>',
    ]) {
      const ours = standIn.encode(text);
      expect(ours).not.toMatch(/[<>"]|&(?![a-z]+;|#x[0-9a-f]+;)/i);
      expect(he.decode(ours)).toBe(text);
      expect(he.decode(ours)).toBe(he.decode(he.encode(text)));
    }
  });
});
