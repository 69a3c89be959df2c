/**
 * The node:zlib codec of src/node/zlib.ts (the subpath `wsframe/node/zlib`) against the built-in one, through
 * PerMessageDeflate. Node-only by name: the adapter imports node:zlib at its top.
 */
import { describe, expect, it } from 'vitest';
import { createZlibCodec } from '../src/node/zlib.ts';
import { MessageDecoder, PerMessageDeflate, createDeflateCodec, encodeMessage, type PerMessageCodecConfig } from '../src/index.ts';
import { expectBytes, expectProtocolError } from './_bytes.ts';
import { fromHex, sampleText, samples, utf8 } from './_deflate-data.ts';

const config = (windowBits: number, noContextTakeover = false): PerMessageCodecConfig => ({
  compressWindowBits: windowBits, compressNoContextTakeover: noContextTakeover,
  decompressWindowBits: windowBits, decompressNoContextTakeover: noContextTakeover, level: 6,
});

describe('the node:zlib codec', () => {
  it('exchanges messages with the built-in codec both ways, with and without context takeover, for window sizes 8..15', () => {
    const messages = [utf8('Hello'), utf8('Hello'), ...samples(6000).map((s) => s.data), utf8(sampleText(40_000))];
    for (let windowBits = 8; windowBits <= 15; windowBits++) {
      for (const noContextTakeover of [false, true]) {
        const pairs = [
          [createZlibCodec(config(windowBits, noContextTakeover)), createDeflateCodec(config(windowBits, noContextTakeover))],
          [createDeflateCodec(config(windowBits, noContextTakeover)), createZlibCodec(config(windowBits, noContextTakeover))],
        ];
        for (const [sender, receiver] of pairs) {
          for (const message of messages) expectBytes(receiver.decompress(sender.compress(message), 1 << 20), message);
        }
      }
    }
  });

  it('reproduces the RFC 7692 §7.2.3.2 shared-window bytes', () => {
    const codec = createZlibCodec(config(15));
    codec.compress(utf8('Hello'));
    expectBytes(codec.compress(utf8('Hello')), fromHex('f2 00 11 00 00'));
  });

  it('fails corrupt data with 1007 INVALID_COMPRESSED_DATA and a bomb with 1009 MESSAGE_TOO_LARGE', () => {
    expectProtocolError(() => createZlibCodec(config(15)).decompress(fromHex('06'), 100), 1007, 'INVALID_COMPRESSED_DATA');
    const bomb = createDeflateCodec(config(15)).compress(new Uint8Array(4 << 20));
    expectProtocolError(() => createZlibCodec(config(15)).decompress(bomb, 1 << 16), 1009, 'MESSAGE_TOO_LARGE');
    expectBytes(createZlibCodec(config(15)).decompress(bomb, 4 << 20), new Uint8Array(4 << 20));
  });

  it('plugs into PerMessageDeflate and MessageDecoder', () => {
    const client = new PerMessageDeflate({ role: 'client', threshold: 0, codec: createZlibCodec });
    const server = new PerMessageDeflate({ role: 'server' });
    const decoder = new MessageDecoder({ role: 'server', extensions: [server] });
    for (const text of ['Hello', sampleText(10_000), 'Hello']) {
      expect([...decoder.push(encodeMessage(text, { mask: true, extensions: [client] }))]).toEqual([{ type: 'text', data: text }]);
    }
  });
});
