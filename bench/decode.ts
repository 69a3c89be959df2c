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
import { FrameDecoder, MessageDecoder, encodeFrame } from '../src/index.ts';
import type { Case, Contender } from './_harness.ts';
import { wsJs, wsNative, type ReceiverClass } from './_ws.ts';

const MAX = 1 << 30;
const noop = () => {};

function maskedFrames(count: number, size: number): Uint8Array {
  const frames: Uint8Array[] = [];
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 13 + 5) & 0xff;
  for (let i = 0; i < count; i++) {
    // Never the all-zero key: ws skips unmasking for it.
    const maskingKey = new Uint8Array([(i * 7 + 1) & 0xff | 1, i & 0xff, (i >> 8) & 0xff, 0x5a]);
    frames.push(encodeFrame({ opcode: 0x2, payload, maskingKey }));
  }
  return Buffer.concat(frames);
}

/** Chunks of `chunkSize` bytes, each in its own buffer, as reads from a socket arrive. */
function split(bytes: Uint8Array, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(Buffer.from(bytes.subarray(at, at + chunkSize)));
  return chunks;
}

function frameDecoder(chunks: Uint8Array[], unmaskInPlace: boolean): () => number {
  return () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayloadLength: MAX, unmaskInPlace });
    let total = 0;
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (const frame of decoder) total += frame.payload.length;
    }
    return total;
  };
}

function messageDecoder(chunks: Uint8Array[]): () => number {
  return () => {
    const decoder = new MessageDecoder({ role: 'server', maxPayloadLength: MAX, maxMessageLength: MAX });
    let total = 0;
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (const event of decoder) if (event.type === 'binary') total += event.data.length;
    }
    return total;
  };
}

function wsReceiver(Receiver: ReceiverClass, chunks: Buffer[]): () => number {
  return () => {
    const receiver = new Receiver({ isServer: true, maxPayload: MAX });
    let total = 0;
    receiver.on('message', (data) => {
      total += data.length;
    });
    for (const chunk of chunks) receiver._write(chunk, undefined, noop);
    return total;
  };
}

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
