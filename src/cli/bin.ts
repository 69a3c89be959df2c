#!/usr/bin/env node
// The `wsframe` executable: everything else is in main.ts, which tests drive directly.
import { setFlagsFromString } from 'node:v8';
import { EXIT_STATUS, main, processIO } from './main.ts';

// Memory of `pcap`: V8 doubles its young generation each time as many bytes have survived it as
// it holds, which any steady survival reaches on a long run: on the 100 MiB pcap benchmark
// capture it grew from 2 to 8 MiB. A growth factor of 1 keeps its first size. V8 reads the factor
// each time it would grow the space (SemiSpaceNewSpace::Grow), so setting it now, after start-up,
// takes effect (`node --v8-options` lists the flag; v8.setFlagsFromString sets flags at run
// time). Measured, `pcap --format json` on that capture, 5 interleaved runs each: max RSS 63.8 MiB
// against 67.1 (medians), time within the noise of a shared machine (0.75 s against 0.70 s). Not
// for the other commands: `decode` of 300,000 small frames took 20% longer with it.
// Only where it was measured, Node's own V8 11 (Node 20): a V8 without the flag would print
// "unrecognized flag" on every run, and Bun and Deno size their heaps their own way.
// WSFRAME_V8_FLAGS=0 leaves V8's defaults.
const v8Major = Number(process.versions.v8?.split('.')[0]);
const isNode = process.release?.name === 'node' && !('Bun' in globalThis) && !('Deno' in globalThis);
if (process.argv[2] === 'pcap' && isNode && v8Major === 11 && process.env.WSFRAME_V8_FLAGS !== '0') {
  setFlagsFromString('--semi-space-growth-factor=1');
}

// A reader that stopped reading (`wsframe pcap x | head -1`) is not an error: end quietly, with
// success, as cat and grep do when their output is closed.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_STATUS.VALID);
  process.stderr.write(`wsframe: cannot write the output: ${error.message}\n`);
  process.exit(EXIT_STATUS.UNUSABLE);
});

process.exitCode = await main(process.argv.slice(2), processIO);
