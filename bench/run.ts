/**
 * `npm run bench`: wsframe side by side with ws, bufferutil, websocket-driver, undici's parser,
 * node:crypto, node:zlib, TextDecoder and the memory-copy limit, in one process, contenders
 * interleaved over rounds; prints a Markdown table of medians, spreads and ratios (see
 * _harness.ts). Not a test: numbers, no assertions.
 *
 *   npm run bench -- [--quick] [--json results.json] [--group mask,decode,encode,accept,text,deflate,table]
 *                    [--rounds 9] [--sample-ms 40] [--filter 'case name part']
 *                    [--repeat n]
 *
 * `--repeat n` runs the selected cases n times over and merges each case's rounds (medians and
 * per-round ratios over all of them): on a shared machine whose speed drifts over minutes,
 * `--group table --repeat 5` gives steadier ratios than more rounds in one go.
 *
 * `--group table` runs the rows of issue 15's performance table and ends with them and their
 * targets (not in the default groups: it repeats some of their cases).
 *
 * The script bundles this file with esbuild (Node 20 cannot run .ts) into dist-bench/run.mjs,
 * which Deno (`deno run -A dist-bench/run.mjs`) and Bun (`bun dist-bench/run.mjs`) run as well.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { acceptCases } from './accept.ts';
import { decodeCases } from './decode.ts';
import { deflateCases } from './deflate.ts';
import { encodeCases } from './encode.ts';
import { formatTable, formatTargets, mergeResults, runCase, type Case, type CaseResult } from './_harness.ts';
import { tableCases } from './table.ts';
import { undiciVersion, websocketDriverVersion } from './_contenders.ts';
import { maskCases } from './mask.ts';
import { textCases } from './text.ts';
import { bufferUtilIsNative, bufferUtilVersion, wsVersion } from './_ws.ts';

const GROUPS: Record<string, (quick: boolean) => Case[]> = {
  mask: maskCases,
  decode: decodeCases,
  encode: encodeCases,
  accept: acceptCases,
  text: textCases,
  deflate: deflateCases,
  table: tableCases,
};

function parseArgs(argv: string[]) {
  const options = { quick: false, json: undefined as string | undefined, groups: Object.keys(GROUPS).filter((g) => g !== 'table'), rounds: 0, sampleMs: 0, filter: '', repeat: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = argv[++i];
    else if (arg === '--group' || arg === '--groups') options.groups = argv[++i].split(',');
    else if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else if (arg === '--sample-ms') options.sampleMs = Number(argv[++i]);
    else if (arg === '--filter') options.filter = argv[++i];
    else if (arg === '--repeat') options.repeat = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log('Usage: npm run bench -- [--quick] [--json file] [--group mask,decode,encode,accept,text,deflate,table] [--rounds n] [--sample-ms ms] [--filter text] [--repeat n]');
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  for (const group of options.groups) if (!(group in GROUPS)) throw new Error(`Unknown group ${group}: one of ${Object.keys(GROUPS).join(', ')}`);
  options.rounds ||= options.quick ? 5 : 9;
  options.sampleMs ||= options.quick ? 15 : 40;
  return options;
}

function runtime(): string {
  const deno = (globalThis as { Deno?: { version: { deno: string; v8: string } } }).Deno;
  if (deno) return `Deno ${deno.version.deno} (V8 ${deno.version.v8})`;
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun) return `Bun ${versions.bun}`;
  return `Node ${process.version} (V8 ${versions.v8})`;
}

const options = parseArgs(process.argv.slice(2));
const cpu = cpus();
const environment = {
  runtime: runtime(),
  cpu: `${cpu[0]?.model ?? 'unknown'} x ${cpu.length}`,
  platform: `${process.platform} ${process.arch}`,
  ws: wsVersion,
  bufferutil: `${bufferUtilVersion}${bufferUtilIsNative ? ' (native)' : ' (JS fallback!)'}`,
  websocketDriver: websocketDriverVersion,
  undici: undiciVersion,
  rounds: options.rounds,
  sampleMs: options.sampleMs,
  date: new Date().toISOString(),
};
console.log(`# wsframe bench: ${environment.runtime}, ${environment.cpu}, ${environment.platform}`);
console.log(`# ws ${environment.ws}, bufferutil ${environment.bufferutil}, websocket-driver ${environment.websocketDriver}, undici ${environment.undici}; ${options.rounds} interleaved rounds of ~${options.sampleMs} ms per contender`);
console.log('# median = median rate over rounds; spread = ±half the range over rounds; ratios = median of per-round ratios\n');

const cases: Case[] = [];
for (const group of options.groups) {
  for (const benchCase of GROUPS[group](options.quick)) if (benchCase.name.includes(options.filter)) cases.push(benchCase);
}
const runs: CaseResult[][] = cases.map(() => []);
for (let repeat = 0; repeat < options.repeat; repeat++) {
  cases.forEach((benchCase, i) => {
    const result = runCase(benchCase, { rounds: options.rounds, sampleMs: options.sampleMs });
    runs[i].push(result);
    console.log(formatTable([result]).split('\n').slice(2).join('\n'));
  });
}
const results = runs.map(mergeResults);
console.log(`\n${formatTable(results)}`);
if (results.some((r) => r.target !== undefined)) console.log(`\n## Targets (issue 15)\n\n${formatTargets(results)}`);
if (options.json !== undefined) {
  writeFileSync(options.json, `${JSON.stringify({ environment, results }, null, 2)}\n`);
  console.log(`\nRaw results written to ${options.json}`);
}
