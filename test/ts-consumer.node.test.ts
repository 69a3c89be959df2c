/**
 * TypeScript consumers of the published declarations: test/fixtures/ts-consumer/consumer.ts,
 * which imports `wsframe` and `wsframe/node/zlib`, is type-checked against the built dist/*.d.ts
 * (`npm test` builds first) in a scratch project whose node_modules/wsframe is this package, with
 * the oldest TypeScript each module resolution mode supports here:
 *
 * - TypeScript 4.9 (`typescript-4.9`), the minimum package.json states (an optional peer
 *   dependency), under `node16` and `nodenext`, the modes that read an `exports` map;
 * - TypeScript 5.0 (`typescript-5.0`) under `bundler`, which that release introduced, and under
 *   `node16` again.
 *
 * `skipLibCheck` is off, so the declarations themselves must check too.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/ts-consumer/consumer.ts', import.meta.url));

const CASES = [
  { typescript: 'typescript-4.9', module: 'node16', moduleResolution: 'node16' },
  { typescript: 'typescript-4.9', module: 'nodenext', moduleResolution: 'nodenext' },
  { typescript: 'typescript-5.0', module: 'node16', moduleResolution: 'node16' },
  { typescript: 'typescript-5.0', module: 'esnext', moduleResolution: 'bundler' },
] as const;

/** Type-checks the fixture in a fresh scratch project; returns tsc's output (empty when clean). */
function typeCheck(typescript: string, module: string, moduleResolution: string): string {
  const project = `${root}node_modules/.cache/wsframe-ts-consumer/${typescript}-${moduleResolution}/`;
  rmSync(project, { recursive: true, force: true });
  mkdirSync(`${project}node_modules`, { recursive: true });
  symlinkSync(root, `${project}node_modules/wsframe`, 'dir');
  writeFileSync(`${project}package.json`, JSON.stringify({ private: true, type: 'module' }));
  copyFileSync(fixture, `${project}consumer.ts`);
  writeFileSync(`${project}tsconfig.json`, JSON.stringify({
    compilerOptions: {
      module, moduleResolution, target: 'es2022', lib: ['es2022', 'dom'], types: [],
      strict: true, noEmit: true, skipLibCheck: false,
    },
    files: ['consumer.ts'],
  }));
  try {
    execFileSync(process.execPath, [`${root}node_modules/${typescript}/bin/tsc`, '-p', project], { encoding: 'utf8' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('the published declarations, type-checked from a consumer project', () => {
  it('state TypeScript 4.9 as their minimum (an optional peer), the oldest release tested here', () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.peerDependencies).toEqual({ typescript: '>=4.9' });
    expect(manifest.peerDependenciesMeta).toEqual({ typescript: { optional: true } });
    expect(manifest.devDependencies['typescript-4.9']).toBe('npm:typescript@4.9.5');
    expect(manifest.devDependencies['typescript-5.0']).toBe('npm:typescript@5.0.4');
  });

  for (const { typescript, module, moduleResolution } of CASES) {
    it(`type-check a consumer with ${typescript.replace('-', ' ')} under moduleResolution ${moduleResolution}`, () => {
      expect(typeCheck(typescript, module, moduleResolution)).toBe('');
    });
  }
});
