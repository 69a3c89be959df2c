import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameDecoder, FrameStreamDecoder, ProtocolError, decodeFrame, encodeFrame, encodeHeader, type DecodeOptions,
  type DecodedFrame, type FrameEvent, type FrameView,
} from '../src/index.ts';
import { expectBytes, patternBytes } from './_bytes.ts';
import { chop, concat, pushes, errorSummary, feed, fromHex, type Chop } from './_streams.ts';
import { RFC6455_EXAMPLES, vectorBytes, vectorPayload } from './vectors/rfc6455.ts';

const MASKING_KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const HELLO = new TextEncoder().encode('Hello');

/** Frames with plain arrays, for deep equality. */
function plain(frames: readonly DecodedFrame[]) {
  return frames.map((f) => ({
    fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode,
    maskingKey: f.maskingKey && Array.from(f.maskingKey), payload: Array.from(f.payload), offset: f.offset,
  }));
}

function decodeAll(bytes: Uint8Array, how: Chop, options?: DecodeOptions) {
  const result = feed(new FrameDecoder(options), chop(bytes, how));
  return { frames: plain(result.items), error: errorSummary(result.error) };
}

/** The reference: decodeFrame applied again and again to the whole input. */
function decodeWithDecodeFrame(bytes: Uint8Array, options?: DecodeOptions) {
  const frames: DecodedFrame[] = [];
  let at = 0;
  try {
    for (;;) {
      const result = decodeFrame(bytes.subarray(at), options);
      if (result === undefined) break;
      frames.push({ ...result.frame, offset: at });
      at += result.bytesRead;
    }
  } catch (error) {
    const e = error as ProtocolError;
    return { frames: plain(frames), error: { code: e.code, closeCode: e.closeCode, offset: e.offset! + at } };
  }
  return { frames: plain(frames), error: undefined };
}

