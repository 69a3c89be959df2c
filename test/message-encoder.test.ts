import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameDecoder, decodeFrame, encodeClose, encodeFrame, encodeMessage, encodePing, encodePong, type DecodedFrame,
} from '../src/index.ts';
import { expectBytes, patternBytes } from './_bytes.ts';
import { countingRandom, hex } from './_streams.ts';

const frames = (bytes: Uint8Array): DecodedFrame[] => [...new FrameDecoder().push(bytes)];
const fixedKey = (key: number[]) => (bytes: Uint8Array) => (bytes.set(key), bytes);

describe('encodeMessage', () => {
  it('encodes the RFC 6455 §5.7 examples', () => {
    expect(hex(encodeMessage('Hello'))).toBe('81 05 48 65 6c 6c 6f');
    expect(hex(encodeMessage('Hello', { mask: true, random: fixedKey([0x37, 0xfa, 0x21, 0x3d]) })))
      .toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(hex(encodeMessage('Hello', { maxFrameLength: 3 }))).toBe('01 03 48 65 6c 80 02 6c 6f');
    expect(hex(encodeMessage(patternBytes(256)).subarray(0, 4))).toBe('82 7e 01 00');
    expect(hex(encodeMessage(patternBytes(65536)).subarray(0, 10))).toBe('82 7f 00 00 00 00 00 01 00 00');
  });

  it('encodes an empty message as one empty frame, fragmented or not', () => {
    expect(hex(encodeMessage(''))).toBe('81 00');
    expect(hex(encodeMessage(new Uint8Array(0), { maxFrameLength: 1 }))).toBe('82 00');
    expect(encodeMessage('', { mask: true }).length).toBe(6);
  });

  it('fragments into frames of at most maxFrameLength: opcode first, continuations after, FIN on the last', () => {
    const payload = patternBytes(1000);
    for (const maxFrameLength of [1, 125, 126, 999, 1000, 1001]) {
      const decoded = frames(encodeMessage(payload, { maxFrameLength }));
      expect(decoded.length).toBe(Math.ceil(1000 / maxFrameLength));
      decoded.forEach((frame, i) => {
        expect(frame.opcode).toBe(i === 0 ? 0x2 : 0x0);
        expect(frame.fin).toBe(i === decoded.length - 1);
        expect(frame.payload.length).toBeLessThanOrEqual(maxFrameLength);
      });
      const joined = new Uint8Array(decoded.flatMap((f) => Array.from(f.payload)));
      expectBytes(joined, payload);
    }
  });

  it('masks every frame with its own key from the random source, called once per frame', () => {
    const calls: number[] = [];
    const random = countingRandom(1);
    const spy = (bytes: Uint8Array) => (calls.push(bytes.length), random(bytes));
    const decoded = frames(encodeMessage('abcdefghij', { mask: true, maxFrameLength: 4, random: spy }));
    expect(calls).toEqual([4, 4, 4]);
    expect(decoded.map((f) => hex(f.maskingKey!))).toEqual(['01 02 03 04', '05 06 07 08', '09 0a 0b 0c']);
    expect(decoded.map((f) => new TextDecoder().decode(f.payload)).join('')).toBe('abcdefghij');
  });

  it('draws distinct masking keys from the platform by default', () => {
    const keys = frames(encodeMessage(patternBytes(200), { mask: true, maxFrameLength: 1 })).map((f) => hex(f.maskingKey!));
    expect(new Set(keys).size).toBe(200);
  });

  it('equals encodeFrame with the same key for every length 0..200 (fused loop and word path agree)', () => {
    const key = [0x12, 0x34, 0x56, 0x78];
    for (let length = 0; length <= 200; length++) {
      const payload = patternBytes(length, length + 1);
      expectBytes(
        encodeMessage(payload, { mask: true, random: fixedKey(key) }),
        encodeFrame({ opcode: 0x2, payload, maskingKey: new Uint8Array(key) }),
      );
    }
  });

  it('never mutates its input', () => {
    const payload = patternBytes(300);
    const before = payload.slice();
    encodeMessage(payload, { mask: true });
    encodeMessage(payload, { mask: true, maxFrameLength: 7 });
    encodeMessage(payload);
    expectBytes(payload, before);
  });

  it('replaces lone surrogates with U+FFFD, as WebSocket.send() does', () => {
    const [frame] = frames(encodeMessage('a\ud800b'));
    expect(hex(frame.payload)).toBe('61 ef bf bd 62');
  });

  it('refuses caller mistakes with TypeError and RangeError', () => {
    expect(() => encodeMessage(42 as unknown as string)).toThrow(TypeError);
    expect(() => encodeMessage('a', { mask: 'yes' as unknown as boolean })).toThrow(TypeError);
    for (const maxFrameLength of [0, -1, 1.5, Number.NaN]) {
      expect(() => encodeMessage('a', { maxFrameLength })).toThrow(RangeError);
    }
  });

  it('round-trips through decodeFrame for any payload, fragmentation and key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 500 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (payload, maxFrameLength, key) => {
        const bytes = encodeMessage(payload, { mask: true, maxFrameLength, random: fixedKey(Array.from(key)) });
        const parts: number[] = [];
        for (let at = 0; at < bytes.length;) {
          const result = decodeFrame(bytes.subarray(at), { role: 'server' })!;
          expect(hex(result.frame.maskingKey!)).toBe(hex(key));
          parts.push(...result.frame.payload);
          at += result.bytesRead;
        }
        expectBytes(new Uint8Array(parts), payload);
      }),
    );
  });
});

describe('control-frame builders', () => {
  it('encodePing and encodePong take bytes or a string of up to 125 bytes', () => {
    expect(hex(encodePing())).toBe('89 00');
    expect(hex(encodePing('Hello'))).toBe('89 05 48 65 6c 6c 6f');
    expect(hex(encodePong(new Uint8Array([1, 2])))).toBe('8a 02 01 02');
    expect(encodePing(new Uint8Array(125)).length).toBe(127);
    expect(hex(encodePong('Hello', { mask: true, random: fixedKey([0x37, 0xfa, 0x21, 0x3d]) })))
      .toBe('8a 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  it('refuse a ping or pong payload of 126 bytes with RangeError', () => {
    expect(() => encodePing(new Uint8Array(126))).toThrow(RangeError);
    expect(() => encodePong('x'.repeat(126))).toThrow(RangeError);
  });

  it('encodeClose builds the close payload and refuses unsendable codes and long reasons', () => {
    expect(hex(encodeClose(1000, 'bye'))).toBe('88 05 03 e8 62 79 65');
    expect(hex(encodeClose())).toBe('88 00');
    expect(encodeClose(4999, 'x'.repeat(123)).length).toBe(127);
    for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000]) expect(() => encodeClose(code)).toThrow(RangeError);
    expect(() => encodeClose(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => encodeClose(undefined, 'why')).toThrow(TypeError);
  });

  it('masks control frames when asked', () => {
    const [frame] = [...new FrameDecoder({ role: 'server' }).push(encodeClose(1001, '', { mask: true }))];
    expect(frame.maskingKey?.length).toBe(4);
    expect(hex(frame.payload)).toBe('03 e9');
  });
});
