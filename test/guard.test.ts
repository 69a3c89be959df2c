/**
 * Two static guards that keep the core portable.
 *
 * 1. The core is plain ECMAScript over `Uint8Array` and runs unchanged in Node, Deno, Bun and
 *    browsers. Every core file (src/ except the Node-only src/cli/ and src/node/) fails the guard on:
 *    - an import that is not relative (`node:` modules, bare `fs`/`crypto`, any package: the core
 *      has no dependencies), or one that reaches into src/cli/, src/node/ or out of src/;
 *    - a reference to `Buffer`, `process`, `require`, `global`, `module`, `exports`, `__dirname`,
 *      `__filename`, `setImmediate`;
 *    - outside src/base/_host.ts, a reference to a host global (`globalThis`, `crypto`, `TextEncoder`,
 *      `TextDecoder`, `WebAssembly`, timers, `console`, …): host access lives in one place.
 * 2. A test file that runs in every runtime (any test/**\/*.test.ts not named *.node.test.ts) must
 *    load in a browser page: nothing it statically imports, directly or through local modules,
 *    may import a `node:` module or a package other than vitest, fast-check and wsframe.
 *
 * It parses with the TypeScript compiler, so names in comments and strings, property names
 * (`header.process`) and names a file declares itself do not count.
 *
 * Reading files needs node:fs: the guard runs under Node, Deno and Bun, and is skipped in the
 * browser, where a page has no file system (the check is static, so one runtime would do).
 */
import { it, expect } from 'vitest';
import type * as TS from 'typescript';
import { describeNodeBuiltins, importNode } from './_runtime.ts';

/** Only in Node (or Node compatibility layers): never in a core file, _host.ts included. */
const NODE_ONLY = new Set([
  'Buffer', 'process', 'require', 'global', 'module', 'exports', '__dirname', '__filename', 'setImmediate',
]);

/** Host globals: only src/base/_host.ts may touch them. */
const HOST_GLOBALS = new Set([
  'globalThis', 'self', 'window', 'document', 'navigator', 'crypto', 'TextEncoder', 'TextDecoder',
  'WebAssembly', 'CompressionStream', 'DecompressionStream', 'fetch', 'WebSocket', 'atob', 'btoa',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'performance',
  'structuredClone', 'console', 'Deno', 'Bun',
]);

const HOST_MODULE = 'base/_host.ts';

/** Packages a portable test file may import (each works in a page). */
const PORTABLE_PACKAGES = new Set(['vitest', 'fast-check', 'wsframe']);

interface Violation { file: string; line: number; what: string }

interface ImportSite { node: TS.Node; specifier: string | undefined; typeOnly: boolean; dynamic: boolean }

