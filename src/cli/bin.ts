#!/usr/bin/env node
// The `wsframe` executable: everything else is in main.ts, which tests drive directly.
import { EXIT_STATUS, main, processIO } from './main.ts';

// A reader that stopped reading (`wsframe pcap x | head -1`) is not an error: end quietly, with
// success, as cat and grep do when their output is closed.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_STATUS.VALID);
  process.stderr.write(`wsframe: cannot write the output: ${error.message}\n`);
  process.exit(EXIT_STATUS.UNUSABLE);
});

process.exitCode = await main(process.argv.slice(2), processIO);
