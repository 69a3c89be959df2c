#!/usr/bin/env node
/**
 * Runs the test suite in each runtime, one after another, and prints a summary with versions and
 * wall times. Exits 1 when any runtime's run fails (or cannot start).
 *
 *   node scripts/test-runtimes.mjs                  # node, deno, bun, chromium
 *   node scripts/test-runtimes.mjs deno chromium    # a subset
 *
 * Every run picks up test/**\/*.test.ts; files named *.node.test.ts are Node-only by convention
 * (test/README.md) and are left out of the Deno, Bun and Chromium runs. The built package is built
 * first so that test/package.test.ts exercises the current dist/ through the exports map.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const vitest = `${root}node_modules/vitest/vitest.mjs`;
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NODE_ONLY = /\.node\.test\.ts$/;

const testFiles = readdirSync(`${root}test`, { recursive: true })
  .map((name) => `test/${String(name).split('\\').join('/')}`)
  .filter((name) => name.endsWith('.test.ts') && !name.includes('/node_modules/'))
  .sort();
const portableFiles = testFiles.filter((name) => !NODE_ONLY.test(name));
const nodeOnlyFiles = testFiles.filter((name) => NODE_ONLY.test(name));

/** The first line a command prints, or undefined when it cannot run. */
function versionOf(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

const runtimes = {
  node: {
    version: () => `Node ${process.version}`,
    command: [process.execPath, vitest, 'run'],
  },
  deno: {
    version: () => versionOf(bin('deno'), ['--version']),
    // vitest's own CLI under Deno: the test workers are Deno processes too.
    command: [bin('deno'), 'run', '-A', vitest, 'run', '--exclude', 'test/**/*.node.test.ts'],
  },
  bun: {
    version: () => { const v = versionOf(bin('bun'), ['--version']); return v && `Bun ${v}`; },
    // Bun's own runner, which maps `vitest` imports to bun:test; explicit ./paths run exactly
    // the files vitest would (vitest.config.ts: test/**/*.test.ts), with vitest's timeout.
    command: [bin('bun'), 'test', '--timeout=60000', ...portableFiles.map((name) => `./${name}`)],
  },
  chromium: {
    version: () => versionOf(chromium, ['--version']),
    check: () => existsSync(chromium) ? undefined
      : `${chromium} is missing: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    command: [process.execPath, vitest, 'run', '--config', 'vitest.browser.config.ts'],
  },
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in runtimes));
if (unknown.length > 0) {
  console.error(`Unknown runtime ${unknown.join(', ')}; choose from ${Object.keys(runtimes).join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : Object.keys(runtimes);

const run = (command, env = {}) =>
  spawnSync(command[0], command.slice(1), { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

console.log('> npm run build');
if (run(['npm', 'run', '--silent', 'build']).status !== 0) {
  console.error('Build failed: the built package cannot be tested');
  process.exit(1);
}

const results = [];
for (const name of selected) {
  const runtime = runtimes[name];
  console.log(`\n=== ${name}: ${runtime.command.map((part) => part.replace(root, '')).join(' ')}`);
  if (name !== 'node' && nodeOnlyFiles.length > 0) {
    console.log(`Skipped on purpose (Node-only by name, *.node.test.ts): ${nodeOnlyFiles.join(', ')}`);
  }
  const problem = runtime.check?.();
  if (problem !== undefined) {
    console.error(problem);
    results.push({ name, version: 'missing', ok: false, seconds: 0 });
    continue;
  }
  const start = performance.now();
  const result = run(runtime.command, {
    WSFRAME_RUNTIME: name === 'chromium' ? 'browser' : name,
    DENO_NO_UPDATE_CHECK: '1',
    DO_NOT_TRACK: '1',
  });
  const seconds = (performance.now() - start) / 1000;
  if (result.error) console.error(`Cannot start ${name}: ${result.error.message}`);
  results.push({ name, version: runtime.version() ?? 'unknown', ok: result.status === 0, seconds });
}

console.log('\nruntime   result  time     version');
for (const { name, version, ok, seconds } of results) {
  console.log(`${name.padEnd(9)} ${(ok ? 'pass' : 'FAIL').padEnd(7)} ${`${seconds.toFixed(1)}s`.padEnd(8)} ${version}`);
}
console.log(`test files: ${testFiles.length} (${nodeOnlyFiles.length} Node-only)`);
const failed = results.filter((result) => !result.ok);
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.map((result) => result.name).join(', ')}`);
  process.exit(1);
}
