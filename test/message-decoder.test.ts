import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MessageDecoder, ProtocolError, encodeClose, encodeFrame, encodeHeader, encodeMessage, encodePing,
  type MessageDecoderOptions, type MessageEvent, type MessageExtension, type MessageView,
} from '../src/index.ts';
import { expectBytes, patternBytes } from './_bytes.ts';
import { chop, concat, pushes, countingRandom, errorSummary, feed, fromHex, type Chop } from './_streams.ts';

const MASKING_KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const utf8 = (text: string) => new TextEncoder().encode(text);
const frame = (opcode: number, payload: Uint8Array | string = new Uint8Array(0), more: { fin?: boolean; rsv1?: boolean; masked?: boolean } = {}) =>
  encodeFrame({
    opcode, payload: typeof payload === 'string' ? utf8(payload) : payload, fin: more.fin, rsv1: more.rsv1,
    maskingKey: more.masked ? MASKING_KEY : undefined,
  });

/** Events with plain arrays, for deep equality. */
function plain(events: readonly MessageEvent[]) {
  return events.map((e) => ('data' in e && e.data instanceof Uint8Array ? { ...e, data: Array.from(e.data) } : { ...e }));
}

function run(bytes: Uint8Array, how: Chop, options?: MessageDecoderOptions) {
  const result = feed(new MessageDecoder(options), chop(bytes, how));
  return { events: plain(result.items), error: errorSummary(result.error), failedAfterPush: result.failedAfterPush };
}

/** Streamed pieces merged back into whole messages, checking the `final` flags on the way. */
function mergeStreamed(events: readonly MessageEvent[]) {
  const merged: MessageEvent[] = [];
  let open: { type: 'text'; data: string } | { type: 'binary'; parts: Uint8Array[] } | undefined;
  for (const event of events) {
    if (event.type === 'text' || event.type === 'binary') {
      expect(typeof event.final).toBe('boolean');
      if (open === undefined) open = event.type === 'text' ? { type: 'text', data: '' } : { type: 'binary', parts: [] };
      expect(open.type).toBe(event.type);
      if (open.type === 'text') open.data += event.data as string;
      else open.parts.push(event.data as Uint8Array);
      if (event.final) {
        merged.push(open.type === 'text' ? { type: 'text', data: open.data } : { type: 'binary', data: concat(...open.parts) });
        open = undefined;
      }
    } else {
      merged.push(event);
    }
  }
  return merged;
}

