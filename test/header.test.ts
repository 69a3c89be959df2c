import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeHeader, encodeHeader, headerLengthFor, writeHeader } from '../src/wire/header.ts';
import { checkFrameHeader, opcodeName, resolveDecodeOptions } from '../src/wire/check.ts';
import { ProtocolError } from '../src/base/errors.ts';
import { DEFAULT_MAX_PAYLOAD_LENGTH } from '../src/base/constants.ts';
import { expectProtocolError } from './_bytes.ts';
import { fromHex, hex } from './vectors/rfc6455.ts';

describe('encodeHeader and decodeHeader', () => {
  it('encodeHeader writes the 7-, 16- and 64-bit forms at their boundaries', () => {
    const cases: [number, string][] = [
      [0, '82 00'],
      [125, '82 7d'],
      [126, '82 7e 00 7e'],
      [65535, '82 7e ff ff'],
      [65536, '82 7f 00 00 00 00 00 01 00 00'],
      [2 ** 32, '82 7f 00 00 00 01 00 00 00 00'],
      [2 ** 32 + 5, '82 7f 00 00 00 01 00 00 00 05'],
      [Number.MAX_SAFE_INTEGER, '82 7f 00 1f ff ff ff ff ff ff'],
    ];
    for (const [payloadLength, expected] of cases) {
      expect(hex(encodeHeader({ opcode: 0x2, payloadLength }))).toBe(expected);
      const header = decodeHeader(fromHex(expected));
      expect(header?.payloadLength).toBe(payloadLength);
      expect(header?.headerLength).toBe(expected.split(' ').length);
    }
  });

  it('decodeHeader round-trips every field for lengths up to 2^53-1', () => {
    fc.assert(
      fc.property(
        fc.record({
          opcode: fc.integer({ min: 0, max: 15 }),
          payloadLength: fc.oneof(
            fc.constantFrom(0, 125, 126, 127, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER),
            fc.maxSafeNat(),
          ),
          fin: fc.boolean(), rsv1: fc.boolean(), rsv2: fc.boolean(), rsv3: fc.boolean(),
          maskingKey: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
        }),
        (init) => {
          const bytes = encodeHeader(init);
          expect(bytes.length).toBe(headerLengthFor(init.payloadLength, init.maskingKey !== undefined));
          const header = decodeHeader(bytes)!;
          expect(header).toEqual({ ...init, masked: init.maskingKey !== undefined, headerLength: bytes.length });
          for (let cut = 0; cut < bytes.length; cut++) expect(decodeHeader(bytes.subarray(0, cut))).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodeHeader reads at an offset and copies the masking key', () => {
    const bytes = fromHex('ff ff 81 85 37 fa 21 3d');
    const header = decodeHeader(bytes, 2)!;
    expect(header.opcode).toBe(1);
    expect(Array.from(header.maskingKey!)).toEqual([0x37, 0xfa, 0x21, 0x3d]);
    bytes[4] = 0;
    expect(header.maskingKey![0]).toBe(0x37);
  });

  it('decodeHeader reports where a length violation is', () => {
    const error = expectProtocolError(() => decodeHeader(fromHex('00 00 82 7e 00 05'), 2), 1002, 'NON_MINIMAL_LENGTH');
    expect(error.offset).toBe(3);
    expect(error.message).toBe(
      'Cannot decode frame: payload length 5 must not use the 16-bit form (RFC 6455 §5.2 requires the minimal encoding)',
    );
  });

  it('decodeHeader rejects a non-minimal length before the masking key arrives', () => {
    expectProtocolError(() => decodeHeader(fromHex('82 fe 00 05')), 1002, 'NON_MINIMAL_LENGTH');
  });

  it('writeHeader writes into a larger buffer at an offset and returns the length', () => {
    const target = new Uint8Array(20);
    expect(writeHeader(target, 3, { opcode: 1, payloadLength: 300, maskingKey: new Uint8Array([1, 2, 3, 4]) })).toBe(8);
    expect(hex(target.subarray(3, 11))).toBe('81 fe 01 2c 01 02 03 04');
  });

  it('encodeHeader rejects impossible shapes as caller mistakes', () => {
    expect(() => encodeHeader({ opcode: 16, payloadLength: 0 })).toThrow(RangeError);
    expect(() => encodeHeader({ opcode: 1, payloadLength: -1 })).toThrow(RangeError);
    expect(() => encodeHeader({ opcode: 1, payloadLength: 2 ** 53 })).toThrow(RangeError);
    expect(() => encodeHeader({ opcode: 1, payloadLength: 0.5 })).toThrow(RangeError);
    expect(() => encodeHeader({ opcode: 1, payloadLength: 0, maskingKey: new Uint8Array(5) })).toThrow(TypeError);
  });

  it('encodeHeader writes reserved opcodes and RSV bits as given, for test vectors', () => {
    expect(hex(encodeHeader({ opcode: 0xb, payloadLength: 0, fin: false, rsv2: true, rsv3: true }))).toBe('3b 00');
  });
});

describe('checkFrameHeader', () => {
  const header = (bytes: string) => decodeHeader(fromHex(bytes))!;

  it('passes a valid client frame for role server and a valid server frame for role client', () => {
    expect(() => checkFrameHeader(header('81 85 00 00 00 00'), resolveDecodeOptions({ role: 'server' }))).not.toThrow();
    expect(() => checkFrameHeader(header('81 05'), resolveDecodeOptions({ role: 'client' }))).not.toThrow();
  });

  it('offsets its errors by the header position it is given', () => {
    const error = expectProtocolError(() => checkFrameHeader(header('83 00'), resolveDecodeOptions(), 40), 1002, 'RESERVED_OPCODE');
    expect(error.offset).toBe(40);
    expect(error.rfc).toBe('RFC 6455 §5.2');
  });

  it('names every set RSV bit in its message', () => {
    const error = expectProtocolError(() => checkFrameHeader(header('f1 00'), resolveDecodeOptions()), 1002, 'RESERVED_BITS');
    expect(error.message).toBe('Cannot decode frame: RSV1, RSV2, RSV3 set but no negotiated extension defines them');
  });

  it('resolveDecodeOptions applies the documented defaults', () => {
    expect(resolveDecodeOptions()).toEqual({ role: undefined, maxPayloadLength: DEFAULT_MAX_PAYLOAD_LENGTH, allowedRsvBits: 0 });
    expect(resolveDecodeOptions({ allowedRsv: { rsv1: true, rsv3: true } }).allowedRsvBits).toBe(0x50);
  });

  it('opcodeName names the six opcodes and shows reserved ones in hex', () => {
    expect([0, 1, 2, 8, 9, 10, 3, 15].map(opcodeName)).toEqual(
      ['continuation', 'text', 'binary', 'close', 'ping', 'pong', '0x3', '0xf'],
    );
  });

  it('throws only ProtocolError for any two header bytes', () => {
    for (let b0 = 0; b0 < 256; b0++) {
      for (const b1 of [0x00, 0x05, 0x7d, 0x80, 0xfd]) {
        const decoded = decodeHeader(new Uint8Array([b0, b1, 0, 0, 0, 0]))!;
        try {
          checkFrameHeader(decoded, resolveDecodeOptions({ role: 'server' }));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }
    }
  });
});
