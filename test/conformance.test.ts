/**
 * Runs the receiver conformance table (test/vectors/conformance-cases.ts) through MessageDecoder
 * as a server: each case with its own chopping, and small inputs also whole and in 1-byte
 * pieces, which must change nothing.
 */
import { describe, expect, it } from 'vitest';
import { MessageDecoder, type MessageEvent } from '../src/index.ts';
import { chop, feed, type Chop } from './_streams.ts';
import { CONFORMANCE_CASES, frame, type ExpectedEvent } from './vectors/conformance-cases.ts';

// Large payloads are compared by length and checksum: vitest's deep equality is slow on them.
const INLINE_LIMIT = 512;

function checksum(data: string | Uint8Array): number {
  let hash = 0x811c9dc5;
  if (typeof data === 'string') {
    for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 0x01000193);
  }
  return hash >>> 0;
}

function summarise(event: MessageEvent | ExpectedEvent): unknown {
  if (event.type === 'close') return { type: 'close', code: event.code, reason: event.reason };
  const { data } = event;
  if (typeof data === 'string') {
    if (data.length <= INLINE_LIMIT) return { type: event.type, data };
    return { type: event.type, length: data.length, checksum: checksum(data) };
  }
  if (data.length <= INLINE_LIMIT) return { type: event.type, data: Array.from(data) };
  return { type: event.type, length: data.length, checksum: checksum(data) };
}

const resolve = <T>(value: T | (() => T)): T => (typeof value === 'function' ? (value as () => T)() : value);
const SMALL_INPUT = 4096;

describe('receiver conformance (Autobahn sections 1-7, 9, 10; Kuhn UTF-8 stress test)', () => {
  for (const testCase of CONFORMANCE_CASES) {
    it(`${testCase.id} ${testCase.title}`, () => {
      const input = resolve(testCase.input);
      const expectedEvents = resolve(testCase.events).map(summarise);
      const expectedError = testCase.error && { code: testCase.error.code, closeCode: testCase.error.closeCode };
      const own: Chop = testCase.chop ?? 'whole';
      const chops: Chop[] = input.length <= SMALL_INPUT ? [own, 'whole', 1] : [own];
      for (const how of chops) {
        const result = feed(new MessageDecoder({ role: 'server', ...testCase.options }), chop(input, how));
        const label = `chopped ${JSON.stringify(how)}`;
        expect(result.items.map(summarise), label).toEqual(expectedEvents);
        const error = result.error && { code: result.error.code, closeCode: result.error.closeCode };
        expect(error, label).toEqual(expectedError);
        if (testCase.error?.offset !== undefined) expect(result.error?.offset, label).toBe(testCase.error.offset);
        if (how === own && testCase.error?.afterPush !== undefined) expect(result.failedAfterPush, label).toBe(testCase.error.afterPush);
      }
    });
  }

  it('accepts exactly the close codes 1000-1003, 1007-1014 and 3000-4999, for all 65536 codes', () => {
    const accepted: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const decoder = new MessageDecoder({ role: 'server' }).push(frame({ opcode: 0x8, payload: new Uint8Array([code >>> 8, code & 0xff]) }));
      try {
        for (const event of decoder) if (event.type === 'close' && event.code === code) accepted.push(code);
      } catch (error) {
        expect((error as { code: string }).code).toBe('INVALID_CLOSE_CODE');
      }
    }
    const expected = [
      ...Array.from({ length: 4 }, (_, i) => 1000 + i),
      ...Array.from({ length: 8 }, (_, i) => 1007 + i),
      ...Array.from({ length: 2000 }, (_, i) => 3000 + i),
    ];
    expect(accepted).toEqual(expected);
  });

  it('has cases for every Autobahn section it claims', () => {
    const sections = new Set(CONFORMANCE_CASES.map((c) => c.id.split('.')[0]));
    expect([...sections].sort((a, b) => Number(a) - Number(b))).toEqual(['1', '2', '3', '4', '5', '6', '7', '9', '10']);
  });
});