describe('MessageDecoder', () => {
  it('assembles the RFC 6455 §5.7 fragmented "Hel" + "lo" into one text message', () => {
    const bytes = fromHex('01 03 48 65 6c 80 02 6c 6f');
    for (const how of ['whole', 1, [5]] as Chop[]) {
      expect(run(bytes, how)).toEqual({ events: [{ type: 'text', data: 'Hello' }], error: undefined, failedAfterPush: -1 });
    }
  });

  it('yields a ping between fragments at once, before the message it interrupts is complete', () => {
    const decoder = new MessageDecoder({ role: 'server' });
    decoder.push(concat(frame(0x2, patternBytes(10), { fin: false, masked: true }), frame(0x9, 'beat', { masked: true })));
    expect(plain([...decoder])).toEqual([{ type: 'ping', data: Array.from(utf8('beat')) }]);
    decoder.push(frame(0x0, patternBytes(5, 2), { masked: true }));
    expect(plain([...decoder])).toEqual([{ type: 'binary', data: [...patternBytes(10), ...patternBytes(5, 2)] }]);
  });

  it('fails with 1002 UNEXPECTED_CONTINUATION on a continuation with nothing to continue', () => {
    const result = run(concat(frame(0x1, 'a'), frame(0x0, 'b')), 'whole');
    expect(result.events).toEqual([{ type: 'text', data: 'a' }]);
    expect(result.error).toEqual({ closeCode: 1002, code: 'UNEXPECTED_CONTINUATION', offset: 3 });
  });

  it('fails with 1002 EXPECTED_CONTINUATION on a new data frame while a message is open', () => {
    const result = run(concat(frame(0x1, 'a', { fin: false }), frame(0x9), frame(0x2, 'b')), 1);
    expect(result.events).toEqual([{ type: 'ping', data: [] }]);
    expect(result.error).toEqual({ closeCode: 1002, code: 'EXPECTED_CONTINUATION', offset: 5 });
  });

  it('keeps a leading U+FEFF (ignoreBOM semantics)', () => {
    expect(run(frame(0x1, '\ufeffhi'), 'whole').events).toEqual([{ type: 'text', data: '\ufeffhi' }]);
  });

  it('fails 1007 in the push that delivers an impossible byte, even inside one frame arriving in three pieces', () => {
    // "κό" then 0xff (never valid), then the rest of a 20-byte frame.
    const payload = concat(utf8('κό'), new Uint8Array([0xff]), utf8('0123456789abcdef').subarray(0, 15));
    const bytes = frame(0x1, payload, { masked: true });
    const result = run(bytes, [6 + 2, 6 + 6], { role: 'server' });
    expect(result.failedAfterPush).toBe(1);
    expect(result.error).toEqual({ closeCode: 1007, code: 'INVALID_UTF8', offset: 6 + 4 });
  });

  it('accepts a frame that ends inside a multi-byte sequence when the next fragment completes it', () => {
    const euro = utf8('€'); // e2 82 ac
    const bytes = concat(frame(0x1, euro.subarray(0, 1), { fin: false }), frame(0x0, euro.subarray(1, 2), { fin: false }), frame(0x0, euro.subarray(2)));
    expect(run(bytes, 'whole').events).toEqual([{ type: 'text', data: '€' }]);
    expect(run(bytes, 1).events).toEqual([{ type: 'text', data: '€' }]);
  });

  it('fails 1007 when a message ends inside a multi-byte sequence', () => {
    const bytes = concat(frame(0x1, 'a', { fin: false }), frame(0x0, new Uint8Array([0xe2, 0x82])));
    expect(run(bytes, 'whole').error).toEqual({ closeCode: 1007, code: 'INVALID_UTF8', offset: 5 });
    expect(run(frame(0x1, new Uint8Array([0x41, 0xf0, 0x9f])), 'whole').error).toEqual({ closeCode: 1007, code: 'INVALID_UTF8', offset: 3 });
  });

  it('decodes close frames with decodeClosePayload and stops', () => {
    expect(run(encodeClose(1000, 'bye'), 'whole').events).toEqual([{ type: 'close', code: 1000, reason: 'bye' }]);
    expect(run(encodeClose(), 1).events).toEqual([{ type: 'close', code: undefined, reason: '' }]);
    expect(run(frame(0x8, new Uint8Array([0x03])), 'whole').error).toEqual({ closeCode: 1002, code: 'CLOSE_PAYLOAD_TOO_SHORT', offset: 2 });
    expect(run(frame(0x8, new Uint8Array([0x03, 0xed])), 'whole').error).toEqual({ closeCode: 1002, code: 'INVALID_CLOSE_CODE', offset: 2 });
  });

  it('validates a close reason as it arrives: 1007 before the close frame is complete', () => {
    const payload = concat(new Uint8Array([0x03, 0xe8]), utf8('ab'), new Uint8Array([0xc0]), utf8('xyz'));
    const bytes = frame(0x8, payload, { masked: true });
    const result = run(bytes, [6 + 3, 6 + 6]); // the 0xc0 comes in the second of three pieces
    expect(result.failedAfterPush).toBe(1);
    expect(result.error).toEqual({ closeCode: 1007, code: 'INVALID_UTF8', offset: 6 + 4 });
  });

  it('fails with 1002 DATA_AFTER_CLOSE on bytes after a close frame, after yielding the close', () => {
    const bytes = concat(encodeClose(1001), encodePing());
    for (const how of ['whole', 1] as Chop[]) {
      const result = run(bytes, how);
      expect(result.events).toEqual([{ type: 'close', code: 1001, reason: '' }]);
      expect(result.error).toEqual({ closeCode: 1002, code: 'DATA_AFTER_CLOSE', offset: 4 });
    }
  });

  it("drops bytes after a close frame with afterClose: 'ignore'", () => {
    const decoder = new MessageDecoder({ afterClose: 'ignore' });
    decoder.push(concat(encodeClose(1000), encodeMessage('late'))).push(new Uint8Array([0xff, 0xff]));
    expect(plain([...decoder])).toEqual([{ type: 'close', code: 1000, reason: '' }]);
  });

  it('fails with 1009 MESSAGE_TOO_LARGE as soon as a header makes the total too long, before its payload', () => {
    const options = { maxMessageLength: 100 };
    const first = frame(0x2, patternBytes(60), { fin: false });
    const header = encodeHeader({ opcode: 0x0, payloadLength: 41 });
    const result = run(concat(first, header), 'whole', options);
    expect(result.error).toEqual({ closeCode: 1009, code: 'MESSAGE_TOO_LARGE', offset: first.length + 1 });
    expect(run(concat(first, frame(0x0, patternBytes(40))), 'whole', options).events.length).toBe(1);
    expect(run(encodeHeader({ opcode: 0x1, payloadLength: 101 }), 'whole', options).error?.code).toBe('MESSAGE_TOO_LARGE');
  });

  it('applies maxPayloadLength per frame (1009 PAYLOAD_TOO_LARGE)', () => {
    expect(run(encodeHeader({ opcode: 0x2, payloadLength: 11 }), 'whole', { maxPayloadLength: 10 }).error)
      .toEqual({ closeCode: 1009, code: 'PAYLOAD_TOO_LARGE', offset: 1 });
  });

  it('stops a flood of 1-byte fragments at maxBufferedBytes, counting what is retained', () => {
    const decoder = new MessageDecoder({ role: 'server', maxBufferedBytes: 4096, maxMessageLength: 1 << 20 });
    const fragment = frame(0x0, new Uint8Array([0x61]), { fin: false, masked: true });
    decoder.push(frame(0x2, new Uint8Array([0x61]), { fin: false, masked: true }));
    let pushed = 1;
    let error: ProtocolError | undefined;
    while (error === undefined && pushed < 100_000) {
      decoder.push(fragment);
      pushed++;
      try {
        [...decoder];
      } catch (e) {
        error = e as ProtocolError;
      }
    }
    expect({ closeCode: error?.closeCode, code: error?.code }).toEqual({ closeCode: 1009, code: 'BUFFER_LIMIT_EXCEEDED' });
    // Coalesced: about 4096 bytes minus bookkeeping get in, not 4096 / (bookkeeping per fragment).
    expect(pushed).toBeGreaterThan(2000);
    expect(pushed).toBeLessThan(4097);
  });

  it('delivers a message within maxMessageLength under the default maxBufferedBytes, whatever the fragment sizes', () => {
    const payload = patternBytes(20_000);
    const pieces: Uint8Array[] = [];
    for (let at = 0, size = 1; at < payload.length; at += size, size = (size * 7) % 3001 + 1) {
      const end = Math.min(payload.length, at + size);
      pieces.push(frame(at === 0 ? 0x2 : 0x0, payload.subarray(at, end), { fin: end === payload.length }));
    }
    const result = run(concat(...pieces), 'whole', { maxMessageLength: 20_000 });
    expect(result.error).toBeUndefined();
    expectBytes(new Uint8Array(result.events[0].type === 'binary' ? (result.events[0].data as unknown as number[]) : []), payload);
  });

  it('gives an unmasked single-chunk binary message as a view, and never mutates pushed chunks', () => {
    const unmasked = frame(0x2, patternBytes(40));
    const [event] = new MessageDecoder().push(unmasked);
    expect(event.type === 'binary' && event.data.buffer).toBe(unmasked.buffer);
    const masked = frame(0x2, patternBytes(40), { masked: true });
    const before = masked.slice();
    const decoder = new MessageDecoder();
    for (const piece of chop(masked, 7)) decoder.push(piece);
    const [copy] = decoder;
    expect(copy.type === 'binary' && copy.data.buffer).not.toBe(masked.buffer);
    expectBytes(masked, before);
  });

  it('throws for malformed options', () => {
    expect(() => new MessageDecoder({ maxMessageLength: -1 })).toThrow(RangeError);
    expect(() => new MessageDecoder({ maxBufferedBytes: 1.5 })).toThrow(RangeError);
    expect(() => new MessageDecoder({ afterClose: 'drop' as 'ignore' })).toThrow(TypeError);
    expect(() => new MessageDecoder({ extensions: [{ name: 'x', rsv: {}, decodeMessage: (p) => p }] })).toThrow(TypeError);
  });
});

