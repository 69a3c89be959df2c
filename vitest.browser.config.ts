/**
 * The test suite in headless Chromium: vitest browser mode with the playwright provider, driving
 * Debian's /usr/bin/chromium (a test tool's own browser download cannot work on the CI machines).
 * The tests run inside a page: no Buffer, no process, no `node:` modules. Files named
 * `*.node.test.ts` are Node-only by convention (test/README.md) and are not loaded here.
 *
 * Run with `npm run test:browser` (part of `npm run test:runtimes`).
 */
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  server: {
    // Cross-origin isolation, as a page must have to use SharedArrayBuffer (tests mask views of one).
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  // Every package a test loads in the page, optimized before the first test: a dependency found
  // mid-run makes vite reload the page, and the file loading at that moment fails ("failed to
  // find the current suite"). Node-only packages (esbuild, ws) are imported by *.node.test.ts
  // files, or inside Node-only cases with the name in a variable (test/guard.test.ts flags
  // `import('pkg')` with a literal name in a portable test).
  optimizeDeps: { include: ['fast-check'], exclude: ['esbuild'] },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/**/*.node.test.ts'],
    testTimeout: 60_000,
    setupFiles: ['test/runtimes/browser-setup.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath,
          // Playwright already passes --headless, --no-sandbox (needed as root) and a fresh
          // temporary --user-data-dir. The rest keep Chromium off the closed network: without
          // them it opens many refused connections at every start.
          args: [
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
