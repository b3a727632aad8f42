'use strict';
// iconv-lite as the Lambda bundles see it (see bundlingOptions in ../triage-function.ts): libmime's own
// copy, unchanged, except that a double-byte codec (GBK, Big5, Shift_JIS, EUC-KR ...) builds its tables
// when a mail first needs them, not when the codec is asked for.
//
// libmime asks for the GBK codec while it loads, only to learn which decoder class iconv-lite's
// double-byte codecs share (it compares `codec.decoder` with it later). Building that codec reads the
// GBK table and fills its decode and encode tables: 15 to 50 ms of every cold start (measured on the
// 2-core bench machine), for mail that is almost never in GBK. Here the codec is a stand-in that
// answers `decoder` and `encoder` (the shared classes) itself and builds the real codec on the first
// other property read, which a decoder's constructor does. `npm run bench` checks that the bundled
// mail reader reads mail in GB2312, GBK, Big5, Shift_JIS, EUC-JP and EUC-KR exactly as the source does.
const iconv = require('libmime-iconv-lite');

iconv.getCodec('utf8'); // loads iconv.encodings (no double-byte table is read)
const DBCSCodec = iconv.encodings._dbcs;

function LazyDBCSCodec(codecOptions, iconvInstance) {
  let real;
  const build = () => (real ??= new DBCSCodec(codecOptions, iconvInstance));
  return new Proxy(Object.create(DBCSCodec.prototype), {
    get(_target, prop) {
      if (prop === 'encoder' || prop === 'decoder') return DBCSCodec.prototype[prop];
      const codec = build();
      const value = codec[prop];
      return typeof value === 'function' ? value.bind(codec) : value;
    },
    has(_target, prop) {
      return prop in build();
    },
    set(_target, prop, value) {
      build()[prop] = value;
      return true;
    },
  });
}
LazyDBCSCodec.prototype = DBCSCodec.prototype;
iconv.encodings._dbcs = LazyDBCSCodec;

module.exports = iconv;