describe('MessageDecoder with streamMessages', () => {
  it('yields pieces as they arrive, marked final on the last', () => {
    const decoder = new MessageDecoder({ streamMessages: true });
    const bytes = concat(frame(0x2, patternBytes(6), { fin: false }), frame(0x0, patternBytes(4, 9)));
    const first = plain([...decoder.push(bytes.subarray(0, 5))]);
    expect(first).toEqual([{ type: 'binary', data: Array.from(patternBytes(3)), final: false }]);
    const rest = plain([...decoder.push(bytes.subarray(5))]);
    expect(rest).toEqual([
      { type: 'binary', data: Array.from(patternBytes(6).subarray(3)), final: false },
      { type: 'binary', data: Array.from(patternBytes(4, 9)), final: true },
    ]);
    expect(plain([...decoder.push(frame(0x1, 'x'))])).toEqual([{ type: 'text', data: 'x', final: true }]);
  });

  it('never splits a code point across text pieces', () => {
    const text = 'a€𝄞b€';
    const bytes = frame(0x1, text, { masked: true });
    const decoder = new MessageDecoder({ streamMessages: true });
    const pieces: string[] = [];
    for (const piece of chop(bytes, 1)) {
      for (const event of decoder.push(piece)) if (event.type === 'text') pieces.push(event.data);
    }
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(piece).toBe(new TextDecoder().decode(utf8(piece))); // no lone halves
    expect(pieces).toEqual(['a', '€', '𝄞', 'b', '€']);
  });

  it('still fails fast on an impossible byte', () => {
    const bytes = frame(0x1, concat(utf8('ok'), new Uint8Array([0xed, 0xa0, 0x80])), { fin: false });
    const result = run(bytes, 1, { streamMessages: true });
    expect(result.events).toEqual([{ type: 'text', data: 'o', final: false }, { type: 'text', data: 'k', final: false }]);
    expect(result.error).toEqual({ closeCode: 1007, code: 'INVALID_UTF8', offset: 2 + 3 });
  });

  it('gives an empty final piece when the last fragment is empty', () => {
    const bytes = concat(frame(0x1, 'ab', { fin: false }), frame(0x0));
    expect(run(bytes, 'whole', { streamMessages: true }).events).toEqual([
      { type: 'text', data: 'ab', final: false },
      { type: 'text', data: '', final: true },
    ]);
  });
});

