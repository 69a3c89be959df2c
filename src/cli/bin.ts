#!/usr/bin/env node
// The `wsframe` executable: everything else is in main.ts, which tests drive directly.
import { processIO, run } from './main.ts';

process.exitCode = run(process.argv.slice(2), processIO);
