/**
 * Group "decode": masked binary frames as a server receives them, through FrameDecoder,
 * MessageDecoder and ws's Receiver, fed as one buffer and as 1 KiB chunks; and one 16 MiB masked
 * frame fed in 64 KiB chunks (bytes in -> unmasked payload out).
 *
 * Fairness: ws's Receiver is configured as on a server (`isServer: true`, no payload limit, the
 * defaults otherwise: UTF-8 validation on, synchronous events) and fed through `_write`, its
 * parser entry, which skips the Writable stream machinery in front of it (this can only flatter
 * ws); its 'message' events are consumed like our frames and events: payload lengths summed.
 * Chunks are separate buffers, as socket reads deliver them. ws unmasks inside the chunks it is given and hands out views; wsframe by default leaves pushed
 * chunks untouched and hands out fresh unmasked copies; `unmaskInPlace` is wsframe doing what
 * ws does. The 16 MiB frame goes through ws with bufferutil (its recommended setup) and without.
 */
import type { Case, Contender } from './_harness.ts';
import { frameDecoder as frames, frameStream, messageDecoder, split, wsReceiver } from './_contenders.ts';
import { wsJs, wsNative } from './_ws.ts';

const maskedFrames = (count: number, size: number) => frameStream(count, size);
const frameDecoder = (chunks: Uint8Array[], unmaskInPlace: boolean) => frames(chunks, { unmaskInPlace });

function sizeName(size: number): string {
  return size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
}

export function decodeCases(quick: boolean): Case[] {
  const cases: Case[] = [];
  for (const size of [16, 1024, 64 * 1024]) {
    // 10,000 frames as in the issue; 1,000 of 64 KiB (64 MiB) keep a run short and the rate is per frame.
    const count = size >= 64 * 1024 ? 1000 : 10_000;
    const stream = maskedFrames(count, size);
    for (const feed of ['one buffer', '1 KiB chunks']) {
      const chunks = feed === 'one buffer' ? [Buffer.from(stream.buffer, stream.byteOffset, stream.length)] : split(stream, 1024);
      const contenders: Contender[] = [
        { name: 'wsframe FrameDecoder', run: frameDecoder(chunks, false) },
        { name: 'wsframe FrameDecoder unmaskInPlace', run: frameDecoder(chunks, true) },
        { name: 'wsframe MessageDecoder', run: messageDecoder(chunks) },
        { name: 'ws Receiver', run: wsReceiver(wsNative.Receiver, chunks) },
      ];
      cases.push({
        group: 'decode',
        name: `${count} x ${sizeName(size)} masked, ${feed}`,
        unit: 'frames/s',
        unitsPerOp: count,
        contenders,
        references: ['ws Receiver'],
        verify: () => {
          for (const c of contenders) {
            const total = c.run();
            if (total !== count * size) throw new Error(`${c.name} decoded ${String(total)} bytes, expected ${count * size}`);
          }
        },
      });
    }
  }
  const size = 16 << 20;
  const big = split(maskedFrames(1, size), 64 * 1024);
  const contenders: Contender[] = [
    { name: 'wsframe FrameDecoder', run: frameDecoder(big, false) },
    { name: 'wsframe FrameDecoder unmaskInPlace', run: frameDecoder(big, true) },
    { name: 'wsframe MessageDecoder', run: messageDecoder(big) },
    { name: 'ws Receiver + bufferutil', run: wsReceiver(wsNative.Receiver, big) },
    { name: 'ws Receiver (JS unmask)', run: wsReceiver(wsJs.Receiver, big) },
  ];
  cases.push({
    group: 'decode',
    name: '1 x 16 MiB masked, 64 KiB chunks',
    unit: 'B/s',
    unitsPerOp: size,
    contenders,
    references: ['ws Receiver + bufferutil', 'ws Receiver (JS unmask)'],
    verify: () => {
      for (const c of contenders) {
        const total = c.run();
        if (total !== size) throw new Error(`${c.name} decoded ${String(total)} bytes, expected ${size}`);
      }
    },
  });
  return cases;
}
