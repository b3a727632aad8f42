'use strict';
// linkify-it, as the Lambda bundles see it (see bundlingOptions in ../triage-function.ts).
//
// mailparser builds a linkify-it instance when it is loaded, compiling a pattern of every top-level
// domain (~20 ms of each cold start, measured by `npm run bench`), and uses it only to turn URLs into
// links in `textAsHtml`, which MailparserReader switches off (`skipTextLinks: true`). Here the same
// calls succeed and find no links, so a parse is the same with and without it.
function LinkifyIt() {
  if (!(this instanceof LinkifyIt)) return new LinkifyIt();
  this.re = {};
}
LinkifyIt.prototype.tlds = function tlds() {
  return this;
};
LinkifyIt.prototype.add = function add() {
  return this;
};
LinkifyIt.prototype.set = function set() {
  return this;
};
LinkifyIt.prototype.pretest = function pretest() {
  return false;
};
LinkifyIt.prototype.test = function test() {
  return false;
};
LinkifyIt.prototype.testSchemaAt = function testSchemaAt() {
  return 0;
};
LinkifyIt.prototype.match = function match() {
  return null;
};
LinkifyIt.prototype.matchAtStart = function matchAtStart() {
  return null;
};
LinkifyIt.prototype.normalize = function normalize() {};
LinkifyIt.prototype.onCompile = function onCompile() {};
module.exports = LinkifyIt;
module.exports.default = LinkifyIt;
