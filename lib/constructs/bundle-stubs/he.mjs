// he, as the Lambda bundles see it (see bundlingOptions in ../triage-function.ts).
//
// mailparser calls only `he.encode`, to HTML-escape addresses and names for the `html` forms of
// address headers and for `textAsHtml`. he carries its own table of every HTML entity (73 KiB of the
// minified inbound bundle); `entities` (already in the bundle for dom-serializer) escapes the same
// characters. encodeXML writes what he.encode writes by default: `&amp; &lt; &gt; &quot; &apos;` and
// every non-ASCII character as `&#x...;` (he also escapes the backtick), without the table of named
// entities that encodeHTML needs (-12 KiB). An ES module, so that esbuild takes the same (ES) build of
// `entities` that dom-serializer and htmlparser2 import, not a second, CommonJS copy.
import { encodeXML } from 'entities';

export function encode(text) {
  return encodeXML(String(text));
}

// biome-ignore lint/suspicious/noShadowRestrictedNames: he's API names it `escape`, and this stands in for he
export const escape = encode;
export default { encode, escape };
