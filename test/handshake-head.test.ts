import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_HEAD_LENGTH, HttpHeadReader, type HttpHeadResult } from '../src/handshake/head.ts';
import { appendExtraHeaders, encodeHead, type HeaderFields } from '../src/handshake/_http.ts';
import { bytesOf, concatBytes as concat, expectHandshakeError, head, RFC_REQUEST_LINES, textOf } from './_handshake.ts';
import { expectBytes } from './_bytes.ts';

const REQUEST = bytesOf(head(...RFC_REQUEST_LINES));
// RFC 6455 §5.7: a masked text frame "Hello", as a client's first frame.
const MASKED_HELLO = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);

/** Pushes `chunks` until the head completes; returns the result and the chunks not pushed. */
function pushAll(reader: HttpHeadReader, chunks: Uint8Array[]): { result: HttpHeadResult | undefined; unpushed: Uint8Array[] } {
  for (let i = 0; i < chunks.length; i++) {
    const result = reader.push(chunks[i]);
    if (result !== undefined) return { result, unpushed: chunks.slice(i + 1) };
  }
  return { result: undefined, unpushed: [] };
}

describe('HttpHeadReader', () => {
  it('returns a head that arrives in one push as a view of that chunk, with nothing after it', () => {
    const result = new HttpHeadReader().push(REQUEST);
    expect(result?.head.buffer).toBe(REQUEST.buffer);
    expectBytes(result?.head, REQUEST);
    expect(result?.rest.length).toBe(0);
  });

  it('hands back a client frame that arrived in the same chunk as the request', () => {
    const chunk = concat(REQUEST, MASKED_HELLO);
    const result = new HttpHeadReader().push(chunk);
    expectBytes(result?.head, REQUEST);
    expectBytes(result?.rest, MASKED_HELLO);
    expect(result?.rest.buffer).toBe(chunk.buffer);
  });

  it('finds the end of a head pushed one byte at a time, and returns undefined until then', () => {
    const reader = new HttpHeadReader();
    for (let i = 0; i < REQUEST.length - 1; i++) expect(reader.push(REQUEST.subarray(i, i + 1))).toBeUndefined();
    const result = reader.push(REQUEST.subarray(REQUEST.length - 1));
    expectBytes(result?.head, REQUEST);
    expect(result?.rest.length).toBe(0);
  });

  it('finds CR LF CR LF split across pushes at each of its three inner boundaries', () => {
    for (let cut = REQUEST.length - 3; cut < REQUEST.length; cut++) {
      const reader = new HttpHeadReader();
      expect(reader.push(REQUEST.subarray(0, cut))).toBeUndefined();
      const result = reader.push(concat(REQUEST.subarray(cut), MASKED_HELLO));
      expectBytes(result?.head, REQUEST);
      expectBytes(result?.rest, MASKED_HELLO);
    }
  });

  it('restarts matching correctly after a partial CR LF CR', () => {
    const bytes = bytesOf('GET / HTTP/1.1\r\nA: b\r\n\r\r\n\r\nxyz');
    const result = new HttpHeadReader().push(bytes);
    expect(textOf(result!.head)).toBe('GET / HTTP/1.1\r\nA: b\r\n\r\r\n\r\n');
    expect(textOf(result!.rest)).toBe('xyz');
  });

  it('does not take two bare LFs for the end of a head', () => {
    const reader = new HttpHeadReader({ maxHeadLength: 64 });
    expect(reader.push(bytesOf('GET / HTTP/1.1\nHost: a\n\n\r\n'))).toBeUndefined();
  });

  it('accepts an empty chunk', () => {
    const reader = new HttpHeadReader();
    expect(reader.push(new Uint8Array(0))).toBeUndefined();
    expectBytes(reader.push(REQUEST)?.head, REQUEST);
  });

  it('gives the same head and following bytes for any chunking (property)', () => {
    const tail = new Uint8Array(40).map((_, i) => (i * 37) & 0xff);
    const stream = concat(REQUEST, tail);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 30 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((end, i) => stream.slice(points[i], end));
        const { result, unpushed } = pushAll(new HttpHeadReader(), chunks);
        expectBytes(result?.head, REQUEST);
        expectBytes(concat(result!.rest, ...unpushed), tail);
      }),
      { numRuns: 500 },
    );
  });

  it('copies an unfinished head, so the caller may reuse its buffer after push', () => {
    const reader = new HttpHeadReader();
    const buffer = REQUEST.slice(0, 20);
    reader.push(buffer);
    buffer.fill(0x21);
    expectBytes(reader.push(REQUEST.slice(20))?.head, REQUEST);
  });

  it('accepts a head of exactly the limit and rejects one byte more with 431 HEAD_TOO_LARGE', () => {
    const filler = (length: number) => bytesOf(head('GET / HTTP/1.1', `X-Fill: ${'a'.repeat(length - 28)}`));
    const exact = filler(DEFAULT_MAX_HEAD_LENGTH);
    expect(exact.length).toBe(DEFAULT_MAX_HEAD_LENGTH);
    expectBytes(new HttpHeadReader().push(exact)?.head, exact);
    const over = filler(DEFAULT_MAX_HEAD_LENGTH + 1);
    const error = expectHandshakeError(() => new HttpHeadReader().push(over), 431, 'HEAD_TOO_LARGE');
    expect(error.message).toBe('Cannot read head: no end of head within the first 16384 bytes');
  });

  it('rejects a head over the limit as soon as the limit is passed, across pushes', () => {
    const reader = new HttpHeadReader({ maxHeadLength: 100 });
    expect(reader.push(new Uint8Array(60).fill(0x61))).toBeUndefined();
    expectHandshakeError(() => reader.push(new Uint8Array(40).fill(0x61)), 431, 'HEAD_TOO_LARGE');
  });

  it('rejects a 1 MB head with 431 without reading past the limit', () => {
    const huge = bytesOf(`GET / HTTP/1.1\r\nX: ${'a'.repeat(1024 * 1024)}\r\n\r\n`);
    expectHandshakeError(() => new HttpHeadReader().push(huge), 431, 'HEAD_TOO_LARGE');
  });

  it('stays failed: every later push throws the same error', () => {
    const reader = new HttpHeadReader({ maxHeadLength: 4 });
    let first: unknown;
    try {
      reader.push(bytesOf('GET / HTTP/1.1'));
    } catch (error) {
      first = error;
    }
    expect(() => reader.push(REQUEST)).toThrow(first as Error);
    let second: unknown;
    try {
      reader.push(new Uint8Array(0));
    } catch (error) {
      second = error;
    }
    expect(second).toBe(first);
  });

  it('throws a TypeError for a push after the head was returned, and for a non-Uint8Array chunk', () => {
    const reader = new HttpHeadReader();
    reader.push(REQUEST);
    expect(() => reader.push(MASKED_HELLO)).toThrow(/the head is complete and was already returned/);
    expect(() => new HttpHeadReader().push('GET' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('accepts maxHeadLength Infinity and refuses a limit that is not a positive integer', () => {
    expectBytes(new HttpHeadReader({ maxHeadLength: Number.POSITIVE_INFINITY }).push(REQUEST)?.head, REQUEST);
    for (const max of [0, -1, 1.5, Number.NaN]) {
      expect(() => new HttpHeadReader({ maxHeadLength: max }), String(max)).toThrow(RangeError);
    }
  });
});

describe('encodeHead and appendExtraHeaders (internal): the last check before bytes are written', () => {
  it('writes a start line, the fields and the empty line', () => {
    expect(textOf(encodeHead('GET / HTTP/1.1', [['Host', 'a'], ['X-Empty', '']]))).toBe('GET / HTTP/1.1\r\nHost: a\r\nX-Empty: \r\n\r\n');
  });

  it('refuses CR, LF, NUL or HTAB in the start line with a TypeError', () => {
    for (const line of ['GET /a\r\nX: y HTTP/1.1', 'GET /\n HTTP/1.1', 'HTTP/1.1 101 \u0000', 'GET\t/ HTTP/1.1']) {
      expect(() => encodeHead(line, [])).toThrow(TypeError);
      expect(() => encodeHead(line, [])).toThrow(/Cannot write head: the first line contains the character 0x(0d|0a|00|09)/);
    }
  });

  it('refuses a field whose name is not a token or whose value is not a field-value, even if its writer forgot to check', () => {
    const cases: Array<[HeaderFields, RegExp]> = [
      [[['Sec-WebSocket-Protocol', 'chat\r\nSet-Cookie: session=evil']], /the value of Sec-WebSocket-Protocol contains CR at index 4/],
      [[['X', 'a\u0000']], /contains U\+0000/],
      [[['X', '\u20ac']], /contains U\+20AC/],
      [[['X', ' a']], /begins or ends with whitespace/],
      [[['X-A\r\nX-B', 'a']], /is not an RFC 7230 token/],
      [[['', 'a']], /is not an RFC 7230 token/],
    ];
    for (const [fields, message] of cases) {
      expect(() => encodeHead('HTTP/1.1 101 Switching Protocols', fields)).toThrow(TypeError);
      expect(() => encodeHead('HTTP/1.1 101 Switching Protocols', fields)).toThrow(message);
    }
  });

  it('appendExtraHeaders refuses reserved and body-framing names in any case, and appends the rest in order', () => {
    const fields: HeaderFields = [];
    appendExtraHeaders(fields, { 'X-A': '1', 'x-b': '2' }, new Set(['upgrade']), 'W');
    expect(fields).toEqual([['X-A', '1'], ['x-b', '2']]);
    expect(() => appendExtraHeaders([], { UPGRADE: 'h2c' }, new Set(['upgrade']), 'W')).toThrow(/W: the UPGRADE header is written by the handshake itself/);
    expect(() => appendExtraHeaders([], { 'Transfer-Encoding': 'chunked' }, new Set(), 'W')).toThrow(TypeError);
    expect(() => appendExtraHeaders([], { 'CONTENT-LENGTH': '0' }, new Set(), 'W')).toThrow(/would frame a body/);
    expect(() => appendExtraHeaders([], null as unknown as Record<string, string>, new Set(), 'W')).toThrow(TypeError);
  });
});