/** Every import, export-from, `import()` and `import('…')` type in a source file. */
function findImports(ts: typeof TS, source: TS.SourceFile): ImportSite[] {
  const sites: ImportSite[] = [];
  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined &&
        bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 &&
        bindings.elements.every((element) => element.isTypeOnly)));
      sites.push({ node, specifier: node.moduleSpecifier.text, typeOnly, dynamic: false });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      sites.push({ node, specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      const specifier = argument !== undefined && ts.isStringLiteralLike(argument) ? argument.text : undefined;
      sites.push({ node, specifier, typeOnly: false, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      sites.push({ node, specifier: node.argument.literal.text, typeOnly: true, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

const parse = (ts: typeof TS, file: string, text: string): TS.SourceFile =>
  ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

const lineOf = (source: TS.SourceFile, node: TS.Node): number =>
  source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;

/** Finds what a core file may not contain; `file` is its path relative to src/. */
function findViolations(ts: typeof TS, file: string, text: string): Violation[] {
  const source = parse(ts, file, text);
  const violations: Violation[] = [];
  const report = (node: TS.Node, what: string): void => {
    violations.push({ file, line: lineOf(source, node), what });
  };

  // Names the file declares itself (a local `const crypto = …` is not the global).
  const declared = new Set<string>();
  const collect = (node: TS.Node): void => {
    const name = (node as { name?: TS.Node }).name;
    if (
      name !== undefined && ts.isIdentifier(name) &&
      (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) || ts.isImportSpecifier(node) || ts.isImportClause(node) ||
        ts.isNamespaceImport(node) || ts.isBindingElement(node) || ts.isTypeAliasDeclaration(node) ||
        ts.isInterfaceDeclaration(node) || ts.isTypeParameterDeclaration(node))
    ) {
      declared.add(name.text);
    }
    ts.forEachChild(node, collect);
  };
  collect(source);

  for (const { node, specifier } of findImports(ts, source)) {
    if (specifier === undefined) {
      report(node, 'imports a computed specifier');
    } else if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
      report(node, `imports '${specifier}' (the core imports only its own files)`);
    } else {
      const path = new URL(specifier, `file:///repo/src/${file}`).pathname;
      if (!path.startsWith('/repo/src/')) report(node, `imports '${specifier}' from outside src/`);
      else if (path.startsWith('/repo/src/cli/')) report(node, `imports '${specifier}' from the Node-only CLI`);
      else if (path.startsWith('/repo/src/node/')) report(node, `imports '${specifier}' from the Node-only adapters`);
    }
  }

  const isPropertyName = (node: TS.Identifier): boolean => {
    const parent = node.parent;
    return (
      (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
      (ts.isQualifiedName(parent) && parent.right === node) ||
      ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) ||
        ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent) || ts.isGetAccessor(parent) ||
        ts.isSetAccessor(parent) || ts.isEnumMember(parent)) && parent.name === node)
    );
  };
  const visit = (node: TS.Node): void => {
    if (ts.isIdentifier(node) && !isPropertyName(node) && !declared.has(node.text)) {
      if (NODE_ONLY.has(node.text)) report(node, `refers to \`${node.text}\`, which only Node has`);
      else if (HOST_GLOBALS.has(node.text) && file !== HOST_MODULE) {
        report(node, `refers to the host global \`${node.text}\` (only src/${HOST_MODULE} may)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return violations;
}

/**
 * Follows the static, non-type imports of a portable test file through local modules and
 * reports each `node:` module or unlisted package on the way, with the chain that reaches it.
 * `read` returns a repository file's text (paths relative to the repository root).
 */
function findUnportableImports(ts: typeof TS, testFile: string, read: (path: string) => string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = parse(ts, file, read(file));
    for (const { node, specifier, typeOnly, dynamic } of findImports(ts, source)) {
      if (typeOnly || specifier === undefined) continue;
      const where = [...chain, `${file}:${lineOf(source, node)}`].join(' → ');
      if (dynamic) {
        // import('pkg') with a literal package name: vite (browser mode) discovers the package
        // while the suite runs, optimises it and reloads the page, failing the file then loading.
        const isPackage = !specifier.startsWith('.') && !specifier.startsWith('node:');
        if (isPackage && !PORTABLE_PACKAGES.has(specifier)) problems.push(`${where} imports '${specifier}' dynamically by its literal name (pass the name through a variable)`);
        continue;
      }
      if (specifier.startsWith('./') || specifier.startsWith('../')) {
        walk(new URL(specifier, `file:///repo/${file}`).pathname.slice('/repo/'.length), [...chain, file]);
      } else if (!PORTABLE_PACKAGES.has(specifier)) {
        problems.push(`${where} imports '${specifier}'`);
      }
    }
  };
  walk(testFile, []);
  return problems;
}

/** Folders of Node-only code (relative to the repository root): the CLI and the Node adapters. */
const NODE_ONLY_FOLDERS = ['src/cli/', 'src/node/'];
const isNodeOnly = (path: string): boolean => NODE_ONLY_FOLDERS.some((folder) => path.startsWith(folder));

/**
 * The layers of src/, bottom-up, and the folders each may import from (besides itself). The
 * top-level files (index.ts) may import every layer but the applications (adapters, capture, CLI,
 * Node-only code); nothing imports them back, and nothing below the applications imports those.
 */
const LAYERS: Record<string, readonly string[]> = {
  base: [],
  bytes: ['base'],
  wire: ['base', 'bytes'],
  streams: ['base', 'bytes', 'wire'],
  handshake: ['base', 'bytes'],
  deflate: ['base', 'bytes', 'wire', 'streams', 'handshake'],
  connection: ['base', 'bytes', 'wire', 'streams', 'handshake', 'deflate'],
  adapters: ['', 'base', 'bytes', 'wire', 'streams', 'handshake', 'deflate', 'connection'],
  node: ['', 'adapters', 'base', 'bytes', 'wire', 'streams', 'handshake', 'deflate', 'connection'],
  // Reading captured traffic and explaining frames, portable: the CLI and the learner's page use it.
  capture: ['', 'base', 'bytes', 'wire', 'streams', 'handshake', 'deflate'],
};

/** The layer folder of a path relative to src/ ('' for the top-level files). */
const layerOf = (file: string): string => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '');

/** Imports that go against the layer table; `file` is relative to src/. */
function findLayerViolations(ts: typeof TS, file: string, text: string): Violation[] {
  const source = parse(ts, file, text);
  const from = layerOf(file);
  const violations: Violation[] = [];
  for (const { node, specifier } of findImports(ts, source)) {
    if (specifier === undefined || !specifier.startsWith('.')) continue;
    const path = new URL(specifier, `file:///repo/src/${file}`).pathname;
    if (!path.startsWith('/repo/src/')) continue;
    const to = layerOf(path.slice('/repo/src/'.length));
    if (to === from) continue;
    const allowed = from === '' ? to !== 'cli' && to !== 'node' && to !== 'adapters' && to !== 'capture' : from === 'cli' || (LAYERS[from]?.includes(to) ?? false);
    if (!allowed) {
      violations.push({ file, line: lineOf(source, node), what: `imports '${specifier}': layer ${from || 'index'} may not import ${to || 'index'}` });
    }
  }
  return violations;
}

const format = (violations: Violation[]): string[] => violations.map((v) => `src/${v.file}:${v.line} ${v.what}`);

// Variable specifier: no bundler should try to resolve the compiler for a page.
const typescript = 'typescript';
const loadTs = async (): Promise<typeof TS> =>
  ((await import(/* @vite-ignore */ typescript)) as { default: typeof TS }).default;

const repository = new URL('../', import.meta.url);

/** Lists the files below a repository folder, as paths relative to the repository root. */
async function listFiles(folder: string): Promise<string[]> {
  const fs = await importNode<typeof import('node:fs')>('node:fs');
  return (fs.readdirSync(new URL(folder, repository), { recursive: true }) as string[])
    .map((name) => `${folder}${name.split('\\').join('/')}`)
    .sort();
}

async function reader(): Promise<(path: string) => string> {
  const fs = await importNode<typeof import('node:fs')>('node:fs');
  return (path) => fs.readFileSync(new URL(path, repository), 'utf8');
}

describeNodeBuiltins('core files use no Node-only API and touch host globals only in src/base/_host.ts', () => {
  it('the guard catches a Node import, Buffer, process, require and a stray host global', async () => {
    const ts = await loadTs();
    const text = [
      "import { readFileSync } from 'node:fs';",
      "import { createHash } from 'crypto';",
      "export * from './cli/main.ts';",
      "import { bytes } from '../test/_bytes.ts';",
      "export { decodeFrame } from './frame.ts';",
      'export const copy = Buffer.from(bytes);',
      "export const debug = process.env.DEBUG;",
      "export const zlib = require('zlib');",
      "export const loader = () => import('node:zlib');",
      'export const text = new TextDecoder().decode(bytes);',
      'export const random = globalThis.crypto.getRandomValues(new Uint8Array(4));',
    ].join('\n');
    expect(format(findViolations(ts, 'stray.ts', text))).toEqual([
      "src/stray.ts:1 imports 'node:fs' (the core imports only its own files)",
      "src/stray.ts:2 imports 'crypto' (the core imports only its own files)",
      "src/stray.ts:3 imports './cli/main.ts' from the Node-only CLI",
      "src/stray.ts:4 imports '../test/_bytes.ts' from outside src/",
      "src/stray.ts:9 imports 'node:zlib' (the core imports only its own files)",
      'src/stray.ts:6 refers to `Buffer`, which only Node has',
      'src/stray.ts:7 refers to `process`, which only Node has',
      'src/stray.ts:8 refers to `require`, which only Node has',
      'src/stray.ts:10 refers to the host global `TextDecoder` (only src/base/_host.ts may)',
      'src/stray.ts:11 refers to the host global `globalThis` (only src/base/_host.ts may)',
    ]);
  });

  it('the guard ignores comments, strings, property names and names a file declares itself', async () => {
    const ts = await loadTs();
    const text = [
      '/** Decodes frames as they arrive; never calls Buffer.from or process.nextTick. */',
      "const message = 'globalThis.crypto is missing; require a Buffer';",
      'interface Job { process: number; crypto: string }',
      'export function run(job: Job, console: { log(x: unknown): void }): number {',
      '  const crypto = job.crypto;',
      '  console.log(crypto + message);',
      '  return job.process;',
      '}',
    ].join('\n');
    expect(format(findViolations(ts, 'clean.ts', text))).toEqual([]);
    // src/base/_host.ts may use host globals, but not Node-only ones.
    expect(format(findViolations(ts, HOST_MODULE, 'export const decoder = new globalThis.TextDecoder();'))).toEqual([]);
    expect(format(findViolations(ts, HOST_MODULE, 'export const b = Buffer.alloc(1);'))).toEqual([
      'src/base/_host.ts:1 refers to `Buffer`, which only Node has',
    ]);
  });

  it('every core file passes', async () => {
    const ts = await loadTs();
    const read = await reader();
    const files = (await listFiles('src/')).filter((path) => path.endsWith('.ts') && !isNodeOnly(path));
    // A guard that read no file could not fail.
    expect(files).toContain('src/index.ts');
    expect(files).toContain(`src/${HOST_MODULE}`);
    const violations = files.flatMap((path) => findViolations(ts, path.slice('src/'.length), read(path)));
    expect(format(violations)).toEqual([]);
  });
});

describeNodeBuiltins('src/ imports only downwards through the layer table', () => {
  it('the layer guard catches an upward import, a sideways one and an import of the entry point', async () => {
    const ts = await loadTs();
    const text = [
      "import { FrameDecoder } from '../streams/frame-decoder.ts';",
      "import { sha1 } from '../bytes/sha1.ts';",
      "import { encodeFrame } from '../wire/frame.ts';",
      "import { ProtocolError } from '../base/errors.ts';",
      "import { parseExtensions } from '../handshake/extensions.ts';",
      "import { Opcode } from '../index.ts';",
    ].join('\n');
    expect(format(findLayerViolations(ts, 'wire/stray.ts', text))).toEqual([
      "src/wire/stray.ts:1 imports '../streams/frame-decoder.ts': layer wire may not import streams",
      "src/wire/stray.ts:5 imports '../handshake/extensions.ts': layer wire may not import handshake",
      "src/wire/stray.ts:6 imports '../index.ts': layer wire may not import index",
    ]);
    expect(format(findLayerViolations(ts, 'index.ts', "export * from './node/adapter.ts';"))).toEqual([
      "src/index.ts:1 imports './node/adapter.ts': layer index may not import node",
    ]);
  });

  it('every file of src/ sits in a known layer and imports only the layers below it', async () => {
    const ts = await loadTs();
    const read = await reader();
    const files = (await listFiles('src/')).filter((path) => path.endsWith('.ts'));
    const unknown = files.map((path) => layerOf(path.slice('src/'.length)))
      .filter((layer) => layer !== '' && layer !== 'cli' && !(layer in LAYERS));
    expect(unknown).toEqual([]);
    const violations = files.flatMap((path) => findLayerViolations(ts, path.slice('src/'.length), read(path)));
    expect(format(violations)).toEqual([]);
  });
});

describeNodeBuiltins('test files that run in every runtime load in a browser page', () => {
  it('the guard follows local imports to a node: module, flags a package imported dynamically by its literal name, and ignores type-only imports', async () => {
    const ts = await loadTs();
    const files: Record<string, string> = {
      'test/a.test.ts': "import { it } from 'vitest';\nimport { helper } from './_helper.ts';\nimport type { Stats } from 'node:fs';",
      'test/_helper.ts': "import fc from 'fast-check';\nexport { run } from '../src/cli/main.ts';\nconst load = () => import('node:os');\n" +
        "const name = 'esbuild';\nconst viaVariable = () => import(name);\nconst literal = () => import('esbuild');",
      'src/cli/main.ts': "import type { Argv } from './types.ts';\nimport { readFileSync } from 'node:fs';\nimport { type Y } from 'ws';",
    };
    expect(findUnportableImports(ts, 'test/a.test.ts', (path) => files[path] ?? '')).toEqual([
      "test/a.test.ts → test/_helper.ts → src/cli/main.ts:2 imports 'node:fs'",
      "test/a.test.ts → test/_helper.ts:6 imports 'esbuild' dynamically by its literal name (pass the name through a variable)",
    ]);
  });

  it('no portable test file statically imports a node: module or an unlisted package', async () => {
    const ts = await loadTs();
    const read = await reader();
    const portable = (await listFiles('test/')).filter((path) => path.endsWith('.test.ts') && !path.endsWith('.node.test.ts'));
    expect(portable).toContain('test/guard.test.ts');
    const fix = 'rename the test file *.node.test.ts if it tests a Node program, or load the module ' +
      'inside an itNodeBuiltins test with importNode (test/README.md)';
    const problems = portable.flatMap((file) => findUnportableImports(ts, file, read)).map((problem) => `${problem}: ${fix}`);
    expect(problems).toEqual([]);
  });
});
