/**
 * What package.json promises about the published package, checked where only Node can check it:
 * `require('wsframe')` from CommonJS on the Node versions `engines` admits, the Node-only subpath
 * `wsframe/node/zlib`, the `bin` entry in the form npm keeps, and the files that ship.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as sources from '../src/index.ts';

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  engines: { node: string };
  exports: Record<string, Record<string, string> | string>;
  bin: Record<string, string>;
  files: string[];
};

/** `[major, minor]` of a version such as `v20.19.2` or `>=20.19`. */
const majorMinor = (version: string): [number, number] => {
  const [, major, minor] = /(\d+)\.(\d+)/.exec(version)!;
  return [Number(major), Number(minor)];
};

describe('the published package', () => {
  it('states engines.node as 20.19 or later, where Node can require() an ES module, and this Node is one', () => {
    const [major, minor] = majorMinor(manifest.engines.node);
    expect(manifest.engines.node).toBe(`>=${major}.${minor}`);
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
    const [nodeMajor, nodeMinor] = majorMinor(process.version);
    expect(nodeMajor > major || (nodeMajor === major && nodeMinor >= minor)).toBe(true);
    expect(process.features.require_module).toBe(true);
  });

  it("can be loaded with require('wsframe') from a CommonJS file, with every export", () => {
    const script = fileURLToPath(new URL('fixtures/cjs-consumer/require-wsframe.cjs', import.meta.url));
    const output = execFileSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(output)).toEqual({ names: Object.keys(sources).sort(), text: 'Hello' });
  });

  it('exports the node:zlib codec at wsframe/node/zlib (types first, Node only), throwing the same ProtocolError class as the root', async () => {
    expect(manifest.exports['./node/zlib']).toEqual({ types: './dist/node/zlib.d.ts', node: './dist/node/zlib.js' });
    const zlib = await import('wsframe/node/zlib');
    const root = await import('wsframe');
    expect(Object.keys(zlib)).toEqual(['createZlibCodec']);
    const codec = zlib.createZlibCodec({
      compressWindowBits: 15, compressNoContextTakeover: false, decompressWindowBits: 15, decompressNoContextTakeover: false, level: 6,
    });
    // RFC 7692 §7.2.3.1: "Hello" compressed, as the built-in codec and zlib both write it.
    const hello = Uint8Array.of(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);
    expect(new TextDecoder().decode(codec.decompress(hello, 1024))).toBe('Hello');
    let error: unknown;
    try {
      codec.decompress(Uint8Array.of(0xff, 0xff, 0xff), 1024);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(root.ProtocolError);
    expect((error as InstanceType<typeof root.ProtocolError>).closeCode).toBe(1007);
  });

  it('exports the adapters at wsframe/node (Node only) and wsframe/streams (everywhere), types first, the same names in both', async () => {
    expect(manifest.exports['./node']).toEqual({ types: './dist/node/index.d.ts', node: './dist/node/index.js' });
    expect(manifest.exports['./streams']).toEqual({ types: './dist/adapters/streams.d.ts', default: './dist/adapters/streams.js' });
    const node = await import('wsframe/node');
    const streams = await import('wsframe/streams');
    expect(Object.keys(node).filter((name) => !(name in streams)).sort()).toEqual(['connect', 'handleSocket', 'handleUpgrade']);
    expect(Object.keys(streams).filter((name) => !(name in node)).sort()).toEqual(['connectStream', 'handleStream']);
    // One connection class: an application written against one adapter works on the other.
    expect(node.WebSocketConnection).toBe(streams.WebSocketConnection);
    expect(node.DEFAULT_SERVER_PING_INTERVAL).toBe(30_000);
  });

  it('names its bin as npm keeps it (no ./), a file with a node shebang inside "files"', () => {
    const target = manifest.bin.wsframe;
    expect(target).toBe('dist/cli/bin.js');
    expect(readFileSync(new URL(target, root), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(manifest.files).toContain(target.split('/')[0]);
  });

  it('ships README, LICENSE and CHANGELOG, and the LICENSE is the MIT licence of the wsframe contributors', () => {
    expect(manifest.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md']));
    const license = readFileSync(new URL('LICENSE', root), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} wsframe contributors\n/);
    expect(readFileSync(new URL('CHANGELOG.md', root), 'utf8')).toMatch(/^## \[0\.1\.0\] - \d{4}-\d\d-\d\d$/m);
  });

  it('declares no internal class: the stream decoders own their frame reader, which no .d.ts names', () => {
    const dist = new URL('dist/', root);
    const declarations = readdirSync(dist, { recursive: true }).map(String).filter((name) => name.endsWith('.d.ts'));
    expect(declarations).toContain('streams/frame-decoder.d.ts');
    expect(declarations.filter((name) => /FrameReader|FrameSink/.test(readFileSync(new URL(name, dist), 'utf8')))).toEqual([]);
  });
});