describe('MessageDecoder extensions', () => {
  // A toy per-message extension owning RSV1: the payload travels reversed.
  const reverse: MessageExtension = {
    name: 'x-reverse',
    rsv: { rsv1: true },
    decodeMessage: (payload) => payload.slice().reverse(),
  };
  const reversed = (text: string) => utf8(text).slice().reverse();

  it('transforms messages whose first frame sets the owned bit, and only those', () => {
    const bytes = concat(
      frame(0x1, reversed('olleh'), { rsv1: true }),
      frame(0x1, 'plain'),
      frame(0x2, new Uint8Array([1, 2]), { rsv1: true, fin: false }), frame(0x9), frame(0x0, new Uint8Array([3])),
    );
    for (const how of ['whole', 1] as Chop[]) {
      expect(run(bytes, how, { extensions: [reverse] }).events).toEqual([
        { type: 'text', data: 'olleh' },
        { type: 'text', data: 'plain' },
        { type: 'ping', data: [] },
        { type: 'binary', data: [3, 2, 1] },
      ]);
    }
  });

  it('rejects the owned bit on a continuation frame (1002 RSV1_ON_CONTINUATION)', () => {
    const bytes = concat(frame(0x1, 'a', { fin: false }), frame(0x0, 'b', { rsv1: true }));
    expect(run(bytes, 'whole', { extensions: [reverse] }).error).toEqual({ closeCode: 1002, code: 'RSV1_ON_CONTINUATION', offset: 3 });
  });

  it('rejects the owned bit on a control frame (1002 RSV1_ON_CONTROL)', () => {
    expect(run(frame(0x9, '', { rsv1: true }), 'whole', { extensions: [reverse] }).error)
      .toEqual({ closeCode: 1002, code: 'RSV1_ON_CONTROL', offset: 0 });
  });

  it('rejects RSV1 with no extension owning it (1002 RESERVED_BITS)', () => {
    expect(run(frame(0x1, 'a', { rsv1: true }), 'whole').error).toEqual({ closeCode: 1002, code: 'RESERVED_BITS', offset: 0 });
  });

  it('validates transformed text after the transform (1007) and limits its length (1009)', () => {
    const bad: MessageExtension = { name: 'x-bad', rsv: { rsv1: true }, decodeMessage: () => new Uint8Array([0xff]) };
    expect(run(frame(0x1, 'a', { rsv1: true }), 'whole', { extensions: [bad] }).error?.code).toBe('INVALID_UTF8');
    const grow: MessageExtension = { name: 'x-grow', rsv: { rsv1: true }, decodeMessage: () => new Uint8Array(11) };
    expect(run(frame(0x2, 'a', { rsv1: true }), 'whole', { extensions: [grow], maxMessageLength: 10 }).error)
      .toEqual({ closeCode: 1009, code: 'MESSAGE_TOO_LARGE', offset: 3 });
  });

  it('passes the message facts and the length limit to the extension', () => {
    const seen: unknown[] = [];
    const spy: MessageExtension = { name: 'x-spy', rsv: { rsv1: true }, decodeMessage: (p, m) => (seen.push(m), p) };
    run(frame(0x2, 'a', { rsv1: true }), 'whole', { extensions: [spy], maxMessageLength: 99 });
    expect(seen).toEqual([{ opcode: 2, rsv1: true, rsv2: false, rsv3: false, maxLength: 99 }]);
  });

  it('refuses two extensions owning the same bit', () => {
    expect(() => new MessageDecoder({ extensions: [reverse, { ...reverse, name: 'x-other' }] })).toThrow(TypeError);
  });
});

