/**
 * Long fuzz runs: `npm run fuzz -- [--target frame|connection] --runs N --seed S [--save]`.
 * `frame` (the default) is the wire layer (fuzz/targets.ts), `connection` the connection engine
 * (fuzz/connection-target.ts). Prints inputs per second; on a finding prints the input as hex,
 * writes it to fuzz/corpus/finding-*.hex and exits 1. With --save, inputs with an outcome not
 * seen before in this run are written to fuzz/corpus/ (replayed by `npm test`; a connection
 * input's file name starts with `connection-`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { checkConnectionInput, nextConnectionInput } from './connection-target.ts';
import { checkInput, createRandom, nextInput, toHex } from './targets.ts';

const TARGETS = {
  frame: { prefix: '', next: nextInput, check: checkInput },
  connection: { prefix: 'connection-', next: nextConnectionInput, check: checkConnectionInput },
} as const;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`--${name} needs a non-negative integer`);
  return value;
}

const targetIndex = process.argv.indexOf('--target');
const targetName = targetIndex < 0 ? 'frame' : process.argv[targetIndex + 1];
if (!Object.hasOwn(TARGETS, targetName)) throw new RangeError(`--target must be one of ${Object.keys(TARGETS).join(', ')}`);
const target = TARGETS[targetName as keyof typeof TARGETS];
const runs = argument('runs', 1_000_000);
const seed = argument('seed', 1);
const save = process.argv.includes('--save');
// npm runs scripts from the package root; the bundle itself lives in dist-fuzz/.
const corpus = new URL('fuzz/corpus/', `file://${process.cwd()}/`);
const random = createRandom(seed);
const seen = new Set<string>();
const started = performance.now();
let lastReport = started;

for (let run = 0; run < runs; run++) {
  const input = target.next(random);
  let outcome: string;
  try {
    outcome = target.check(input);
  } catch (error) {
    const hex = toHex(input);
    mkdirSync(corpus, { recursive: true });
    writeFileSync(new URL(`finding-${target.prefix}${seed}-${run}.hex`, corpus), `${hex}\n`);
    console.error(`Finding at run ${run} (target ${targetName}, seed ${seed}): ${(error as Error).message}\ninput: ${hex}`);
    process.exit(1);
  }
  if (!seen.has(outcome)) {
    seen.add(outcome);
    if (save) writeFileSync(new URL(`${target.prefix}seed${seed}-${seen.size}.hex`, corpus), `${toHex(input)}\n`);
  }
  const now = performance.now();
  if (now - lastReport > 10_000) {
    lastReport = now;
    console.error(`${run + 1} inputs, ${Math.round((run + 1) / ((now - started) / 1000))}/s, ${seen.size} outcomes`);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`${runs} inputs in ${seconds.toFixed(1)} s (${Math.round(runs / seconds)} inputs/s), target ${targetName}, seed ${seed}, ${seen.size} distinct outcomes, no finding`);
