/**
 * The parse_ratio measurement in a process of its own: `node --expose-gc parse-child.js ROUNDS WARMUP`
 * prints the ParseResult as JSON on its last line. The bench runs it bundled (parse-processes.ts).
 */
import { exampleConfig, exampleTemplates } from '../support/fixtures';
import { measureParse } from './parse';

const [rounds, warmup] = process.argv.slice(2).map(Number);
measureParse({ rounds, warmup, container: { config: exampleConfig(), templates: exampleTemplates() } })
  .then((result) => console.log(JSON.stringify(result)))
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
