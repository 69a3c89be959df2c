/**
 * The user documentation's two promises that test/docs.test.ts does not check:
 * - every relative link in README.md, CONTRIBUTING.md and docs/*.md names a file of this
 *   repository, and a `#fragment` names a heading of the file it points to;
 * - every ```typescript block of the README (the examples that open sockets, which docs.test.ts
 *   does not run) type-checks against the sources, `wsframe` and its subpath exports mapped to
 *   src/ as jsr.json maps them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const documents = ['README.md', 'CONTRIBUTING.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings (code blocks skipped). */
function anchorsOf(text: string): Set<string> {
  return new Set([...withoutCodeBlocks(text).matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchorOf(heading)));
}

/** The text without its fenced code blocks (a fence line is only backticks and an info string). */
function withoutCodeBlocks(text: string): string {
  let inBlock = false;
  return text.split('\n').filter((line) => {
    if (/^```[\w-]*$/.test(line)) inBlock = !inBlock;
    else return !inBlock;
    return false;
  }).join('\n');
}

/** The relative link targets of a Markdown file: `[text](target)`, code spans and blocks skipped. */
function linksOf(text: string): string[] {
  const prose = withoutCodeBlocks(text).replace(/(`+)[^`\n]*?\1/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('links in the user documentation', () => {
  it('finds the links and anchors it checks', () => {
    expect(anchorOf('2. Decode a socket\'s byte stream')).toBe('2-decode-a-sockets-byte-stream');
    expect(anchorOf('Wire: frames, headers, masking, close payloads, UTF-8')).toBe('wire-frames-headers-masking-close-payloads-utf-8');
    expect(linksOf('[a](docs/x.md#y) `[b](no.md)` [c](https://example.com)\n```sh\n[d](e.md)\n```\n[f](g.md)')).toEqual(['docs/x.md#y', 'g.md']);
    expect([...anchorsOf('# One\n```ts\n# not a heading\n```\n## Two `x`')]).toEqual(['one', 'two-x']);
    expect(linksOf(read('README.md')).length).toBeGreaterThan(10);
  });

  for (const document of documents) {
    it(`${document}: every relative link resolves to a file, and every #fragment to a heading`, () => {
      const broken: string[] = [];
      for (const link of linksOf(read(document))) {
        const [path, fragment] = link.split('#');
        const target = path === '' ? document : new URL(path, new URL(document, root)).pathname.slice(root.pathname.length);
        if (!existsSync(new URL(target, root))) broken.push(`${link}: no file ${target}`);
        else if (fragment !== undefined && target.endsWith('.md') && !anchorsOf(read(target)).has(fragment)) {
          broken.push(`${link}: no heading #${fragment} in ${target}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});

describe('the README examples that open sockets', () => {
  const blocks = [...read('README.md').matchAll(/```typescript\n([\s\S]*?)```/g)].map(([, code]) => code);

  it('type-check against the sources', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const scratch = new URL('node_modules/.readme-typecheck/', root);
    mkdirSync(scratch, { recursive: true });
    // `Deno.listen` for the Deno example, as much of it as the README uses.
    const deno = new URL('deno.d.ts', scratch).pathname;
    writeFileSync(deno, 'declare const Deno: { listen(options: { port: number }): AsyncIterable<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }> };\n');
    const files = blocks.map((code, index) => {
      const file = new URL(`block-${index}.ts`, scratch).pathname;
      writeFileSync(file, `${code}\nexport {};\n`);
      return file;
    });
    const exports = (JSON.parse(read('jsr.json')) as { exports: Record<string, string> }).exports;
    const paths = Object.fromEntries(Object.entries(exports).map(([subpath, source]) =>
      [`wsframe${subpath.slice(1)}`, [new URL(source, root).pathname]]));
    const program = ts.createProgram([...files, deno], {
      target: ts.ScriptTarget.ES2022, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, allowImportingTsExtensions: true,
      skipLibCheck: true, types: ['node'], typeRoots: [new URL('node_modules/@types/', root).pathname], paths,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file === undefined ? '' : `${diagnostic.file.fileName.replace(/.*\//, '')}: `;
      return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    });
    expect(problems).toEqual([]);
  });
});
