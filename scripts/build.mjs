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
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;

const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--listEmittedFiles'], {
  encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
});
const emitted = new Set(tsc.stdout.split('\n').filter((line) => line.startsWith('TSFILE: ')).map((line) => resolve(line.slice(8))));
process.stdout.write(tsc.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('TSFILE: ')).map((line) => `${line}\n`).join(''));
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// Files of moved or deleted modules must not ship. (Removed after the build, not before, so that
// dist/ is never empty while other processes read it.)
for (const name of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  const file = resolve(name.parentPath, name.name);
  if (name.isFile() && !emitted.has(file)) rmSync(file);
}
const removeEmpty = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) removeEmpty(`${dir}/${entry.name}`);
  if (dir !== dist && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
};
removeEmpty(dist);

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

// Internal modules (`_name`) keep their JavaScript, but their declarations go unless a public one
// imports them: the stream decoders' frame reader, for one, is in no public type.
const declarations = () => readdirSync(dist, { recursive: true }).map((name) => `${dist}/${String(name)}`).filter((file) => file.endsWith('.d.ts'));
for (let removed = true; removed;) {
  removed = false;
  const imported = new Set();
  for (const file of declarations()) {
    for (const [, path] of readFileSync(file, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"\n]*?)\.js['"]/g)) {
      imported.add(resolve(dirname(file), `${path}.d.ts`));
    }
  }
  for (const file of declarations()) {
    if (/\/_[^/]*\.d\.ts$/.test(file) && !imported.has(resolve(file))) {
      rmSync(file);
      rmSync(`${file}.map`, { force: true });
      removed = true;
    }
  }
}
