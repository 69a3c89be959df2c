#!/usr/bin/env node
// The `wsframe` executable: everything else is in main.ts, which tests drive directly.
import { main, processIO } from './main.ts';

process.exitCode = await main(process.argv.slice(2), processIO);
