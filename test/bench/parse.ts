import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { CORPUS, exampleConfig, exampleTemplates } from '../support/fixtures';
import { memoryInbound, type Container } from './memory-deps';
import { median, nowMs } from './stats';

/** Every .eml file of the shared corpus, sorted (the same bytes for both sides). */
export function corpusFiles(): { name: string; raw: Buffer }[] {
  const out: { name: string; raw: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.eml')) out.push({ name: full.slice(CORPUS.length + 1), raw: readFileSync(full) });
    }
  };
  walk(CORPUS);
  return out;
}

/** The options MailparserReader gives simpleParser: the baseline parses exactly as the adapter asks. */
export const READER_PARSE_OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true } as const;

export interface ParseResult {
  files: number;
  bytes: number;
  rounds: number;
  /** median CPU time (user + system) of one pass over the corpus */
  mailparserMs: number;
  useCaseMs: number;
  /** median over rounds of (use case pass / mailparser pass) in CPU time, each round measuring both back to back */
  ratio: number;
  /** that ratio of every counted round, in order */
  roundRatios: number[];
  /** the same from wall-clock time, which other load on the machine disturbs more */
  wallRatio: number;
  wall: { mailparserMs: number; useCaseMs: number };
  /** per-mail mean of the use case, in the median round */
  useCasePerMailMs: number;
  outcomes: Record<string, number>;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * `parse_ratio`: the inbound use case over the corpus with in-memory adapters, divided by mailparser
 * alone on the same bytes, same process, interleaved in chunks (below); process CPU time, median over
 * rounds; the first `warmup` rounds are not counted.
 */
export async function measureParse(options: {
  rounds: number;
  warmup: number;
  container?: Container;
}): Promise<ParseResult> {
  const corpus = corpusFiles();
  // Made once, as once per container in Lambda; not part of either side's time.
  const container = options.container ?? { config: exampleConfig(), templates: exampleTemplates() };
  // Each mail arrives at its own time (7 minutes apart, a day's worth), as in production.
  const arrivedAt = (i: number) => new Date(Date.UTC(2026, 10, 23, 6, 0) + i * 7 * 60_000);

  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  type Time = { wall: number; cpu: number };
  const timed = async (fn: () => Promise<void>): Promise<Time> => {
    const [t, c] = [nowMs(), cpuMs()];
    await fn();
    return { wall: nowMs() - t, cpu: cpuMs() - c };
  };
  let outcomes: Record<string, number> = {};
  const mailparserPass = () =>
    timed(async () => {
      for (const { raw } of corpus) await simpleParser(raw, READER_PARSE_OPTIONS);
    });
  const useCasePass = async (round: number) => {
    const { useCase, store } = memoryInbound(container);
    const keys = corpus.map((_, i) => `inbound/help@example.com/bench-${round}-${i}`);
    for (const [i, { raw }] of corpus.entries()) store.objects.set(keys[i], raw);
    const seen: Record<string, number> = {};
    const t = await timed(async () => {
      for (const [i, key] of keys.entries()) {
        const outcome = await useCase.execute({ key, arrivedAt: arrivedAt(i) });
        seen[outcome.outcome] = (seen[outcome.outcome] ?? 0) + 1;
      }
    });
    outcomes = seen;
    return t;
  };

  // Whole passes, the side that goes first alternating round by round, a collection before each pass
  // so that each pays for its own garbage. (Interleaving in chunks of 20 mails was tried: without a
  // collection per chunk one side's garbage is collected in the other's time; with one, V8 flushes and
  // recompiles code and both sides slow down.)
  const a: Time[] = [];
  const b: Time[] = [];
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    let ta: Time;
    let tb: Time;
    if (round % 2 === 0) {
      gc?.();
      ta = await mailparserPass();
      gc?.();
      tb = await useCasePass(round);
    } else {
      gc?.();
      tb = await useCasePass(round);
      gc?.();
      ta = await mailparserPass();
    }
    if (round < options.warmup) continue;
    a.push(ta);
    b.push(tb);
  }
  const useCaseMs = median(b.map((x) => x.cpu));
  return {
    files: corpus.length,
    bytes: corpus.reduce((s, f) => s + f.raw.length, 0),
    rounds: options.rounds,
    mailparserMs: median(a.map((x) => x.cpu)),
    useCaseMs,
    ratio: median(b.map((x, i) => x.cpu / a[i].cpu)),
    roundRatios: b.map((x, i) => x.cpu / a[i].cpu),
    wallRatio: median(b.map((x, i) => x.wall / a[i].wall)),
    wall: { mailparserMs: median(a.map((x) => x.wall)), useCaseMs: median(b.map((x) => x.wall)) },
    useCasePerMailMs: median(b.map((x) => x.wall)) / corpus.length,
    outcomes,
  };
}
