#!/usr/bin/env node
/**
 * `npm run web`: bundles the learner's page (web/main.ts, on the package's own sources) with
 * esbuild and inlines the script and the style into one HTML file that works from file:// and any
 * static host, offline. The page carries a strict Content-Security-Policy whose script and style
 * hashes are computed here, so nothing but this script and this style can run. The last line
 * printed is the absolute path of the HTML file (tests outside the repository read it).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist-web/index.html`;

const result = await build({
  entryPoints: [`${root}web/main.ts`],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
});
// A `</script` inside the script would end the element early; esbuild escapes it in strings.
const script = result.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1').trimEnd();
const style = readFileSync(`${root}web/style.css`, 'utf8').trim();
const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const csp = `default-src 'none'; script-src ${hash(script)}; style-src ${hash(style)}; img-src 'none'; base-uri 'none'; form-action 'none'`;

const template = readFileSync(`${root}web/index.html`, 'utf8');
const parts = template.split(/<!--(CSP|STYLE|SCRIPT)-->/);
const fill = { CSP: csp.replace(/"/g, '&quot;'), STYLE: `<style>${style}</style>`, SCRIPT: `<script>${script}</script>` };
const html = parts.map((part, i) => (i % 2 === 1 ? fill[part] : part)).join('');
if (parts.length !== 7) throw new Error('web/index.html needs one <!--CSP-->, one <!--STYLE--> and one <!--SCRIPT--> marker');

mkdirSync(`${root}dist-web`, { recursive: true });
writeFileSync(out, html);
console.log(`web: ${(html.length / 1024).toFixed(1)} KiB, script ${(script.length / 1024).toFixed(1)} KiB`);
console.log(out);
