'use strict';
// Child process of the benchmark (bundles.ts): loads one synthesised function bundle the way Lambda's
// INIT phase does (require the handler module, take the handler) and prints how long that took and
// which modules came from outside the bundle. Plain JavaScript: no TypeScript loader in the measurement.
const { dirname, sep } = require('node:path');

const [entry, handlerName] = process.argv.slice(2);
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
const mod = require(entry);
const handler = mod[handlerName];
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
if (typeof handler !== 'function') {
  console.error(`${entry} exports no function "${handlerName}"`);
  process.exit(1);
}

const RUNTIME_PROVIDED =
  /^(@aws-sdk|@smithy|@aws-crypto|@aws|tslib|fast-xml-parser|strnum|bowser|uuid|mnemonist|obliterator)(\/|$)/;
const bundleDir = dirname(entry) + sep;
const foreign = new Set();
let runtimeModules = 0;
for (const file of Object.keys(require.cache)) {
  if (file.startsWith(bundleDir) || file === __filename) continue;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file;
  if (RUNTIME_PROVIDED.test(pkg)) runtimeModules++;
  else foreign.add(pkg);
}
console.log(JSON.stringify({ ms, cpuMs, foreign: [...foreign], runtimeModules }));
