/**
 * The package as users receive it: the built `dist/` through the `exports` map, imported by its
 * name `wsframe` (a package may import itself by name), in every runtime the suite runs in.
 * `npm test` and `npm run test:runtimes` build `dist/` first.
 */
import { describe, it, expect } from 'vitest';
import * as built from 'wsframe';
import { applyMask, CloseCode, decodeClosePayload, decodeFrame, encodeClosePayload, encodeFrame, Opcode, ProtocolError } from 'wsframe';
import * as sources from '../src/index.ts';
import { importNode, itNodeBuiltins, runtime } from './_runtime.ts';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

// RFC 6455 §5.7: a masked text frame "Hello" from a client.
const MASKED_HELLO = '81 85 37 fa 21 3d 7f 9f 4d 51 58';
const MASKING_KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

describe(`the built package imported as 'wsframe' (${runtime})`, () => {
  it('exports every name the sources export, and nothing else', () => {
    expect(Object.keys(built).sort()).toEqual(Object.keys(sources).sort());
  });

  it('is the built output, not the TypeScript sources', () => {
    expect(built.encodeFrame).not.toBe(sources.encodeFrame);
  });

  // Skipped in the browser: reading package.json and dist/ needs node:fs.
  itNodeBuiltins('ships what its exports map points at: types first, files listed in "files"', async () => {
    const fs = await importNode<typeof import('node:fs')>('node:fs');
    const root = new URL('../', import.meta.url);
    const manifest = JSON.parse(fs.readFileSync(new URL('package.json', root), 'utf8')) as {
      exports: Record<string, Record<string, string> | string>; files: string[];
    };
    const entry = manifest.exports['.'] as Record<string, string>;
    expect(Object.keys(entry)[0]).toBe('types');
    for (const target of Object.values(entry)) {
      expect(fs.existsSync(new URL(target, root)), `${target} exists`).toBe(true);
      expect(manifest.files.some((folder) => target.startsWith(`./${folder}/`)), `${target} is in "files"`).toBe(true);
    }
  });

  it('encodes the RFC 6455 §5.7 unmasked and masked "Hello" frames', () => {
    expect(hex(encodeFrame({ opcode: Opcode.Text, payload: utf8('Hello') }))).toBe('81 05 48 65 6c 6c 6f');
    expect(hex(encodeFrame({ opcode: Opcode.Text, payload: utf8('Hello'), maskingKey: MASKING_KEY }))).toBe(MASKED_HELLO);
  });

  it('decodes the RFC 6455 §5.7 masked "Hello" frame as a server, and waits for a partial one', () => {
    const bytes = Uint8Array.from(MASKED_HELLO.split(' '), (b) => parseInt(b, 16));
    const result = decodeFrame(bytes, { role: 'server' });
    expect(result?.bytesRead).toBe(11);
    expect(result?.frame.fin).toBe(true);
    expect(result?.frame.opcode).toBe(Opcode.Text);
    expect(new TextDecoder().decode(result?.frame.payload)).toBe('Hello');
    expect(decodeFrame(bytes.subarray(0, 8))).toBeUndefined();
  });

  it('rejects a reserved opcode with a ProtocolError carrying close code 1002', () => {
    let error: unknown;
    try {
      decodeFrame(Uint8Array.of(0x83, 0x00));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).closeCode).toBe(CloseCode.ProtocolError);
  });

  it('masks in place, and masking twice restores the bytes', () => {
    const bytes = utf8('Hello');
    applyMask(bytes, MASKING_KEY);
    expect(hex(bytes)).toBe('7f 9f 4d 51 58');
    applyMask(bytes, MASKING_KEY);
    expect(new TextDecoder().decode(bytes)).toBe('Hello');
  });

  it('masks in pieces with an offset exactly as at once', () => {
    const whole = utf8('Hello, wsframe');
    const pieces = whole.slice();
    applyMask(whole, MASKING_KEY);
    applyMask(pieces.subarray(0, 3), MASKING_KEY, 0);
    applyMask(pieces.subarray(3), MASKING_KEY, 3);
    expect(pieces).toEqual(whole);
  });

  it('round-trips a close payload with code 1000 and a UTF-8 reason', () => {
    const payload = encodeClosePayload(1000, 'bye ✓');
    expect(hex(payload.subarray(0, 2))).toBe('03 e8');
    expect(decodeClosePayload(payload)).toEqual({ code: 1000, reason: 'bye ✓' });
    expect(decodeClosePayload(new Uint8Array(0))).toEqual({ code: undefined, reason: '' });
  });

  it('rejects a close payload with the wire-forbidden code 1005 (1002) and an invalid UTF-8 reason (1007)', () => {
    const closeCodeOf = (payload: Uint8Array): number | undefined => {
      try {
        decodeClosePayload(payload);
      } catch (error) {
        if (error instanceof ProtocolError) return error.closeCode;
        throw error;
      }
      return undefined;
    };
    expect(closeCodeOf(Uint8Array.of(0x03, 0xed))).toBe(1002);
    expect(closeCodeOf(Uint8Array.of(0x03, 0xe8, 0xff))).toBe(1007);
  });
});
