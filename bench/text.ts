/**
 * Group "text": a 64 KiB UTF-8 text message in one frame through MessageDecoder, against a bare
 * `TextDecoder('utf-8', { fatal: true })` decode of the same payload bytes (the floor: any
 * decoder must at least validate and decode). Unmasked (as a client receives it: the decoder's
 * own overhead) and masked (as a server receives it: unmasking added). ASCII and mixed
 * Korean/emoji text. The decoder is made once and fed one message per operation, as on a
 * connection (constructing one costs about 2 µs, a quarter of decoding 64 KiB of ASCII).
 */
import { MessageDecoder, encodeFrame } from '../src/index.ts';
import type { Case } from './_harness.ts';

const SIZE = 64 * 1024;
const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

function textOf(unit: string): Uint8Array {
  const encoder = new TextEncoder();
  let text = '';
  while (encoder.encode(text + unit).length <= SIZE) text += unit;
  const bytes = encoder.encode(text);
  const out = new Uint8Array(SIZE);
  out.set(bytes);
  out.fill(0x20, bytes.length); // pad with spaces to exactly 64 KiB
  return out;
}

export function textCases(_quick: boolean): Case[] {
  const samples = [
    { name: 'ASCII', payload: textOf('The quick brown fox jumps over the lazy dog; 0123456789. ') },
    { name: 'Korean/emoji', payload: textOf('안녕하세요 세계 🌍🚀 웹소켓 프레임 ✨ 한국어 텍스트 😀 ') },
  ];
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return samples.map(({ name, payload }) => {
    const unmasked = encodeFrame({ opcode: 0x1, payload });
    const masked = encodeFrame({ opcode: 0x1, payload, maskingKey: KEY });
    const expected = fatal.decode(payload);
    // One decoder per connection, as in use: each op is one more message on it.
    const decode = (bytes: Uint8Array, role: 'client' | 'server') => {
      const decoder = new MessageDecoder({ role });
      return () => {
        decoder.push(bytes);
        let data = '';
        for (const event of decoder) if (event.type === 'text') data = event.data;
        return data;
      };
    };
    const contenders = [
      { name: 'wsframe MessageDecoder (unmasked)', run: decode(unmasked, 'client') },
      { name: 'wsframe MessageDecoder (masked)', run: decode(masked, 'server') },
      { name: 'TextDecoder fatal (floor)', run: () => fatal.decode(payload) },
    ];
    return {
      group: 'text',
      name: `64 KiB ${name}`,
      unit: 'B/s' as const,
      unitsPerOp: SIZE,
      contenders,
      references: ['TextDecoder fatal (floor)'],
      verify: () => {
        for (const c of contenders) if (c.run() !== expected) throw new Error(`${c.name} decoded different text`);
      },
    };
  });
}
