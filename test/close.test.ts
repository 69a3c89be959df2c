import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeClosePayload, encodeClosePayload, isValidCloseCode } from '../src/wire/close.ts';
import { CloseCode } from '../src/base/constants.ts';
import { expectProtocolError } from './_bytes.ts';

const codeBytes = (code: number) => new Uint8Array([code >>> 8, code & 0xff]);

describe('isValidCloseCode', () => {
  it('accepts exactly 1000-1003, 1007-1014 and 3000-4999', () => {
    const valid: number[] = [];
    for (let code = 0; code <= 65535; code++) if (isValidCloseCode(code)) valid.push(code);
    const expected = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
    for (let code = 3000; code <= 4999; code++) expected.push(code);
    expect(valid).toEqual(expected);
  });

  it('rejects non-integers', () => {
    expect(isValidCloseCode(1000.5)).toBe(false);
    expect(isValidCloseCode(Number.NaN)).toBe(false);
  });
});

describe('encodeClosePayload', () => {
  it('writes the code big-endian followed by the UTF-8 reason', () => {
    expect(Array.from(encodeClosePayload(1000, 'bye'))).toEqual([0x03, 0xe8, 0x62, 0x79, 0x65]);
    expect(Array.from(encodeClosePayload(4999))).toEqual([0x13, 0x87]);
    expect(encodeClosePayload().length).toBe(0);
  });

  it('accepts a reason of exactly 123 bytes and rejects 124 with RangeError', () => {
    expect(encodeClosePayload(1000, 'a'.repeat(123)).length).toBe(125);
    expect(() => encodeClosePayload(1000, 'a'.repeat(124))).toThrow(RangeError);
    expect(() => encodeClosePayload(1000, 'é'.repeat(62))).toThrow(RangeError);
  });

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535, 1000.5])('rejects unsendable code %d with RangeError', (code) => {
    expect(() => encodeClosePayload(code)).toThrow(RangeError);
  });

  it('rejects a reason without a code and a reason with a lone surrogate with TypeError', () => {
    expect(() => encodeClosePayload(undefined, 'why')).toThrow(TypeError);
    expect(() => encodeClosePayload(1000, 'a\ud800b')).toThrow(TypeError);
    expect(() => encodeClosePayload(1000, '\udc00')).toThrow(TypeError);
    expect(encodeClosePayload(1000, '😀').length).toBe(6);
  });

  it('round-trips through decodeClosePayload for every sendable code and any short reason', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1000, max: 1003 }), fc.integer({ min: 1007, max: 1014 }), fc.integer({ min: 3000, max: 4999 })),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        (code, reason) => {
          expect(decodeClosePayload(encodeClosePayload(code, reason))).toEqual({ code, reason });
        },
      ),
    );
  });
});

describe('decodeClosePayload', () => {
  it('reads an empty payload as no code', () => {
    expect(decodeClosePayload(new Uint8Array(0))).toEqual({ code: undefined, reason: '' });
  });

  it('rejects a 1-byte payload with 1002 CLOSE_PAYLOAD_TOO_SHORT', () => {
    expectProtocolError(() => decodeClosePayload(new Uint8Array([0x03])), 1002, 'CLOSE_PAYLOAD_TOO_SHORT');
  });

  it('rejects a 126-byte payload with 1002 CONTROL_PAYLOAD_TOO_LONG', () => {
    const payload = new Uint8Array(126).fill(0x61);
    payload.set(codeBytes(1000));
    expectProtocolError(() => decodeClosePayload(payload), 1002, 'CONTROL_PAYLOAD_TOO_LONG');
  });

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])('rejects close code %d with 1002 INVALID_CLOSE_CODE', (code) => {
    const error = expectProtocolError(() => decodeClosePayload(codeBytes(code)), 1002, 'INVALID_CLOSE_CODE');
    expect(error.message).toContain(String(code));
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])('accepts close code %d', (code) => {
    expect(decodeClosePayload(codeBytes(code))).toEqual({ code, reason: '' });
  });

  it('rejects a reason that is not UTF-8 with 1007 INVALID_UTF8 and says where', () => {
    const error = expectProtocolError(
      () => decodeClosePayload(new Uint8Array([0x03, 0xe8, 0x61, 0xce, 0xba, 0xff])), 1007, 'INVALID_UTF8',
    );
    expect(error.offset).toBe(5);
    expectProtocolError(() => decodeClosePayload(new Uint8Array([0x03, 0xe8, 0xce])), 1007, 'INVALID_UTF8');
    expectProtocolError(() => decodeClosePayload(new Uint8Array([0x03, 0xe8, 0xed, 0xa0, 0x80])), 1007, 'INVALID_UTF8');
  });

  it('keeps a leading byte order mark in the reason', () => {
    expect(decodeClosePayload(new Uint8Array([0x03, 0xe8, 0xef, 0xbb, 0xbf, 0x78])).reason).toBe('\ufeffx');
  });

  it('CloseCode names the codes of RFC 6455 §7.4.1', () => {
    expect(CloseCode).toMatchObject({ NormalClosure: 1000, ProtocolError: 1002, NoStatusReceived: 1005, AbnormalClosure: 1006, InvalidFramePayloadData: 1007, MessageTooBig: 1009, TlsHandshake: 1015 });
  });
});
