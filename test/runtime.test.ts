/**
 * The runners really run the tests where they say: a misconfigured runner that silently ran the
 * suite in Node would pass every other file. scripts/test-runtimes.mjs sets WSFRAME_RUNTIME for
 * Deno and Bun; the browser run sets the global below in test/runtimes/browser-setup.ts (a page
 * has no environment variables). Plain `npm test` expects Node.
 */
import { describe, it, expect } from 'vitest';
import { runtime } from './_runtime.ts';

const host = globalThis as {
  __WSFRAME_RUNTIME__?: string;
  process?: { env?: Record<string, string | undefined> };
};

describe('the test runtime', () => {
  it('is the runtime the runner asked for', () => {
    const expected = host.__WSFRAME_RUNTIME__ ?? host.process?.env?.WSFRAME_RUNTIME ?? 'node';
    expect(runtime).toBe(expected);
  });

  (runtime === 'browser' ? it : it.skip)('is a browser page with no Buffer, process, require or node: module', async () => {
    const names = ['Buffer', 'process', 'require', 'global', 'module', 'setImmediate'];
    expect(names.filter((name) => name in globalThis)).toEqual([]);
    const specifier = 'node:fs';
    await expect(import(/* @vite-ignore */ specifier)).rejects.toThrow();
  });
});
