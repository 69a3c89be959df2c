/**
 * Which runtime the tests run in, and the helpers that skip a test where the runtime lacks what it
 * needs. The same test files run under Node (vitest), Deno (vitest inside Deno), Bun (`bun test`)
 * and headless Chromium (vitest browser mode); see test/README.md for the convention.
 *
 * Only `describe`/`it`/`expect`-level vitest APIs are portable to Bun, so this module sticks to them.
 */
import { describe, it } from 'vitest';

export type Runtime = 'node' | 'deno' | 'bun' | 'browser';

const host = globalThis as {
  Deno?: unknown;
  Bun?: unknown;
  process?: { versions?: { node?: string } };
  document?: unknown;
};

function detectRuntime(): Runtime {
  // Deno 2 and Bun also define `process.versions.node`, so they are asked first.
  if (host.Deno !== undefined) return 'deno';
  if (host.Bun !== undefined) return 'bun';
  if (host.document !== undefined) return 'browser';
  if (host.process?.versions?.node !== undefined) return 'node';
  throw new Error('Cannot tell which runtime runs the tests');
}

/** The runtime running this test file. */
export const runtime: Runtime = detectRuntime();

/** True under Node itself (not Deno's or Bun's Node compatibility). */
export const isNode = runtime === 'node';

/**
 * True where `node:` built-in modules (node:crypto, node:fs, node:child_process, …) can be
 * imported: Node, and Deno and Bun through their Node compatibility. False in the browser.
 */
export const hasNodeBuiltins = runtime !== 'browser';

/**
 * `describe` under Node, `describe.skip` elsewhere: for suites that test a Node program by nature
 * (the CLI, the examples on node:net, interop with `ws`). Name the reason in a comment beside it.
 * A file whose every test is Node-only should rather be named `*.node.test.ts` (see README).
 */
export const describeNode = isNode ? describe : describe.skip;

/** `it` under Node, `it.skip` elsewhere (see `describeNode`). */
export const itNode = isNode ? it : it.skip;

/**
 * `it` where `node:` built-ins exist (Node, Deno, Bun), `it.skip` in the browser: for a case that
 * compares against a Node built-in such as `createHash('sha1')`. Load the module inside the test
 * with `await importNode<typeof import('node:crypto')>('node:crypto')`, never with a top-level
 * import, which would fail the whole file in the browser.
 */
export const itNodeBuiltins = hasNodeBuiltins ? it : it.skip;

/** `describe` where `node:` built-ins exist, `describe.skip` in the browser (see `itNodeBuiltins`). */
export const describeNodeBuiltins = hasNodeBuiltins ? describe : describe.skip;

/**
 * Imports a `node:` module at run time. The specifier goes through a variable so that no bundler
 * (vite in browser mode, esbuild) tries to resolve it for a page that has no such module.
 */
export function importNode<T>(specifier: `node:${string}`): Promise<T> {
  return import(/* @vite-ignore */ specifier) as Promise<T>;
}