// Random message streams: text (any Unicode, cut into fragments anywhere, even inside a code
// point) and binary messages, pings and pongs between fragments, masked or not, and sometimes
// one corrupted byte.
const messageArbitrary = fc.record({
  text: fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: undefined }),
  binary: fc.uint8Array({ maxLength: 300 }),
  cuts: fc.array(fc.nat({ max: 300 }), { maxLength: 4 }),
  control: fc.array(fc.tuple(fc.constantFrom(0x9, 0xa), fc.uint8Array({ maxLength: 20 })), { maxLength: 2 }),
});
const streamArbitrary = fc.record({
  messages: fc.array(messageArbitrary, { maxLength: 6 }),
  masked: fc.boolean(),
  close: fc.boolean(),
  corrupt: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { nil: undefined }),
}).map(({ messages, masked, close, corrupt }) => {
  const random = countingRandom();
  const parts: Uint8Array[] = [];
  for (const message of messages) {
    const payload = message.text === undefined ? message.binary : utf8(message.text);
    const cuts = [...new Set(message.cuts.filter((c) => c > 0 && c < payload.length))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, payload.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const key = masked ? random(new Uint8Array(4)) : undefined;
      parts.push(encodeFrame({
        opcode: i === 0 ? (message.text === undefined ? 0x2 : 0x1) : 0x0, fin: i + 2 === bounds.length,
        payload: payload.subarray(bounds[i], bounds[i + 1]), maskingKey: key,
      }));
      const control = message.control[i];
      if (control !== undefined) parts.push(encodeFrame({ opcode: control[0], payload: control[1], maskingKey: key }));
    }
  }
  if (close) parts.push(encodeClose(1000, 'done', { mask: masked, random }));
  const bytes = concat(...parts);
  if (corrupt !== undefined && bytes.length > 0) bytes[corrupt[0] % bytes.length] = corrupt[1];
  return bytes;
});
const splitsArbitrary = fc.array(fc.nat({ max: 3000 }), { maxLength: 10 }).map((cuts) => [...cuts].sort((a, b) => a - b));

