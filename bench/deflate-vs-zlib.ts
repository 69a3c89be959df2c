/**
 * wsframe's pure-TypeScript DEFLATE vs node:zlib (sync, raw, sync flush) on 1 MiB of text and of
 * JSON: throughput in MB/s of input (deflate) or output (inflate), medians of interleaved rounds,
 * and the compressed sizes; times are CPU times (user + system) of the process. Not a test.
 *
 *   npx esbuild bench/deflate-vs-zlib.ts --bundle --platform=node --format=esm \
 *     --outfile=node_modules/.bench/deflate.mjs && node node_modules/.bench/deflate.mjs [text-file]
 *   (env: ROUNDS=15, LEVEL=6 for zlib, OURS_LEVEL=LEVEL for wsframe)
 *
 * With a file argument its first MiB is the text sample (e.g. a book from Project Gutenberg);
 * without, a deterministic English-like text is generated.
 */
import { readFileSync } from 'node:fs';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Deflater } from '../src/_deflate.ts';
import { Inflater } from '../src/_inflate.ts';

const SIZE = 1 << 20;
const ROUNDS = Number(process.env.ROUNDS ?? 15);
// zlib's level, and ours (default the same): OURS_LEVEL=5 compares PerMessageDeflate's default
// against zlib's level 6.
const LEVEL = Number(process.env.LEVEL ?? 6);
const OURS_LEVEL = Number(process.env.OURS_LEVEL ?? LEVEL);

function generatedText(): Uint8Array {
  const words = ('the of and to in is that it was for on are as with his they at be this from have or by one had not but ' +
    'what all were when we there can an your which their said if do will each about how up out them then she many some so ' +
    'these would other into has more her two like him see time could no make than first been its who now people my made over ' +
    'did down only way find use may water long little very after words called just where most know get through back much ' +
    'before go good new write our used me man too any day same right look think also around another came come work three ' +
    'word must because does part even place well such here take why things help put years different away again off went old ' +
    'number compression window message frame decoder encoder protocol extension negotiation payload deflate huffman').split(' ');
  let x = 12345;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  let text = '';
  let sentence = 0;
  while (text.length < SIZE) {
    const r = next() % 1000;
    let word = words[Math.floor((r * r) / 1e6 * words.length)];
    if (sentence === 0) word = word[0].toUpperCase() + word.slice(1);
    text += word;
    if (++sentence > 5 + (next() % 12)) {
      text += next() % 7 === 0 ? '.\n\n' : '. ';
      sentence = 0;
    } else text += next() % 11 === 0 ? ', ' : ' ';
  }
  return new TextEncoder().encode(text.slice(0, SIZE));
}

function json(): Uint8Array {
  const records: unknown[] = [];
  let size = 0;
  for (let i = 0; size < SIZE; i++) {
    const record = {
      id: i, user: `user-${(i * 7919) % 10007}`, email: `user${i}@example.com`, active: i % 3 === 0,
      score: ((i * 2654435761) % 100000) / 100, created: new Date(1.7e12 + i * 61_000).toISOString(),
      tags: ['alpha', 'beta', 'gamma', 'delta'].slice(0, i % 5),
    };
    records.push(record);
    size += JSON.stringify(record).length + 1;
  }
  return new TextEncoder().encode(JSON.stringify(records)).subarray(0, SIZE);
}

const file = process.argv[2];
const samples = [
  { name: file ? `text (${file.split('/').pop()})` : 'text (generated)', data: file ? new Uint8Array(readFileSync(file)).subarray(0, SIZE) : generatedText() },
  { name: 'JSON', data: json() },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// CPU time of this thread, not wall time: the machine is shared, and a run preempted by another
// process would otherwise count the other process's time.
const time = (fn: () => void) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

for (const { name, data } of samples) {
  const oursCompressed = new Deflater({ level: OURS_LEVEL }).compress(data);
  const zlibFull = deflateRawSync(data, { level: LEVEL, finishFlush: constants.Z_SYNC_FLUSH });
  const zlibCompressed = zlibFull.subarray(0, zlibFull.length - 4);
  const timings = { zlibInflate: [] as number[], oursInflate: [] as number[], zlibDeflate: [] as number[], oursDeflate: [] as number[] };
  for (let round = 0; round < ROUNDS + 2; round++) {
    const t = {
      zlibInflate: time(() => inflateRawSync(zlibFull, { finishFlush: constants.Z_SYNC_FLUSH })),
      oursInflate: time(() => {
        const inflater = new Inflater();
        inflater.push(zlibCompressed);
        inflater.finish();
      }),
      zlibDeflate: time(() => deflateRawSync(data, { level: LEVEL, finishFlush: constants.Z_SYNC_FLUSH })),
      oursDeflate: time(() => new Deflater({ level: OURS_LEVEL }).compress(data)),
    };
    if (round < 2) continue; // warm-up
    for (const key of Object.keys(t) as (keyof typeof t)[]) timings[key].push(t[key]);
  }
  const mbps = (ms: number) => (data.length / 1e6 / (ms / 1000)).toFixed(0).padStart(5);
  const m = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, median(v)])) as Record<keyof typeof timings, number>;
  console.log(`${name}, ${data.length} bytes, zlib level ${LEVEL}, wsframe level ${OURS_LEVEL}, median of ${ROUNDS} interleaved rounds`);
  console.log(`  inflate  zlib ${mbps(m.zlibInflate)} MB/s  wsframe ${mbps(m.oursInflate)} MB/s  ratio ${(m.zlibInflate / m.oursInflate).toFixed(2)}x`);
  console.log(`  deflate  zlib ${mbps(m.zlibDeflate)} MB/s  wsframe ${mbps(m.oursDeflate)} MB/s  ratio ${(m.zlibDeflate / m.oursDeflate).toFixed(2)}x`);
  console.log(`  size     zlib ${zlibCompressed.length}  wsframe ${oursCompressed.length}  (${((oursCompressed.length / zlibCompressed.length - 1) * 100).toFixed(1)}% vs zlib)`);
}
