// he, as the Lambda bundles see it (see bundlingOptions in ../triage-function.ts).
//
// mailparser calls only `he.encode`, to HTML-escape addresses and names for the `html` forms of
// address headers and for `textAsHtml`. he carries its own table of every HTML entity (73 KiB of the
// minified inbound bundle); `entities` (already in the bundle for dom-serializer) escapes the same
// characters. The output is equivalent HTML: he writes `&#x...;` where `entities` may write a named
// reference; the text a browser shows is the same. An ES module, so that esbuild takes the same
// (ES) build of `entities` that dom-serializer imports, not a second, CommonJS copy.
import { encodeHTML } from 'entities';

export function encode(text) {
  return encodeHTML(String(text));
}

export const escape = encode;
export default { encode, escape };
