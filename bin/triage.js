#!/usr/bin/env node
// The operator CLI. It is written in TypeScript; tsx compiles it on the fly so that
// `npx triage` works straight after `npm ci`, with no build step.
require('tsx/cjs');
require('../lib/cli/main.ts')
  .main(process.argv)
  .catch((err) => {
    process.stderr.write(`triage: ${err?.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
