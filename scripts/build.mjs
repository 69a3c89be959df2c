#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ to dist/ (tsconfig.build.json) from a clean dist/, then points
 * the relative imports of the declaration files at `.js` files. The sources import `.ts` files
 * (Deno, Bun and browsers run them as they are) and tsc's rewriteRelativeImportExtensions
 * rewrites the JavaScript it emits but not the declarations: a `.ts` specifier there needs
 * allowImportingTsExtensions in the consumer, and TypeScript before 5.0 sees no exports at all.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;

// A clean dist/: files of moved or deleted modules must not ship.
rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// `from './x.ts'`, `import './x.ts'`, `import('./x.ts')`: relative specifiers only.
const RELATIVE_TS = /((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.{1,2}\/[^'"\n]*?)\.ts\2/g;
let rewritten = 0;
for (const name of readdirSync(dist, { recursive: true })) {
  const file = `${dist}/${String(name)}`;
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, (_, keyword, quote, path) => `${keyword}${quote}${path}.js${quote}`);
  if (fixed !== text) {
    writeFileSync(file, fixed);
    rewritten++;
  }
}
if (rewritten === 0) console.warn('Build: no declaration file imported a .ts file; is scripts/build.mjs still needed?');
