#!/usr/bin/env node
/**
 * The API reference, from the doc comments: `deno doc --lint` over every entry point of jsr.json
 * (fails on an export without a doc comment, a missing explicit type or a public type that
 * names a private one), then `deno doc --html` into docs/api/ (git-ignored). Any warning either
 * prints fails the script. Deno runs without reading package.json (DENO_NO_PACKAGE_JSON): the
 * sources import nothing from npm, and @types/node's triple-slash references only make noise.
 *
 *   npm run docs
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const deno = fileURLToPath(new URL('../node_modules/.bin/deno', import.meta.url));
const entries = Object.values(JSON.parse(readFileSync(new URL('../jsr.json', import.meta.url), 'utf8')).exports);

function run(args) {
  const result = spawnSync(deno, args, {
    cwd: root, encoding: 'utf8', env: { ...process.env, DENO_NO_PACKAGE_JSON: '1', DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  const output = `${result.stdout}${result.stderr}`;
  process.stdout.write(output);
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
  const warnings = output.split('\n').filter((line) => /warning/i.test(line));
  if (warnings.length > 0) {
    console.error(`deno doc printed ${warnings.length} warning(s): failing`);
    process.exit(1);
  }
}

run(['doc', '--lint', ...entries]);
mkdirSync(new URL('../docs/', import.meta.url), { recursive: true });
run(['doc', '--html', '--name=wsframe', '--output=docs/api', ...entries]);
console.log(`API reference: ${fileURLToPath(new URL('../docs/api/index.html', import.meta.url))}`);