describe('MessageDecoder properties', () => {
  it('yields the same events or the same error for any chunking of the same stream', () => {
    fc.assert(
      fc.property(streamArbitrary, splitsArbitrary, (bytes, cuts) => {
        const whole = run(bytes, 'whole');
        const strip = (r: ReturnType<typeof run>) => ({ events: r.events, error: r.error });
        expect(strip(run(bytes, cuts))).toEqual(strip(whole));
        expect(strip(run(bytes, 1))).toEqual(strip(whole));
      }),
      { numRuns: 400 },
    );
  });

  it('streams pieces that merge back into exactly the non-streamed events, with the same error', () => {
    fc.assert(
      fc.property(streamArbitrary, splitsArbitrary, (bytes, cuts) => {
        const whole = feed(new MessageDecoder(), [bytes]);
        const streamed = feed(new MessageDecoder({ streamMessages: true }), chop(bytes, cuts));
        expect(plain(mergeStreamed(streamed.items))).toEqual(plain(whole.items));
        expect(errorSummary(streamed.error)).toEqual(errorSummary(whole.error));
      }),
      { numRuns: 400 },
    );
  });

  it('decodes what encodeMessage encodes, for any data, fragmentation and masking', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.uint8Array({ maxLength: 600 })),
        fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
        fc.boolean(),
        splitsArbitrary,
        (data, maxFrameLength, mask, cuts) => {
          const bytes = encodeMessage(data, { maxFrameLength, mask });
          const events = feed(new MessageDecoder({ role: mask ? 'server' : 'client' }), chop(bytes, cuts));
          expect(events.error).toBeUndefined();
          expect(plain(events.items)).toEqual(plain([typeof data === 'string' ? { type: 'text', data } : { type: 'binary', data }]));
        },
      ),
      { numRuns: 300 },
    );
  });
});

// Random limits around random message sizes: the budget (maxBufferedBytes) and maxMessageLength
// decide from the frame headers, so the verdict (events, or the error with its close code and
// offset) is the same for one chunk, any chunking and 1-byte chunks, extension and views
// included. Pieces are copied so that long ones may be kept as views (see _growing-buffer.ts).
const identity: MessageExtension = { name: 'x-identity', rsv: { rsv1: true }, decodeMessage: (payload) => payload };
const budgetCaseArbitrary = fc.record({
  messages: fc.array(
    fc.record({
      text: fc.boolean(),
      length: fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 2000, max: 4500 })),
      cuts: fc.array(fc.nat({ max: 4500 }), { maxLength: 3 }),
      rsv1: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  masked: fc.boolean(),
  maxMessageLength: fc.oneof(fc.nat({ max: 5000 }), fc.constant(Number.POSITIVE_INFINITY)),
  maxBufferedBytes: fc.oneof(fc.nat({ max: 5000 }), fc.constant(Number.POSITIVE_INFINITY)),
  streamMessages: fc.boolean(),
  cuts: fc.array(fc.nat({ max: 15_000 }), { maxLength: 8 }).map((cuts) => [...cuts].sort((a, b) => a - b)),
}).map((c) => {
  const random = countingRandom();
  const parts: Uint8Array[] = [];
  for (const message of c.messages) {
    const payload = message.text ? utf8('a\u00e9'.repeat(message.length).slice(0, message.length)) : patternBytes(message.length);
    const cuts = [...new Set(message.cuts.filter((cut) => cut > 0 && cut < payload.length))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, payload.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      parts.push(encodeFrame({
        opcode: i === 0 ? (message.text ? 0x1 : 0x2) : 0x0, fin: i + 2 === bounds.length, rsv1: i === 0 && message.rsv1,
        payload: payload.subarray(bounds[i], bounds[i + 1]), maskingKey: c.masked ? random(new Uint8Array(4)) : undefined,
      }));
    }
  }
  const options: MessageDecoderOptions = {
    maxMessageLength: c.maxMessageLength, maxBufferedBytes: c.maxBufferedBytes, streamMessages: c.streamMessages, extensions: [identity],
  };
  return { bytes: concat(...parts), options, cuts: c.cuts };
});

