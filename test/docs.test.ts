/**
 * Runs every TypeScript example in README.md and in the doc comments of src/ and checks that
 * each `console.log(…); // expected` line prints exactly the text after `//`, so the examples
 * cannot rot. An example whose first line is `// Not run: <why>` (a server, another runtime)
 * is only parsed. Node-only: it reads files and writes the examples to a scratch folder.
 */
import { describe, expect } from 'vitest';
import { importNode, isNode, itNode } from './_runtime.ts';

interface Example {
  source: string;
  code: string;
  /** For doc-comment examples: the file they document, whose exports they may use unimported. */
  file?: URL;
  exports?: string[];
}

const EXPECTATION = /console\.log\(.*\)[;\s}]*\/\/ (.*)$/;

function readmeExamples(text: string, source: string): Example[] {
  const examples: Example[] = [];
  const fence = /```ts\n([\s\S]*?)```/g;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const line = text.slice(0, match.index).split('\n').length;
    examples.push({ source: `${source}:${line}`, code: match[1] });
  }
  return examples;
}

/** Names a module exports directly (`export function f`, `export class C`, `export const x`). */
function exportedNames(text: string): string[] {
  const names = new Set<string>();
  const declaration = /^export (?:async )?(?:function\*?|class|const|let) ([A-Za-z_$][\w$]*)/gm;
  for (let match = declaration.exec(text); match !== null; match = declaration.exec(text)) names.add(match[1]);
  return [...names];
}

function docCommentExamples(text: string, source: string, file: URL): Example[] {
  const examples: Example[] = [];
  const fence = /^\s*\* ```ts\n([\s\S]*?)^\s*\* ```/gm;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const line = text.slice(0, match.index).split('\n').length;
    const code = match[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
    examples.push({ source: `${source}:${line}`, code, file, exports: exportedNames(text) });
  }
  return examples;
}

async function collectExamples(): Promise<Example[]> {
  const fs = await importNode<typeof import('node:fs')>('node:fs');
  const root = new URL('../', import.meta.url);
  const examples = readmeExamples(fs.readFileSync(new URL('README.md', root), 'utf8'), 'README.md');
  const walk = (dir: URL): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(new URL(`${entry.name}/`, dir));
      else if (entry.name.endsWith('.ts')) {
        const file = new URL(entry.name, dir);
        examples.push(...docCommentExamples(fs.readFileSync(file, 'utf8'), file.pathname.slice(root.pathname.length), file));
      }
    }
  };
  walk(new URL('src/', root));
  return examples;
}

const packageJson: { exports: unknown } = isNode
  ? JSON.parse((await importNode<typeof import('node:fs')>('node:fs')).readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  : { exports: {} };
const examples = isNode ? await collectExamples() : [];

/** The source file of a subpath export, from the exports map of package.json. */
function sourceOfSubpath(subpath: string): string {
  const exports = packageJson.exports as Record<string, { types?: string }>;
  const types = exports[`./${subpath}`]?.types;
  if (types === undefined) throw new Error(`package.json exports no ./${subpath}`);
  return new URL(`../${types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')}`, import.meta.url).pathname;
}

describe('documentation examples', () => {
  itNode('there are examples in the README and in the doc comments', () => {
    expect(examples.filter((e) => e.source.startsWith('README.md')).length).toBeGreaterThan(5);
    expect(examples.filter((e) => e.source.startsWith('src/')).length).toBeGreaterThan(15);
  });

  for (const [index, example] of examples.entries()) {
    // A fragment that needs a server, a socket or another runtime says so on its first line; it
    // is only checked to parse.
    const notRun = /^\/\/ Not run: \S/.test(example.code.trimStart());
    if (notRun) {
      itNode(`the example at ${example.source} parses (not run: ${example.code.trimStart().split("\n")[0].slice(12)})`, async () => {
        // Through a variable, so that vite in browser mode does not discover esbuild while the
        // suite runs and reload the page mid-run (optimizeDeps), failing whichever file is loading.
        const esbuild = 'esbuild';
        const { transform } = (await import(/* @vite-ignore */ esbuild)) as typeof import('esbuild');
        await transform(example.code, { loader: 'ts', format: 'esm' });
      });
      continue;
    }
    itNode(`the example at ${example.source} prints what its comments say`, async () => {
      const fs = await importNode<typeof import('node:fs')>('node:fs');
      const util = await importNode<typeof import('node:util')>('node:util');
      const expected = example.code.split('\n').flatMap((line) => {
        const match = EXPECTATION.exec(line);
        return match === null ? [] : [match[1]];
      });
      const scratch = new URL('../node_modules/.doc-examples/', import.meta.url);
      fs.mkdirSync(scratch, { recursive: true });
      const file = new URL(`example-${index}.ts`, scratch);
      const entry = new URL('../src/index.ts', import.meta.url).pathname;
      let code = example.code.replaceAll("from 'wsframe'", `from '${entry}'`)
        // A subpath export, e.g. 'wsframe/node/zlib', from its source (dist/node/zlib.d.ts in the
        // exports map: src/node/zlib.ts).
        .replace(/from 'wsframe\/([\w/-]+)'/g, (_, subpath: string) => `from '${sourceOfSubpath(subpath)}'`);
      // An example of an internal module may import its neighbours relatively ('./har.ts').
      if (example.file !== undefined) {
        const base = example.file;
        code = code.replace(/from '(\.\.?\/[^']+)'/g, (_, relative: string) => `from '${new URL(relative, base).pathname}'`);
      }
      // An example of an internal module (the CLI's) may use that module's exports unimported.
      if (!/^import /m.test(code) && example.file !== undefined && example.exports!.length > 0) {
        code = `import { ${example.exports!.join(', ')} } from '${example.file.pathname}';\n${code}`;
      }
      fs.writeFileSync(file, code);
      const printed: string[] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => void printed.push(util.format(...args));
      try {
        await import(/* @vite-ignore */ `${file.href}?t=${Date.now()}`);
      } finally {
        console.log = log;
      }
      expect(printed).toEqual(expected);
    });
  }
});
