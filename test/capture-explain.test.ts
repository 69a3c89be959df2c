import { describe, expect, it } from 'vitest';
import { explainFrames, type ExplainedFrame } from '../src/capture/explain.ts';
import { PerMessageDeflate } from '../src/index.ts';
import { parseHex as fromHex } from '../src/capture/bytes.ts';

const explain = (hex: string, options = {}): { frames: ExplainedFrame[]; valid: boolean } => {
  const frames: ExplainedFrame[] = [];
  const generator = explainFrames(fromHex(hex), options);
  let next = generator.next();
  for (; next.done !== true; next = generator.next()) frames.push(next.value);
  return { frames, valid: next.value };
};

describe('the explain model', () => {
  it('gives every header field of the masked RFC 6455 §5.7 example its bytes, bits, value and meaning', () => {
    const { frames, valid } = explain('818537fa213d7f9f4d5158');
    expect(valid).toBe(true);
    const [frame] = frames;
    expect(frame.summary).toBe('text, masked, 5-byte payload');
    expect(frame.fields.map(({ key, start, end, bits, value }) => [key, start, end, bits?.from, bits?.count, value])).toEqual([
      ['fin', 0, 1, 0, 1, '1'], ['rsv1', 0, 1, 1, 1, '0'], ['rsv2', 0, 1, 2, 1, '0'], ['rsv3', 0, 1, 3, 1, '0'],
      ['opcode', 0, 1, 4, 4, '0x1'], ['mask', 1, 2, 0, 1, '1'], ['payloadLength', 1, 2, 1, 7, '5'], ['maskingKey', 2, 6, undefined, undefined, ''],
    ]);
    expect(frame.fields.find((field) => field.key === 'opcode')?.meaning).toBe('text frame: UTF-8 text');
    expect(frame.payload).toMatchObject({ start: 6, end: 11, compressed: false, reading: { kind: 'text', text: 'Hello', pending: 0 } });
    expect(Array.from(frame.payload!.sent)).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    expect(frame.verdict).toEqual({ status: 'valid' });
  });

  it('places the extended length of the 256-byte example at bytes 2-3 and calls the cut payload incomplete', () => {
    const { frames, valid } = explain('827e0100');
    expect(valid).toBe(false);
    expect(frames[0].fields.at(-1)).toMatchObject({ key: 'extendedPayloadLength', name: '16-bit extended payload length', start: 2, end: 4, value: '256' });
    expect(frames[0].verdict).toEqual({ status: 'incomplete', message: '256 more payload bytes were announced than given' });
  });

  it('gives a violation its close code, stable code and RFC section', () => {
    const { frames } = explain('83 00');
    expect(frames[0].verdict).toMatchObject({ status: 'invalid', closeCode: 1002, code: 'RESERVED_OPCODE', rfc: 'RFC 6455 §5.2' });
    expect(explain('81 02 c3 28').frames[0].verdict).toMatchObject({ status: 'invalid', closeCode: 1007, code: 'INVALID_UTF8' });
  });

  it('inflates a permessage-deflate message only when the extension is given', () => {
    expect(explain('c107f248cdc9c90700').frames[0].verdict).toMatchObject({ code: 'RESERVED_BITS', closeCode: 1002 });
    const { frames } = explain('c107f248cdc9c90700', { extensions: [new PerMessageDeflate({ role: 'client' })] });
    expect(frames[0].payload?.compressed).toBe(true);
    expect(frames[0].inflated).toMatchObject({ extension: 'permessage-deflate', text: 'Hello' });
    expect(frames[0].verdict).toEqual({ status: 'valid' });
  });

  it('never changes the input', () => {
    const input = fromHex('818537fa213d7f9f4d5158');
    const copy = input.slice();
    [...explainFrames(input)];
    expect(input).toEqual(copy);
  });
});