describe('FrameDecoder', () => {
  for (const vector of RFC6455_EXAMPLES) {
    it(`decodes the RFC 6455 §5.7 example: ${vector.name}`, () => {
      const [frame, ...rest] = new FrameDecoder().push(vectorBytes(vector));
      expect(rest).toEqual([]);
      expect(frame.fin).toBe(vector.frame.fin);
      expect(frame.opcode).toBe(vector.frame.opcode);
      expect(frame.maskingKey && Array.from(frame.maskingKey)).toEqual(vector.frame.maskingKey);
      expectBytes(frame.payload, vectorPayload(vector));
      expect(frame.offset).toBe(0);
    });
  }

  it('yields the RFC 6455 §5.7 examples back to back the same way for every chunking', () => {
    const stream = concat(...RFC6455_EXAMPLES.map(vectorBytes));
    const whole = decodeAll(stream, 'whole');
    expect(whole.frames.length).toBe(RFC6455_EXAMPLES.length);
    expect(whole).toEqual(decodeWithDecodeFrame(stream));
    for (const size of [1, 2, 3, 5, 7, 13, 64, 1000]) expect(decodeAll(stream, size)).toEqual(whole);
  });

  it('yields the same frames for every pair of split points of a small stream', () => {
    const stream = concat(
      encodeFrame({ opcode: 0x1, payload: HELLO, maskingKey: MASKING_KEY }),
      encodeFrame({ opcode: 0x9 }),
      encodeFrame({ opcode: 0x2, payload: patternBytes(130), fin: false }),
      encodeFrame({ opcode: 0x0, payload: HELLO }),
    );
    const whole = decodeAll(stream, 'whole');
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += 7) {
        expect(decodeAll(stream, [a, b])).toEqual(whole);
      }
    }
  });

  it('accepts empty chunks anywhere', () => {
    const stream = encodeFrame({ opcode: 0x1, payload: HELLO, maskingKey: MASKING_KEY });
    const decoder = new FrameDecoder();
    const frames: DecodedFrame[] = [];
    for (const byte of stream) {
      decoder.push(new Uint8Array(0)).push(new Uint8Array([byte])).push(new Uint8Array(0));
      frames.push(...decoder);
    }
    expect(plain(frames)).toEqual(decodeAll(stream, 'whole').frames);
  });

  it('returns itself from push and yields nothing before a frame is complete', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array([0x81, 0x05, 0x48]))).toBe(decoder);
    expect([...decoder]).toEqual([]);
    expect([...decoder.push(new Uint8Array([0x65, 0x6c, 0x6c, 0x6f]))].length).toBe(1);
    expect([...decoder]).toEqual([]);
  });

  it('gives an unmasked payload that lies inside one chunk as a view into that chunk', () => {
    const chunk = concat(new Uint8Array([0x82, 0x05]), HELLO);
    const [frame] = new FrameDecoder().push(chunk);
    expect(frame.payload.buffer).toBe(chunk.buffer);
    expect(frame.payload.byteOffset).toBe(2);
  });

  it('copies a masked payload, unmasking while copying, and leaves the pushed chunk untouched', () => {
    const chunk = encodeFrame({ opcode: 0x2, payload: patternBytes(300), maskingKey: MASKING_KEY });
    const before = chunk.slice();
    const [frame] = new FrameDecoder().push(chunk);
    expect(frame.payload.buffer).not.toBe(chunk.buffer);
    expectBytes(frame.payload, patternBytes(300));
    expectBytes(chunk, before);
    expect(Array.from(frame.maskingKey!)).toEqual(Array.from(MASKING_KEY));
  });

  it('copies a payload that spans chunks into one fresh array and leaves the chunks untouched', () => {
    for (const masked of [false, true]) {
      const payload = patternBytes(10_000, 7);
      const stream = encodeFrame({ opcode: 0x2, payload, maskingKey: masked ? MASKING_KEY : undefined });
      const pieces = chop(stream, [5, 3000, 3001, 7000]);
      const copies = pieces.map((p) => p.slice());
      const decoder = new FrameDecoder();
      for (const piece of pieces) decoder.push(piece);
      const [frame] = decoder;
      expectBytes(frame.payload, payload);
      expect(pieces.some((p) => p.buffer === frame.payload.buffer)).toBe(false);
      pieces.forEach((piece, i) => expectBytes(piece, copies[i]));
    }
  });

  it('unmasks in the pushed chunk itself with unmaskInPlace and gives a view', () => {
    const chunk = encodeFrame({ opcode: 0x1, payload: HELLO, maskingKey: MASKING_KEY });
    const [frame] = new FrameDecoder({ unmaskInPlace: true }).push(chunk);
    expect(frame.payload.buffer).toBe(chunk.buffer);
    expect(new TextDecoder().decode(frame.payload)).toBe('Hello');
    expect(new TextDecoder().decode(chunk.subarray(6))).toBe('Hello');
  });

  it('unmasks a payload that spans chunks in place with unmaskInPlace', () => {
    const payload = patternBytes(5000, 3);
    const stream = encodeFrame({ opcode: 0x2, payload, maskingKey: MASKING_KEY });
    const decoder = new FrameDecoder({ unmaskInPlace: true });
    for (const piece of chop(stream, 999)) decoder.push(piece);
    const [frame] = decoder;
    expectBytes(frame.payload, payload);
    expectBytes(stream.subarray(8), payload); // 2 + 2 length + 4 key
  });

  it('reports the stream offset of every frame', () => {
    const a = encodeFrame({ opcode: 0x1, payload: HELLO });
    const b = encodeFrame({ opcode: 0x2, payload: patternBytes(200), maskingKey: MASKING_KEY });
    const c = encodeFrame({ opcode: 0xa });
    const frames = [...new FrameDecoder().push(concat(a, b)).push(c)];
    expect(frames.map((f) => f.offset)).toEqual([0, a.length, a.length + b.length]);
  });

  it('checks a header as soon as it is complete, before any payload arrives', () => {
    // A ping announcing 200 bytes: only the 4 header bytes are pushed.
    const decoder = new FrameDecoder().push(new Uint8Array([0x89, 0x7e, 0x00, 0xc8]));
    expect(() => [...decoder]).toThrow(ProtocolError);
    const error = (() => { try { [...decoder]; } catch (e) { return e as ProtocolError; } })()!;
    expect({ closeCode: error.closeCode, code: error.code, offset: error.offset }).toEqual({ closeCode: 1002, code: 'CONTROL_PAYLOAD_TOO_LONG', offset: 1 });
  });

  it('fails with 1009 on a header declaring more than maxPayloadLength, before the payload', () => {
    const header = encodeHeader({ opcode: 0x2, payloadLength: 1025 });
    const result = feed(new FrameDecoder({ maxPayloadLength: 1024 }), [header]);
    expect(errorSummary(result.error)).toEqual({ closeCode: 1009, code: 'PAYLOAD_TOO_LARGE', offset: 1 });
  });

  it('allocates nothing from a declared length: a header announcing 2^52 bytes is accepted and waits', () => {
    const decoder = new FrameDecoder({ maxPayloadLength: Number.MAX_SAFE_INTEGER });
    decoder.push(encodeHeader({ opcode: 0x2, payloadLength: 2 ** 52 })).push(patternBytes(100));
    expect([...decoder]).toEqual([]);
  });

  it('yields every frame before a violation, then throws it, then throws the same error object forever', () => {
    const good = encodeFrame({ opcode: 0x1, payload: HELLO });
    const bad = new Uint8Array([0x83, 0x00]); // opcode 0x3 is reserved
    const decoder = new FrameDecoder().push(concat(good, good, bad, good));
    const seen: DecodedFrame[] = [];
    let first: unknown;
    try {
      for (const frame of decoder) seen.push(frame);
    } catch (error) {
      first = error;
    }
    expect(seen.length).toBe(2);
    expect(first).toBeInstanceOf(ProtocolError);
    expect(errorSummary(first as ProtocolError)).toEqual({ closeCode: 1002, code: 'RESERVED_OPCODE', offset: 14 });
    expect(() => [...decoder]).toThrow(first as Error);
    let again: unknown;
    try { decoder.push(good); } catch (error) { again = error; }
    expect(again).toBe(first);
    try { [...decoder]; } catch (error) { again = error; }
    expect(again).toBe(first);
  });

  it('counts error offsets from the first byte ever pushed, also for a header split over chunks', () => {
    const good = encodeFrame({ opcode: 0x2, payload: patternBytes(10) }); // 12 bytes
    // 0x82 0x7e 0x00 0x05: a 16-bit length holding 5 is not minimal.
    const bad = new Uint8Array([0x82, 0x7e, 0x00, 0x05]);
    for (const how of ['whole', 1, [13], [14], [15]] as Chop[]) {
      const result = decodeAll(concat(good, bad), how);
      expect(result.frames.length).toBe(1);
      expect(result.error).toEqual({ closeCode: 1002, code: 'NON_MINIMAL_LENGTH', offset: 13 });
    }
  });

  it('rejects a 64-bit length with the top bit set as soon as the length bytes arrive', () => {
    const result = decodeAll(fromHex('82 7f 80 00 00 00 00 00 00 00'), 1);
    expect(result.error).toEqual({ closeCode: 1002, code: 'LENGTH_MSB_SET', offset: 2 });
  });

  it('applies the role: a server requires masked frames, a client forbids them', () => {
    const unmasked = encodeFrame({ opcode: 0x1, payload: HELLO });
    const masked = encodeFrame({ opcode: 0x1, payload: HELLO, maskingKey: MASKING_KEY });
    expect(decodeAll(unmasked, 'whole', { role: 'server' }).error).toEqual({ closeCode: 1002, code: 'MASK_REQUIRED', offset: 1 });
    expect(decodeAll(masked, 'whole', { role: 'client' }).error).toEqual({ closeCode: 1002, code: 'MASK_FORBIDDEN', offset: 1 });
    expect(decodeAll(masked, 'whole', { role: 'server' }).error).toBeUndefined();
    expect(decodeAll(unmasked, 'whole', { role: 'client' }).error).toBeUndefined();
  });

  it('accepts exactly the RSV bits in allowedRsv', () => {
    const rsv1 = encodeFrame({ opcode: 0x1, payload: HELLO, rsv1: true });
    expect(decodeAll(rsv1, 'whole').error).toEqual({ closeCode: 1002, code: 'RESERVED_BITS', offset: 0 });
    const [frame] = decodeAll(rsv1, 'whole', { allowedRsv: { rsv1: true } }).frames;
    expect(frame.rsv1).toBe(true);
    const rsv2 = encodeFrame({ opcode: 0x1, payload: HELLO, rsv2: true });
    expect(decodeAll(rsv2, 'whole', { allowedRsv: { rsv1: true } }).error?.code).toBe('RESERVED_BITS');
  });

  it('throws TypeError when pushed something that is not a Uint8Array', () => {
    expect(() => new FrameDecoder().push([0x81, 0x00] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('throws for malformed options', () => {
    expect(() => new FrameDecoder({ role: 'proxy' as 'server' })).toThrow(TypeError);
    expect(() => new FrameDecoder({ maxPayloadLength: -1 })).toThrow(RangeError);
  });
});

describe('FrameStreamDecoder', () => {
  /** Summarises events: header fields, payload pieces joined, end markers. */
  function summarise(events: readonly FrameEvent[]) {
    const out: Array<{ opcode: number; fin: boolean; offset: number; payload: number[]; pieces: number }> = [];
    for (const event of events) {
      if (event.type === 'header') {
        out.push({ opcode: event.header.opcode, fin: event.header.fin, offset: event.offset, payload: [], pieces: 0 });
      } else if (event.type === 'payload') {
        const current = out[out.length - 1];
        expect(event.payloadOffset).toBe(current.payload.length);
        expect(event.data.length).toBeGreaterThan(0);
        current.payload.push(...event.data);
        current.pieces++;
      }
    }
    return out;
  }

  it('yields the header, then payload pieces as they arrive, then the end', () => {
    const payload = patternBytes(1000);
    const stream = encodeFrame({ opcode: 0x2, payload, maskingKey: MASKING_KEY });
    const decoder = new FrameStreamDecoder({ role: 'server' });
    const first = [...decoder.push(stream.subarray(0, 10))]; // 8 header bytes and 2 of payload
    expect(first.map((e) => e.type)).toEqual(['header', 'payload']);
    expect(first[0].type === 'header' && first[0].header.payloadLength).toBe(1000);
    expect([...decoder.push(stream.subarray(10, 500))].map((e) => e.type)).toEqual(['payload']);
    expect([...decoder.push(stream.subarray(500))].map((e) => e.type)).toEqual(['payload', 'end']);
  });

  it('gives header and end only for an empty payload', () => {
    expect([...new FrameStreamDecoder().push(new Uint8Array([0x89, 0x00]))].map((e) => e.type)).toEqual(['header', 'end']);
    const split = new FrameStreamDecoder().push(new Uint8Array([0x89])).push(new Uint8Array([0x80, 1, 2, 3, 4]));
    expect([...split].map((e) => e.type)).toEqual(['header', 'end']);
  });

  it('gives unmasked pieces as views when the frame is not masked and as copies when it is', () => {
    const unmaskedChunk = encodeFrame({ opcode: 0x2, payload: patternBytes(50) });
    const events = [...new FrameStreamDecoder().push(unmaskedChunk)];
    const piece = events.find((e) => e.type === 'payload');
    expect(piece?.type === 'payload' && piece.data.buffer).toBe(unmaskedChunk.buffer);
    const maskedChunk = encodeFrame({ opcode: 0x2, payload: patternBytes(50), maskingKey: MASKING_KEY });
    const before = maskedChunk.slice();
    const masked = [...new FrameStreamDecoder().push(maskedChunk.subarray(0, 20)).push(maskedChunk.subarray(20))];
    const pieces = masked.flatMap((e) => (e.type === 'payload' ? [e.data] : []));
    expect(pieces.length).toBe(2);
    expect(pieces.every((p) => p.buffer !== maskedChunk.buffer)).toBe(true);
    expectBytes(concat(...pieces), patternBytes(50));
    expectBytes(maskedChunk, before);
  });

  it('unmasks pieces inside the pushed chunks with unmaskInPlace', () => {
    const chunk = encodeFrame({ opcode: 0x2, payload: patternBytes(300), maskingKey: MASKING_KEY });
    const decoder = new FrameStreamDecoder({ unmaskInPlace: true });
    const events = [...decoder.push(chunk.subarray(0, 100)), ...decoder.push(chunk.subarray(100))];
    const pieces = events.flatMap((e) => (e.type === 'payload' ? [e.data] : []));
    expect(pieces.every((p) => p.buffer === chunk.buffer)).toBe(true);
    expectBytes(concat(...pieces), patternBytes(300));
  });

  it('fails like FrameDecoder, after the events before the violation', () => {
    const stream = concat(encodeFrame({ opcode: 0x1, payload: HELLO }), new Uint8Array([0x8b, 0x00]));
    const result = feed(new FrameStreamDecoder(), [stream]);
    expect(result.items.map((e) => e.type)).toEqual(['header', 'payload', 'end']);
    expect(errorSummary(result.error)).toEqual({ closeCode: 1002, code: 'RESERVED_OPCODE', offset: 7 });
  });
});

// Arbitrary valid frames (payloads up to 300 bytes, so all three length encodings appear).
const frameArbitrary = fc.record({
  opcode: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa),
  fin: fc.boolean(),
  rsv1: fc.boolean(),
  payload: fc.uint8Array({ maxLength: 300 }),
  masked: fc.boolean(),
  maskingKey: fc.uint8Array({ minLength: 4, maxLength: 4 }),
}).map(({ opcode, fin, rsv1, payload, masked, maskingKey }) => {
  const control = opcode >= 0x8;
  return encodeFrame({
    opcode, fin: control ? true : fin, rsv1, payload: control ? payload.subarray(0, 125) : payload,
    maskingKey: masked ? maskingKey : undefined,
  });
});
const splitsArbitrary = fc.array(fc.nat({ max: 5000 }), { maxLength: 12 }).map((cuts) => [...cuts].sort((a, b) => a - b));

describe('FrameDecoder properties', () => {
  it('yields the same frames as decodeFrame for any stream of valid frames and any chunking', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 12 }), splitsArbitrary, (frames, cuts) => {
        const stream = concat(...frames);
        const options = { allowedRsv: { rsv1: true } };
        const reference = decodeWithDecodeFrame(stream, options);
        expect(reference.frames.length).toBe(frames.length);
        expect(decodeAll(stream, cuts, options)).toEqual(reference);
        expect(decodeAll(stream, 1, options)).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same frames or the same error for any bytes and any chunking', () => {
    const bytesArbitrary = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(frameArbitrary, { maxLength: 6 }).chain((frames) =>
        fc.tuple(fc.nat({ max: 2000 }), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
          const stream = concat(...frames);
          if (stream.length > 0) stream[at % stream.length] = value; // corrupt one byte
          return stream;
        })),
    );
    fc.assert(
      fc.property(bytesArbitrary, splitsArbitrary, fc.constantFrom<'server' | 'client' | undefined>('server', 'client', undefined), (stream, cuts, role) => {
        const options = { role, maxPayloadLength: 1000 };
        const whole = decodeAll(stream, 'whole', options);
        expect(whole).toEqual(decodeWithDecodeFrame(stream, options));
        expect(decodeAll(stream, cuts, options)).toEqual(whole);
        expect(decodeAll(stream, 1, options)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('streams pieces whose concatenation is exactly what FrameDecoder yields', () => {
    fc.assert(
      fc.property(fc.array(frameArbitrary, { maxLength: 8 }), splitsArbitrary, (frames, cuts) => {
        const stream = concat(...frames);
        const options = { allowedRsv: { rsv1: true } };
        const expected = decodeAll(stream, 'whole', options).frames;
        const decoder = new FrameStreamDecoder(options);
        const events: FrameEvent[] = [];
        for (const piece of chop(stream, cuts)) events.push(...decoder.push(piece));
        const rebuilt: number[][] = [];
        let ends = 0;
        for (const event of events) {
          if (event.type === 'header') rebuilt.push([]);
          else if (event.type === 'payload') rebuilt[rebuilt.length - 1].push(...event.data);
          else ends++;
        }
        expect(ends).toBe(expected.length);
        expect(rebuilt).toEqual(expected.map((f) => f.payload));
      }),
      { numRuns: 300 },
    );
  });
});

/** Frames as `visit` shows them (copied out during each call), or the error, pushing each piece. */
function visitAll(bytes: Uint8Array, how: Chop, options?: DecodeOptions & { unmaskInPlace?: boolean }, skipVisits = 0) {
  const decoder = new FrameDecoder(options);
  const frames: ReturnType<typeof plain> = [];
  let error: ProtocolError | undefined;
  const pieces = chop(bytes, how);
  try {
    pieces.forEach((piece, i) => {
      // A violation in bytes not visited yet: visit shows what came before it, then throws it.
      const failed = !pushes(decoder, piece);
      // Some pushes are not visited: the next push decodes them into the queue, visit drains it.
      if (!failed && i < skipVisits && i + 1 < pieces.length) return;
      decoder.visit((view: FrameView) => {
        frames.push({
          fin: view.fin, rsv1: view.rsv1, rsv2: view.rsv2, rsv3: view.rsv3, opcode: view.opcode,
          maskingKey: undefined, payload: Array.from(view.bytes.subarray(view.start, view.end)), offset: view.offset,
        });
      });
    });
  } catch (caught) {
    if (!(caught instanceof ProtocolError)) throw caught;
    error = caught;
  }
  return { frames, error: errorSummary(error) };
}

const withoutKeys = (result: ReturnType<typeof decodeAll>) => ({ ...result, frames: result.frames.map((f) => ({ ...f, maskingKey: undefined })) });

describe('FrameDecoder.visit', () => {
  it('shows the same frames and the same error as iteration, for any bytes, chunking and mix of visits', () => {
    const bytesArbitrary = fc.array(frameArbitrary, { maxLength: 6 }).chain((frames) =>
      fc.tuple(fc.nat({ max: 2000 }), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([at, value, corrupt]) => {
        const stream = concat(...frames);
        if (corrupt && stream.length > 0) stream[at % stream.length] = value;
        return stream;
      }));
    fc.assert(
      fc.property(bytesArbitrary, splitsArbitrary, fc.nat({ max: 4 }), fc.boolean(), (stream, cuts, skip, inPlace) => {
        const options = { maxPayloadLength: 1000, allowedRsv: { rsv1: true } };
        const expected = withoutKeys(decodeAll(stream, 'whole', options));
        expect(visitAll(stream.slice(), cuts, { ...options, unmaskInPlace: inPlace }, skip)).toEqual(expected);
        expect(visitAll(stream.slice(), 1, options)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('shows an unmasked payload in the pushed chunk, a masked one in its own array, leaving the chunk as it was', () => {
    const unmasked = encodeFrame({ opcode: 0x2, payload: patternBytes(200) });
    let shown: Uint8Array | undefined;
    new FrameDecoder().push(unmasked).visit((view) => { shown = view.bytes; });
    expect(shown).toBe(unmasked);
    const masked = encodeFrame({ opcode: 0x2, payload: patternBytes(200), maskingKey: MASKING_KEY });
    const before = masked.slice();
    const arrays: Uint8Array[] = [];
    const decoder = new FrameDecoder().push(concat(masked, masked));
    decoder.visit((view) => {
      arrays.push(view.bytes);
      expectBytes(view.bytes.subarray(view.start, view.end), patternBytes(200));
    });
    expect(arrays.length).toBe(2);
    expect(arrays[0]).toBe(arrays[1]); // one decoder-owned array, reused
    expect(arrays[0].buffer).not.toBe(masked.buffer);
    expectBytes(masked, before);
    const inPlace = masked.slice();
    new FrameDecoder({ unmaskInPlace: true }).push(inPlace).visit((view) => { shown = view.bytes; });
    expect(shown).toBe(inPlace);
    expectBytes(inPlace.subarray(8), patternBytes(200));
  });

  it('fails the decoder with the error a visitor throws, and keeps throwing it', () => {
    const decoder = new FrameDecoder().push(concat(encodeFrame({ opcode: 0x1, payload: HELLO }), encodeFrame({ opcode: 0x1, payload: HELLO })));
    const mine = new Error('stop');
    let calls = 0;
    expect(() => decoder.visit(() => { calls++; throw mine; })).toThrow(mine);
    expect(calls).toBe(1);
    expect(() => [...decoder]).toThrow(mine);
    expect(() => decoder.push(HELLO)).toThrow(mine);
    expect(() => decoder.visit(() => {})).toThrow(mine);
  });

  it('throws TypeError for a visitor that is not a function', () => {
    expect(() => new FrameDecoder().visit(undefined as unknown as () => void)).toThrow(TypeError);
  });
});

describe('FrameDecoder small copies', () => {
  it('carves small masked payloads and keys from one block per decoder, each a separate, correct copy', () => {
    const frames = Array.from({ length: 40 }, (_, i) => encodeFrame({ opcode: 0x2, payload: patternBytes(i * 7), maskingKey: MASKING_KEY }));
    const a = [...new FrameDecoder().push(concat(...frames))];
    const b = [...new FrameDecoder().push(concat(...frames))];
    a.forEach((frame, i) => expectBytes(frame.payload, patternBytes(i * 7)));
    a[5].payload.fill(0xff); // writing one copy touches no other
    a.forEach((frame, i) => { if (i !== 5) expectBytes(frame.payload, patternBytes(i * 7)); });
    expect(a[1].payload.buffer).toBe(a[2].payload.buffer);
    expect(a[1].maskingKey!.buffer).toBe(a[1].payload.buffer);
    expect(a[1].payload.buffer).not.toBe(b[1].payload.buffer); // never shared between decoders
    const large = [...new FrameDecoder().push(encodeFrame({ opcode: 0x2, payload: patternBytes(300), maskingKey: MASKING_KEY }))][0];
    expect(large.payload.byteLength).toBe(large.payload.buffer.byteLength);
  });
});