describe('MessageDecoder limits', () => {
  it('give the same verdict for one chunk, random chunks and 1-byte chunks, whatever the limits (property)', () => {
    const verdict = (bytes: Uint8Array, how: Chop, options: MessageDecoderOptions) => {
      const result = feed(new MessageDecoder(options), chop(bytes, how).map((piece) => piece.slice()));
      const events = options.streamMessages === true ? mergeStreamed(result.items) : result.items;
      return { events: plain(events), error: errorSummary(result.error) };
    };
    fc.assert(
      fc.property(budgetCaseArbitrary, ({ bytes, options, cuts }) => {
        const whole = verdict(bytes, 'whole', options);
        expect(verdict(bytes, cuts, options)).toEqual(whole);
        expect(verdict(bytes, 1, options)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('fails a buffered message over the budget at its frame header, however it is chunked', () => {
    // 4 fragments of 500 bytes: the third header makes 1500 > 1300 - 256.
    const payload = patternBytes(2000);
    const bytes = concat(...[0, 1, 2, 3].map((i) => frame(i === 0 ? 0x2 : 0x0, payload.subarray(i * 500, i * 500 + 500), { fin: i === 3, masked: true })));
    const thirdHeader = 2 * (6 + 2 + 500);
    for (const how of ['whole', 1, 7, 600, [thirdHeader + 1]] as Chop[]) {
      const result = run(bytes, how, { role: 'server', maxBufferedBytes: 1300 });
      expect(result.events).toEqual([]);
      expect(result.error).toEqual({ closeCode: 1009, code: 'BUFFER_LIMIT_EXCEEDED', offset: thirdHeader + 1 });
    }
    // Streamed without an extension, nothing is buffered and the budget does not apply.
    expect(run(bytes, 600, { role: 'server', maxBufferedBytes: 1300, streamMessages: true }).error).toBeUndefined();
  });

  it('keeps within the budget a message in many large pieces that would each be kept as a view', () => {
    // Views cost bookkeeping each; past the budget they are copied into one buffer instead.
    const payload = patternBytes(40_000);
    const bytes = frame(0x2, payload, { rsv1: true });
    const budget = payload.length + 256;
    const decoder = new MessageDecoder({ maxBufferedBytes: budget, extensions: [identity] });
    const header = bytes.length - payload.length;
    decoder.push(bytes.slice(0, header + 2048));
    for (let at = header + 2048; at < bytes.length; at += 2048) decoder.push(bytes.slice(at, Math.min(bytes.length, at + 2048)));
    const [event] = decoder;
    expect(event.type === 'binary' && Array.from(event.data)).toEqual(Array.from(payload));
  });
});

/** Messages as `visit` shows them (copied out during each call) and the error, pushing each piece. */
function visitAll(bytes: Uint8Array, how: Chop, options?: MessageDecoderOptions, skipVisits = 0) {
  const decoder = new MessageDecoder(options);
  const events: MessageEvent[] = [];
  let error: ProtocolError | undefined;
  const pieces = chop(bytes, how);
  try {
    pieces.forEach((piece, i) => {
      // A violation in bytes not visited yet: visit shows what came before it, then throws it.
      const failed = !pushes(decoder, piece);
      if (!failed && i < skipVisits && i + 1 < pieces.length) return; // left for the next push to queue
      decoder.visit((view: MessageView) => {
        if (view.type === 'close') events.push({ type: 'close', code: view.code, reason: view.reason });
        else if (view.type === 'text') events.push({ type: 'text', data: view.text() });
        else events.push({ type: view.type, data: view.bytes.slice(view.start, view.end) });
      });
    });
  } catch (caught) {
    if (!(caught instanceof ProtocolError)) throw caught;
    error = caught;
  }
  return { events: plain(events), error: errorSummary(error) };
}

describe('MessageDecoder.visit', () => {
  it('shows the same messages and the same error as iteration, for any chunking and mix of visits', () => {
    fc.assert(
      fc.property(streamArbitrary, splitsArbitrary, fc.nat({ max: 4 }), (bytes, cuts, skip) => {
        const whole = run(bytes, 'whole');
        const expected = { events: whole.events, error: whole.error };
        expect(visitAll(bytes, cuts, undefined, skip)).toEqual(expected);
        expect(visitAll(bytes, 1)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('fails with 1007 at the first impossible byte of a masked text message, as iteration does', () => {
    const bytes = concat(
      encodeFrame({ opcode: 0x1, payload: utf8('ok'), maskingKey: new Uint8Array([1, 2, 3, 4]) }),
      encodeFrame({ opcode: 0x1, payload: new Uint8Array([0x41, 0x42, 0xc0, 0xaf]), maskingKey: new Uint8Array([1, 2, 3, 4]) }),
    );
    expect(visitAll(bytes, 'whole', { role: 'server' })).toEqual({
      events: [{ type: 'text', data: 'ok' }],
      error: { closeCode: 1007, code: 'INVALID_UTF8', offset: 16 },
    });
    expect(run(bytes, 'whole', { role: 'server' }).error).toEqual({ closeCode: 1007, code: 'INVALID_UTF8', offset: 16 });
  });

  it('shows a masked message in one decoder-owned array, reused, and leaves the chunk as it was', () => {
    const key = new Uint8Array([1, 2, 3, 4]);
    const frame = encodeFrame({ opcode: 0x2, payload: patternBytes(300), maskingKey: key });
    const chunk = concat(frame, frame);
    const before = chunk.slice();
    const arrays: Uint8Array[] = [];
    new MessageDecoder({ role: 'server' }).push(chunk).visit((view) => {
      arrays.push(view.bytes);
      expectBytes(view.bytes.subarray(view.start, view.end), patternBytes(300));
    });
    expect(arrays.length).toBe(2);
    expect(arrays[0]).toBe(arrays[1]);
    expectBytes(chunk, before);
  });

  it('refuses streamMessages and a visitor that is not a function (TypeError)', () => {
    expect(() => new MessageDecoder({ streamMessages: true }).visit(() => {})).toThrow(TypeError);
    expect(() => new MessageDecoder().visit(null as unknown as () => void)).toThrow(TypeError);
  });
});

describe('MessageDecoder unmaskInPlace', () => {
  it('yields the same events and errors as copying, for any chunking, iterated or visited', () => {
    fc.assert(
      fc.property(streamArbitrary, splitsArbitrary, (bytes, cuts) => {
        const whole = run(bytes, 'whole');
        const expected = { events: whole.events, error: whole.error };
        const inPlace = run(bytes.slice(), cuts, { unmaskInPlace: true });
        expect({ events: inPlace.events, error: inPlace.error }).toEqual(expected);
        expect(visitAll(bytes.slice(), cuts, { unmaskInPlace: true })).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('hands out a masked binary message as a view of its chunk, unmasked there', () => {
    const chunk = encodeFrame({ opcode: 0x2, payload: patternBytes(5000), maskingKey: new Uint8Array([9, 8, 7, 6]) });
    const [event] = new MessageDecoder({ role: 'server', unmaskInPlace: true }).push(chunk);
    expect(event.type === 'binary' && event.data.buffer).toBe(chunk.buffer);
    expectBytes(chunk.subarray(8), patternBytes(5000));
  });
});
