/**
 * `wsframe pcap` beside tshark on the same capture: wall time and maximum RSS of each, in
 * interleaved rounds, as ratios. The issue's targets: at least 2x faster than
 * `tshark -r F -Y websocket -T json`, and RSS under 2x the largest message + 64 MiB.
 * Not a test: numbers, no assertions.
 *
 *   npx esbuild bench/pcap.ts --bundle --platform=node --format=esm --outfile=dist-bench/pcap.mjs \
 *     --external:esbuild --log-level=warning && node dist-bench/pcap.mjs [capture] [--mb 100] [--rounds 3]
 *
 * Without a capture, one is generated (--mb MiB, default 100): WebSocket connections over
 * loopback one after another, each in 1448-byte segments, both directions, binary messages of
 * 20 B to 1 MiB (the largest), masked client frames. Output goes to /dev/null. Needs GNU time
 * (/usr/bin/time) for the RSS, and tshark. Prints the medians, then every round's figures.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median } from './_harness.ts';
import { encodeMessage } from '../src/index.ts';
import { pcapFile } from '../test/_capture-builder.ts';
import { REQUEST, RESPONSE, packets } from '../test/_ws-capture.ts';

const SEGMENT = 1448;
const LARGEST_MESSAGE = 1024 * 1024;
// Message sizes in a repeating pattern: chat-like texts, a few KiB, tens of KiB, sometimes 1 MiB.
const SIZES = [20, 120, 900, 4096, 20, 60_000, 350, 16_384, 20, 200_000, 80, LARGEST_MESSAGE];

function parse(argv: string[]) {
  const options = { capture: undefined as string | undefined, mb: 100, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--mb') options.mb = Number(argv[++i]);
    else if (argv[i] === '--rounds') options.rounds = Number(argv[++i]);
    else options.capture = argv[i];
  }
  return options;
}

/** Writes a capture of about `mb` MiB, one batch of messages at a time. */
function generate(path: string, mb: number): void {
  const fd = openSync(path, 'w');
  const target = mb * 1024 * 1024;
  let written = 0;
  let batch = 0;
  while (written < target) {
    const segments: Parameters<typeof packets>[1] = [['c', REQUEST], ['s', RESPONSE]];
    for (const [i, size] of SIZES.entries()) {
      const fromClient = i % 2 === 0;
      const payload = new Uint8Array(size).map((_, at) => (at * 7 + i) & 0x7f);
      const wire = encodeMessage(payload, { mask: fromClient });
      for (let at = 0; at < wire.length; at += SEGMENT) segments.push([fromClient ? 'c' : 's', wire.subarray(at, at + SEGMENT)]);
    }
    // Each batch is one conversation of its own ports: packets() numbers sequences from the start.
    const file = pcapFile(packets({ client: ['127.0.0.1', 40000 + (batch % 20000)], server: ['127.0.0.1', 9001] }, segments), { linkType: 1 });
    const body = batch === 0 ? file : file.subarray(24);
    writeSync(fd, body);
    written += body.length;
    batch++;
  }
  closeSync(fd);
}

/** Wall seconds and maximum RSS (KiB) of a command, its output thrown away. */
function measure(command: string[]): { seconds: number; rssKiB: number } {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...command], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = result.stderr.trim().split('\n').at(-1) ?? '';
  const [seconds, rss] = last.split(' ').map(Number);
  if (!Number.isFinite(seconds)) throw new Error(`cannot measure ${command.join(' ')}: ${result.stderr}`);
  return { seconds, rssKiB: rss };
}


async function mainBench(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-bench-pcap-'));
  try {
    const capture = options.capture ?? join(dir, 'bench.pcap');
    if (options.capture === undefined) generate(capture, options.mb);
    const cli = join(dir, 'wsframe.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url))],
      bundle: true, platform: 'node', format: 'esm', outfile: cli, logLevel: 'warning',
    });
    const runs = { wsframe: [] as { seconds: number; rssKiB: number }[], tshark: [] as { seconds: number; rssKiB: number }[] };
    for (let round = 0; round < options.rounds; round++) {
      // Alternate who goes first, so a drifting machine moves both.
      const order = round % 2 === 0 ? ['wsframe', 'tshark'] as const : ['tshark', 'wsframe'] as const;
      for (const who of order) {
        runs[who].push(who === 'wsframe'
          ? measure([process.execPath, cli, 'pcap', capture, '--format', 'json'])
          : measure(['tshark', '-r', capture, '-Y', 'websocket', '-T', 'json']));
      }
    }
    const size = statSync(capture).size / 1048576;
    const w = { seconds: median(runs.wsframe.map((r) => r.seconds)), rss: median(runs.wsframe.map((r) => r.rssKiB)) / 1024 };
    const t = { seconds: median(runs.tshark.map((r) => r.seconds)), rss: median(runs.tshark.map((r) => r.rssKiB)) / 1024 };
    const rssBudget = (2 * (options.capture === undefined ? LARGEST_MESSAGE : 0)) / 1048576 + 64;
    console.log(`capture: ${size.toFixed(1)} MiB${options.capture === undefined ? `, largest message ${LARGEST_MESSAGE / 1048576} MiB` : ''}; medians of ${options.rounds} interleaved rounds`);
    console.log('| | wall | max RSS |');
    console.log('|---|---|---|');
    console.log(`| wsframe pcap --format json | ${w.seconds.toFixed(2)} s | ${w.rss.toFixed(0)} MiB |`);
    console.log(`| tshark -Y websocket -T json | ${t.seconds.toFixed(2)} s | ${t.rss.toFixed(0)} MiB |`);
    console.log(`| tshark / wsframe | ${(t.seconds / w.seconds).toFixed(2)}x | ${(t.rss / w.rss).toFixed(2)}x |`);
    if (options.capture === undefined) console.log(`RSS budget (2x largest message + 64 MiB): ${rssBudget.toFixed(0)} MiB; wsframe ${w.rss <= rssBudget ? 'within' : 'over'} it`);
    for (const who of ['wsframe', 'tshark'] as const) {
      console.log(`${who} rounds: ${runs[who].map((r) => `${r.seconds.toFixed(2)} s ${(r.rssKiB / 1024).toFixed(1)} MiB`).join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await mainBench();
