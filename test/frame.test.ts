import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, encodeFrameInto, encodedFrameLength, type Frame } from '../src/wire/frame.ts';
import { encodeHeader } from '../src/wire/header.ts';
import { applyMaskReference } from '../src/bytes/mask.ts';
import { ProtocolError } from '../src/base/errors.ts';
import { expectBytes, expectProtocolError, patternBytes } from './_bytes.ts';
import { RFC6455_EXAMPLES, fromHex, hex, vectorBytes, vectorPayload } from './vectors/rfc6455.ts';

describe('RFC 6455 §5.7 examples', () => {
  for (const vector of RFC6455_EXAMPLES) {
    it(`decodeFrame reads ${vector.name}`, () => {
      const bytes = vectorBytes(vector);
      const result = decodeFrame(bytes);
      expect(result).toBeDefined();
      const { frame, bytesRead } = result!;
      expect(bytesRead).toBe(bytes.length);
      expect(frame.fin).toBe(vector.frame.fin);
      expect(frame.opcode).toBe(vector.frame.opcode);
      expect(frame.rsv1 || frame.rsv2 || frame.rsv3).toBe(false);
      expect(frame.maskingKey && Array.from(frame.maskingKey)).toEqual(vector.frame.maskingKey);
      expectBytes(frame.payload, vectorPayload(vector));
    });

    it(`encodeFrame writes ${vector.name} byte for byte`, () => {
      const encoded = encodeFrame({
        opcode: vector.frame.opcode,
        fin: vector.frame.fin,
        payload: vectorPayload(vector),
        maskingKey: vector.frame.maskingKey && new Uint8Array(vector.frame.maskingKey),
      });
      expect(hex(encoded)).toBe(hex(vectorBytes(vector)));
    });
  }
});

const PAYLOAD_SOURCE = patternBytes(65537 + 256, 7);
const SIZES = [0, 1, 124, 125, 126, 127, 128, 65534, 65535, 65536, 65537];

const frameArbitrary = fc.record({
  opcode: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa),
  fin: fc.boolean(),
  rsv1: fc.boolean(),
  rsv2: fc.boolean(),
  rsv3: fc.boolean(),
  maskingKey: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
  size: fc.constantFrom(...SIZES),
  seed: fc.integer({ min: 0, max: 255 }),
}).map(({ size, seed, ...rest }) => {
  const control = rest.opcode >= 0x8;
  const length = control ? Math.min(size, 125) : size;
  const payload = PAYLOAD_SOURCE.slice(seed, seed + length);
  return { ...rest, fin: control ? true : rest.fin, payload };
});

const ALL_RSV = { rsv1: true, rsv2: true, rsv3: true };

