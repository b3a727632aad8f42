#!/usr/bin/env node
// Fails naming every source file in functions/, lib/ and bin/ that is over MAX_LINES lines: past that a file
// usually does more than one thing. Lines are counted as `wc -l` counts them, blank and comment lines included.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 400;
const ROOTS = ['functions', 'lib', 'bin'];
const SOURCE = /\.(ts|js|mjs|cjs)$/;
const root = fileURLToPath(new URL('../..', import.meta.url));

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* sources(path);
    } else if (SOURCE.test(entry.name)) {
      yield path;
    }
  }
}

function lineCount(text) {
  const newlines = text.split('\n').length - 1;
  return text.length > 0 && !text.endsWith('\n') ? newlines + 1 : newlines;
}

const over = [];
for (const dir of ROOTS) {
  for (const path of sources(join(root, dir))) {
    const lines = lineCount(readFileSync(path, 'utf8'));
    if (lines > MAX_LINES) over.push({ path: relative(root, path), lines });
  }
}

if (over.length > 0) {
  over.sort((a, b) => b.lines - a.lines);
  for (const { path, lines } of over) console.error(`${path}: ${lines} lines (at most ${MAX_LINES})`);
  console.error(`${over.length} source file(s) in ${ROOTS.join('/, ')}/ over ${MAX_LINES} lines: split them.`);
  process.exit(1);
}
console.log(`file sizes: every source file in ${ROOTS.join('/, ')}/ has at most ${MAX_LINES} lines`);
