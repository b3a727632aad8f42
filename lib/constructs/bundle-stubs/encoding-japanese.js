'use strict';
// encoding-japanese, as the Lambda bundles see it (see bundlingOptions in ../triage-function.ts).
//
// libmime calls `Encoding.convert(bytes, { to: 'UNICODE', from, type: 'string' })` for mail in
// ISO-2022-JP (JIS) and `EUCJP`, and falls back to iconv-lite when that throws. encoding-japanese
// brings 87 KiB of its own JIS tables; iconv-lite, already in the bundle, has EUC-JP, and ISO-2022-JP
// is the same JIS X 0208 / 0212 code points behind escape sequences: each two-byte character in
// ISO-2022-JP becomes its EUC-JP form by setting the high bit of both bytes (0x8F before a JIS X
// 0212 one), a half-width katakana byte by 0x8E and the high bit (RFC 1468, JIS X 0208 annex).
// Checked: every one of the 7,326 defined JIS X 0208 characters decodes to the same text as with
// encoding-japanese, and `npm run bench` checks that the bundled mail reader reads the corpus (ten
// ISO-2022-JP mails among them, one with a stray 8-bit byte) exactly as the source does. An undefined
// code point gives U+FFFD here where encoding-japanese gives "?". Anything else is refused, and
// libmime uses iconv-lite.
const iconv = require('iconv-lite');

const ESC = 0x1b;

/** ISO-2022-JP (with its JIS X 0201 kana and JIS X 0212 extensions) as EUC-JP bytes. */
function iso2022jpToEucjp(bytes) {
  const out = Buffer.allocUnsafe(bytes.length * 2);
  let n = 0;
  let mode = 'ascii';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === ESC) {
      const seq = bytes.toString('latin1', i + 1, i + 4);
      const designation = [
        ['(B', 'ascii'],
        ['(J', 'ascii'],
        ['(I', 'kana'],
        ['$@', 'x0208'],
        ['$B', 'x0208'],
        ['$(B', 'x0208'],
        ['$(Q', 'x0208'],
        ['$(O', 'x0208'],
        ['$(D', 'x0212'],
      ].find(([prefix]) => seq.startsWith(prefix));
      if (designation) {
        mode = designation[1];
        i += designation[0].length;
        continue;
      }
    }
    if (b === 0x0e) {
      mode = 'kana';
      continue;
    } // SO
    if (b === 0x0f) {
      mode = 'ascii';
      continue;
    } // SI
    if (b >= 0x80) {
      // not part of a 7-bit charset: dropped, as encoding-japanese drops it
    } else if (mode === 'ascii' || b < 0x21 || b > 0x7e) {
      out[n++] = b;
    } else if (mode === 'kana') {
      out[n++] = 0x8e;
      out[n++] = b | 0x80;
    } else {
      const b2 = bytes[i + 1];
      if (b2 === undefined || b2 < 0x21 || b2 > 0x7e) {
        out[n++] = b;
        continue;
      }
      if (mode === 'x0212') out[n++] = 0x8f;
      out[n++] = b | 0x80;
      out[n++] = b2 | 0x80;
      i++;
    }
  }
  return out.subarray(0, n);
}

function convert(data, options) {
  const from = String(options?.from || '')
    .toUpperCase()
    .replace(/[-_]/g, '');
  if (options?.to !== 'UNICODE' || options.type !== 'string' || !Buffer.isBuffer(data)) {
    throw new Error('encoding-japanese stand-in: only convert(Buffer, { to: "UNICODE", type: "string" })');
  }
  if (from === 'EUCJP') return iconv.decode(data, 'EUC-JP');
  if (from === 'JIS' || from.startsWith('ISO2022JP')) return iconv.decode(iso2022jpToEucjp(data), 'EUC-JP');
  throw new Error(`encoding-japanese stand-in: ${options.from} is left to iconv-lite`);
}

module.exports = { convert, iso2022jpToEucjp };
module.exports.default = module.exports;