describe('encodeFrame and decodeFrame', () => {
  it('decodeFrame undoes encodeFrame for every opcode, flag, masking and boundary length', () => {
    fc.assert(
      fc.property(frameArbitrary, (init) => {
        const bytes = encodeFrame(init);
        const role = init.maskingKey === undefined ? 'client' : 'server';
        const result = decodeFrame(bytes, { role, allowedRsv: ALL_RSV });
        expect(result?.bytesRead).toBe(bytes.length);
        const frame = result!.frame;
        expect({ ...frame, payload: undefined }).toEqual({
          fin: init.fin, rsv1: init.rsv1, rsv2: init.rsv2, rsv3: init.rsv3, opcode: init.opcode,
          maskingKey: init.maskingKey, payload: undefined,
        } satisfies Omit<Frame, 'payload'> & { payload: undefined });
        expectBytes(frame.payload, init.payload);
      }),
      { numRuns: 300 },
    );
  });

  it('any byte string that decodes re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (bytes) => {
        let result;
        try {
          result = decodeFrame(bytes, { allowedRsv: ALL_RSV });
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          return;
        }
        if (result === undefined) return;
        const again = encodeFrame(result.frame);
        expectBytes(again, bytes.subarray(0, result.bytesRead));
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation of a valid frame decodes to undefined', () => {
    fc.assert(
      fc.property(frameArbitrary, (init) => {
        const bytes = encodeFrame(init);
        // Every cut of a short frame; around the header and the end of a long one.
        const cuts = bytes.length <= 300
          ? Array.from({ length: bytes.length }, (_, i) => i)
          : [...Array.from({ length: 20 }, (_, i) => i), bytes.length - 2, bytes.length - 1];
        for (const cut of cuts) {
          expect(decodeFrame(bytes.subarray(0, cut), { allowedRsv: ALL_RSV })).toBeUndefined();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('encodeFrame never mutates the payload or the masking key', () => {
    fc.assert(
      fc.property(frameArbitrary, (init) => {
        const payloadBefore = init.payload.slice();
        const keyBefore = init.maskingKey?.slice();
        encodeFrame(init);
        expectBytes(init.payload, payloadBefore);
        if (keyBefore !== undefined) expectBytes(init.maskingKey, keyBefore);
      }),
      { numRuns: 200 },
    );
  });

  it('decodeFrame never mutates its input and returns a view for unmasked payloads', () => {
    const masked = fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const before = masked.slice();
    const { frame } = decodeFrame(masked)!;
    expect(masked).toEqual(before);
    expect(frame.payload.buffer).not.toBe(masked.buffer);

    const unmasked = fromHex('81 05 48 65 6c 6c 6f');
    const view = decodeFrame(unmasked)!.frame.payload;
    expect(view.buffer).toBe(unmasked.buffer);
    expect(view.byteOffset).toBe(2);
  });

  it('decodeFrame reads only the first frame and reports how many bytes it took', () => {
    const two = fromHex('81 02 68 69 89 00');
    const first = decodeFrame(two)!;
    expect(first.bytesRead).toBe(4);
    const second = decodeFrame(two.subarray(first.bytesRead))!;
    expect(second.frame.opcode).toBe(0x9);
    expect(second.bytesRead).toBe(2);
  });

  it('decodeFrame accepts masked and unmasked frames when no role is given', () => {
    expect(decodeFrame(fromHex('81 00'))?.frame.maskingKey).toBeUndefined();
    expect(decodeFrame(fromHex('81 80 01 02 03 04'))?.frame.maskingKey).toEqual(new Uint8Array([1, 2, 3, 4]));
  });
});

describe('decodeFrame rejections', () => {
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    it(`rejects reserved opcode 0x${opcode.toString(16)} with 1002 RESERVED_OPCODE`, () => {
      const error = expectProtocolError(() => decodeFrame(new Uint8Array([0x80 | opcode, 0x00])), 1002, 'RESERVED_OPCODE');
      expect(error.message).toContain(`0x${opcode.toString(16)}`);
      expect(error.offset).toBe(0);
    });
  }

  for (const [name, byte] of [['RSV1', 0x40], ['RSV2', 0x20], ['RSV3', 0x10]] as const) {
    it(`rejects ${name} with 1002 RESERVED_BITS when no extension allows it`, () => {
      const error = expectProtocolError(() => decodeFrame(new Uint8Array([0x81 | byte, 0x00])), 1002, 'RESERVED_BITS');
      expect(error.message).toContain(name);
    });
  }

  it('accepts exactly the RSV bits an extension owns', () => {
    expect(decodeFrame(new Uint8Array([0xc1, 0x00]), { allowedRsv: { rsv1: true } })?.frame.rsv1).toBe(true);
    expectProtocolError(() => decodeFrame(new Uint8Array([0xe1, 0x00]), { allowedRsv: { rsv1: true } }), 1002, 'RESERVED_BITS');
  });

  for (const opcode of [0x8, 0x9, 0xa]) {
    it(`rejects a control frame 0x${opcode.toString(16)} with FIN clear with 1002 CONTROL_FRAME_FRAGMENTED`, () => {
      expectProtocolError(() => decodeFrame(new Uint8Array([opcode, 0x00])), 1002, 'CONTROL_FRAME_FRAGMENTED');
    });

    it(`rejects a control frame 0x${opcode.toString(16)} with a 126-byte payload with 1002 CONTROL_PAYLOAD_TOO_LONG`, () => {
      // Rejected from the header alone, before the payload arrives.
      expectProtocolError(() => decodeFrame(new Uint8Array([0x80 | opcode, 0x7e, 0x00, 0x7e])), 1002, 'CONTROL_PAYLOAD_TOO_LONG');
    });
  }

  it('accepts a control frame with a 125-byte payload', () => {
    const bytes = new Uint8Array(127);
    bytes.set([0x89, 0x7d]);
    expect(decodeFrame(bytes)?.frame.payload.length).toBe(125);
  });

  it('rejects a 16-bit length under 126 with 1002 NON_MINIMAL_LENGTH', () => {
    expectProtocolError(() => decodeFrame(fromHex('82 7e 00 7d')), 1002, 'NON_MINIMAL_LENGTH');
    expectProtocolError(() => decodeFrame(fromHex('82 7e 00 00')), 1002, 'NON_MINIMAL_LENGTH');
    expect(decodeFrame(fromHex('82 7e 00 7e'))).toBeUndefined();
  });

  it('rejects a 64-bit length under 65536 with 1002 NON_MINIMAL_LENGTH', () => {
    expectProtocolError(() => decodeFrame(fromHex('82 7f 00 00 00 00 00 00 ff ff')), 1002, 'NON_MINIMAL_LENGTH');
    expectProtocolError(() => decodeFrame(fromHex('82 7f 00 00 00 00 00 00 00 05')), 1002, 'NON_MINIMAL_LENGTH');
    expect(decodeFrame(fromHex('82 7f 00 00 00 00 00 01 00 00'))).toBeUndefined();
  });

  it('rejects a 64-bit length with the top bit set with 1002 LENGTH_MSB_SET', () => {
    expectProtocolError(() => decodeFrame(fromHex('82 7f 80 00 00 00 00 00 00 00')), 1002, 'LENGTH_MSB_SET');
    expectProtocolError(() => decodeFrame(fromHex('82 7f ff ff ff ff ff ff ff ff')), 1002, 'LENGTH_MSB_SET');
  });

  it('rejects a length above 2^53-1 with 1009 LENGTH_UNSAFE', () => {
    expectProtocolError(() => decodeFrame(fromHex('82 7f 00 20 00 00 00 00 00 00')), 1009, 'LENGTH_UNSAFE');
    expectProtocolError(() => decodeFrame(fromHex('82 7f 7f ff ff ff ff ff ff ff')), 1009, 'LENGTH_UNSAFE');
  });

  it('accepts a header announcing exactly 2^53-1 bytes without allocating it', () => {
    const bytes = fromHex('82 7f 00 1f ff ff ff ff ff ff 00 01 02');
    expect(decodeFrame(bytes, { maxPayloadLength: Number.MAX_SAFE_INTEGER })).toBeUndefined();
  });

  it('rejects an unmasked frame for role server with 1002 MASK_REQUIRED', () => {
    expectProtocolError(() => decodeFrame(fromHex('81 05 48 65 6c 6c 6f'), { role: 'server' }), 1002, 'MASK_REQUIRED');
  });

  it('rejects a masked frame for role client with 1002 MASK_FORBIDDEN', () => {
    expectProtocolError(() => decodeFrame(fromHex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), { role: 'client' }), 1002, 'MASK_FORBIDDEN');
  });

  it('rejects a payload over maxPayloadLength with 1009 PAYLOAD_TOO_LARGE as soon as the header is read', () => {
    expectProtocolError(() => decodeFrame(fromHex('82 06'), { maxPayloadLength: 5 }), 1009, 'PAYLOAD_TOO_LARGE');
    expect(decodeFrame(fromHex('82 05 01 02 03 04 05'), { maxPayloadLength: 5 })?.frame.payload.length).toBe(5);
  });

  it('rejects a 64-bit length over the default maxPayloadLength of 64 MiB with 1009', () => {
    expectProtocolError(() => decodeFrame(fromHex('82 7f 00 00 00 00 04 00 00 01')), 1009, 'PAYLOAD_TOO_LARGE');
    expect(decodeFrame(fromHex('82 7f 00 00 00 00 04 00 00 00'))).toBeUndefined();
  });

  it('reports a reserved opcode before a masking violation', () => {
    expectProtocolError(() => decodeFrame(fromHex('83 00'), { role: 'server' }), 1002, 'RESERVED_OPCODE');
  });

  it('rejects invalid decode options as caller mistakes', () => {
    expect(() => decodeFrame(fromHex('81 00'), { role: 'proxy' as 'server' })).toThrow(TypeError);
    expect(() => decodeFrame(fromHex('81 00'), { maxPayloadLength: -1 })).toThrow(RangeError);
    expect(() => decodeFrame(fromHex('81 00'), { maxPayloadLength: 1.5 })).toThrow(RangeError);
  });
});

describe('encodeFrame fast path', () => {
  /** The plain definition: encodeHeader, then the payload masked by the byte-loop reference. */
  function encodeFrameReference(opcode: number, payload: Uint8Array, fin: boolean, rsv: number, maskingKey?: Uint8Array): Uint8Array {
    const header = encodeHeader({
      opcode, payloadLength: payload.length, fin, rsv1: (rsv & 4) !== 0, rsv2: (rsv & 2) !== 0, rsv3: (rsv & 1) !== 0, maskingKey,
    });
    const body = payload.slice();
    if (maskingKey !== undefined) applyMaskReference(body, maskingKey);
    const out = new Uint8Array(header.length + body.length);
    out.set(header);
    out.set(body, header.length);
    return out;
  }

  it('equals encodeHeader plus the reference mask for every length 0..200 and both length-encoding boundaries', () => {
    const key = new Uint8Array([0x01, 0x80, 0xfe, 0x5a]);
    const lengths = [...Array.from({ length: 201 }, (_, i) => i), 0xffff, 0x10000];
    for (const length of lengths) {
      const payload = patternBytes(length, length + 1);
      for (const maskingKey of [undefined, key]) {
        expectBytes(encodeFrame({ opcode: 0x2, payload, maskingKey }), encodeFrameReference(0x2, payload, true, 0, maskingKey));
      }
    }
  });

  it('equals the reference for random opcodes, flags, keys and payloads', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa), fc.boolean(), fc.integer({ min: 0, max: 7 }),
        fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }), fc.uint8Array({ maxLength: 300 }),
        (opcode, fin, rsv, maskingKey, data) => {
          const control = opcode >= 0x8;
          const payload = control ? data.subarray(0, 125) : data;
          const finBit = control || fin;
          const frame = encodeFrame({
            opcode, payload, fin: finBit, rsv1: (rsv & 4) !== 0, rsv2: (rsv & 2) !== 0, rsv3: (rsv & 1) !== 0, maskingKey,
          });
          expectBytes(frame, encodeFrameReference(opcode, payload, finBit, rsv, maskingKey));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('encodeFrame caller mistakes', () => {
  it('rejects a control payload over 125 bytes with RangeError', () => {
    expect(() => encodeFrame({ opcode: 0x9, payload: new Uint8Array(126) })).toThrow(RangeError);
    expect(encodeFrame({ opcode: 0x9, payload: new Uint8Array(125) }).length).toBe(127);
  });

  it('rejects a fragmented control frame with RangeError', () => {
    expect(() => encodeFrame({ opcode: 0x8, fin: false })).toThrow(RangeError);
  });

  it('rejects a masking key that is not 4 bytes with TypeError', () => {
    expect(() => encodeFrame({ opcode: 0x1, maskingKey: new Uint8Array(5) })).toThrow(TypeError);
    expect(() => encodeFrame({ opcode: 0x1, maskingKey: new Uint8Array(3) })).toThrow(TypeError);
  });

  it('rejects reserved and out-of-range opcodes with RangeError', () => {
    for (const opcode of [3, 7, 11, 15, 16, -1, 1.5]) {
      expect(() => encodeFrame({ opcode })).toThrow(RangeError);
    }
  });

  it('rejects a payload that is not a Uint8Array with TypeError', () => {
    expect(() => encodeFrame({ opcode: 0x1, payload: 'hi' as unknown as Uint8Array })).toThrow(TypeError);
  });

  it('writes an empty frame when no payload is given', () => {
    expect(hex(encodeFrame({ opcode: 0x8 }))).toBe('88 00');
    expect(hex(encodeFrame({ opcode: 0x2, fin: false, rsv1: true }))).toBe('42 00');
  });
});

describe('encodeFrameInto', () => {
  it('writes exactly what encodeFrame returns, at any offset, and returns its length', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa), fc.uint8Array({ maxLength: 70000 }).map((b) => b.subarray(0, b.length % 3 === 0 ? 125 : b.length)),
        fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }), fc.nat(20),
        (opcode, payload, maskingKey, offset) => {
          const frame = { opcode, payload: opcode >= 0x8 ? payload.subarray(0, 125) : payload, maskingKey };
          const expected = encodeFrame(frame);
          const target = new Uint8Array(offset + expected.length + 3).fill(0xee);
          expect(encodedFrameLength(frame)).toBe(expected.length);
          expect(encodeFrameInto(frame, target, offset)).toBe(expected.length);
          expect(Array.from(target.subarray(offset, offset + expected.length))).toEqual(Array.from(expected));
          expect(target.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
          expect(target.subarray(offset + expected.length).every((b) => b === 0xee)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a target without room (RangeError), that overlaps the payload (RangeError) or is not a Uint8Array (TypeError)', () => {
    const payload = new Uint8Array(10);
    expect(() => encodeFrameInto({ opcode: 0x2, payload }, new Uint8Array(11))).toThrow(RangeError);
    expect(() => encodeFrameInto({ opcode: 0x2, payload }, new Uint8Array(12), 1)).toThrow(RangeError);
    expect(encodeFrameInto({ opcode: 0x2, payload }, new Uint8Array(12))).toBe(12);
    const shared = new Uint8Array(40);
    expect(() => encodeFrameInto({ opcode: 0x2, payload: shared.subarray(0, 10) }, shared, 5)).toThrow(RangeError);
    expect(encodeFrameInto({ opcode: 0x2, payload: shared.subarray(0, 10) }, shared, 10)).toBe(12);
    expect(() => encodeFrameInto({ opcode: 0x2, payload }, [] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => encodeFrameInto({ opcode: 0x3 }, new Uint8Array(4))).toThrow(RangeError);
  });
});
