/**
 * Regression tests, each with the exact bytes that showed the bug.
 */
import { describe, expect, it } from 'vitest';
import {
  createServerHandshake, decodeFrame, formatExtensions, parseClientHandshake, parseExtensions, decodeHeader, FrameDecoder, FrameStreamDecoder, MessageDecoder,
} from '../src/index.ts';
import { expectBytes, expectProtocolError } from './_bytes.ts';
import { expectHandshakeError } from './_handshake.ts';
import { importNode, itNodeBuiltins } from './_runtime.ts';

/** Node's Buffer in one respect: `slice` returns a view, not a copy. */
class ViewSlicingBytes extends Uint8Array {
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end) as Uint8Array<ArrayBuffer>;
  }
}

// A masked 126-byte binary frame (16-bit length, so the payload takes the word-wise unmask path)
// and the RFC 6455 §5.7 masked "Hello": the decoders must copy before unmasking.
const KEY = [0x4b, 0xb8, 0xca, 0xb7];
const LONG = [0x82, 0xfe, 0x00, 0x7e, ...KEY, ...Array.from({ length: 126 }, (_, i) => i ^ KEY[i & 3])];
const HELLO = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];

function decodeAll(make: (bytes: number[]) => Uint8Array): void {
  for (const wire of [LONG, HELLO]) {
    const original = new Uint8Array(wire);
    const input = make(wire);
    decodeFrame(input);
    decodeHeader(input)!.maskingKey![0] = 0;
    [...new FrameDecoder().push(input)];
    [...new FrameStreamDecoder().push(input)];
    [...new MessageDecoder().push(input)];
    expectBytes(input, original);
  }
}

describe('decoders never write into the caller\'s bytes', () => {
  it('when slice() returns a view, as Node\'s Buffer.slice does (found decoding a pcap read into a Buffer)', () => {
    decodeAll((wire) => ViewSlicingBytes.from(wire));
  });

  itNodeBuiltins('when the input is a Node Buffer', async () => {
    const { Buffer } = await importNode<typeof import('node:buffer')>('node:buffer');
    decodeAll((wire) => Buffer.from(wire));
  });

  it('a masking key read from a view-slicing input does not change with the input', () => {
    const input = ViewSlicingBytes.from(HELLO);
    const { frame } = decodeFrame(input)!;
    input[2] = 0;
    expect(Array.from(frame.maskingKey!)).toEqual([0x37, 0xfa, 0x21, 0x3d]);
    expect(new TextDecoder().decode(frame.payload)).toBe('Hello');
  });
});

describe('handshake writers never write a value outside its grammar (issue 12)', () => {
  it('createServerHandshake refuses a subprotocol with CR LF that the request itself lists (header injection)', () => {
    const inject = () => createServerHandshake(
      { key: 'dGhlIHNhbXBsZSBub25jZQ==', protocols: ['chat\r\nSet-Cookie: session=evil'], extensions: [] },
      { protocol: 'chat\r\nSet-Cookie: session=evil' },
    );
    expect(inject).toThrow(TypeError);
    expect(inject).toThrow('Cannot create server handshake: the subprotocol "chat\\r\\nSet-Cookie: session=evil" is not an RFC 7230 token');
  });
});

describe('a quoted extension parameter must be a token once unescaped (RFC 6455 §9.1, issue 12)', () => {
  it('parseExtensions refuses foo; a="b c" and foo; a="" with 400 INVALID_EXTENSIONS', () => {
    for (const value of ['foo; a="b c"', 'foo; a=""']) {
      expectHandshakeError(() => parseExtensions(value), 400, 'INVALID_EXTENSIONS');
    }
  });

  it('formatExtensions refuses to write x; a="b c" with a TypeError', () => {
    expect(() => formatExtensions([{ name: 'x', params: { a: 'b c' } }])).toThrow(TypeError);
  });

  it('a server answers such a request header with 400', () => {
    const request = 'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: foo; a="b c"\r\n\r\n';
    expectHandshakeError(() => parseClientHandshake(request), 400, 'INVALID_EXTENSIONS');
  });
});

describe('a server accepts an absolute-form request target (RFC 6455 §4.2.1, RFC 7230 §5.3.2; issue 12)', () => {
  it('GET http://server.example.com/chat HTTP/1.1 has the resource name /chat', () => {
    const request = parseClientHandshake(
      'GET http://server.example.com/chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n' +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(request.resource).toBe('/chat');
  });
});

describe('the buffer budget gives the same verdict for any chunking (issue 12)', () => {
  // A masked 1000-byte binary frame: accepted in one chunk, 1009 BUFFER_LIMIT_EXCEEDED in 600-byte
  // or 1-byte chunks. 1000 bytes and ~256 of bookkeeping exceed 1100: now refused in every case,
  // at the frame header (offset 1).
  const KEY_1000 = [0x01, 0x02, 0x03, 0x04];
  const FRAME_1000 = new Uint8Array([0x82, 0xfe, 0x03, 0xe8, ...KEY_1000, ...Array.from({ length: 1000 }, (_, i) => (i & 0xff) ^ KEY_1000[i & 3])]);

  for (const size of [FRAME_1000.length, 600, 1]) {
    it(`maxMessageLength 1000, maxBufferedBytes 1100: 1009 BUFFER_LIMIT_EXCEEDED in ${size}-byte chunks`, () => {
      const decoder = new MessageDecoder({ role: 'server', maxMessageLength: 1000, maxBufferedBytes: 1100 });
      const error = expectProtocolError(() => {
        for (let at = 0; at < FRAME_1000.length; at += size) [...decoder.push(FRAME_1000.subarray(at, at + size))];
      }, 1009, 'BUFFER_LIMIT_EXCEEDED');
      expect(error.offset).toBe(1);
    });

    it(`maxMessageLength 1000, maxBufferedBytes 1256: the message in ${size}-byte chunks`, () => {
      const decoder = new MessageDecoder({ role: 'server', maxMessageLength: 1000, maxBufferedBytes: 1256 });
      const events = [];
      for (let at = 0; at < FRAME_1000.length; at += size) events.push(...decoder.push(FRAME_1000.subarray(at, at + size)));
      expect(events.map((e) => e.type === 'binary' && e.data.length)).toEqual([1000]);
    });
  }
});
