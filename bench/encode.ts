/**
 * Group "encode": one masked binary frame of 16 B and 64 KiB, as a client sends it.
 *
 * Fairness: ws's `Sender.frame` runs with `readOnly: true`, as `WebSocket#send` does for a
 * caller's buffer: it then writes header, key and masked payload into one new buffer and leaves
 * the data alone, which is what encodeFrame and encodeMessage do. `encodeFrame` is given its key,
 * so it is compared with ws given its key (`generateMask` writing a fixed key); `encodeMessage`
 * draws a random key per frame from a pool, as ws does by default. ws runs with bufferutil
 * (it masks in JS below 48 bytes either way); at 64 KiB ws without bufferutil is shown too.
 */
import { encodeFrame, encodeFrameInto, encodeMessage } from '../src/index.ts';
import type { Case, Contender } from './_harness.ts';
import { wsJs, wsNative } from './_ws.ts';

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const setKey = (mask: Uint8Array) => {
  mask[0] = 0x37;
  mask[1] = 0xfa;
  mask[2] = 0x21;
  mask[3] = 0x3d;
};

export function encodeCases(_quick: boolean): Case[] {
  const cases: Case[] = [];
  for (const size of [16, 64 * 1024]) {
    const payload = Buffer.alloc(size, 0x61);
    const target = new Uint8Array(size + 14);
    const given = { opcode: 0x2, fin: true, mask: true, readOnly: true, generateMask: setKey };
    const random = { opcode: 0x2, fin: true, mask: true, readOnly: true };
    const contenders: Contender[] = [
      { name: 'wsframe encodeFrame (given key)', run: () => encodeFrame({ opcode: 0x2, payload, maskingKey: KEY }), vs: ['ws Sender.frame (given key)'] },
      { name: 'wsframe encodeFrameInto (given key, reused target)', run: () => encodeFrameInto({ opcode: 0x2, payload, maskingKey: KEY }, target), vs: ['ws Sender.frame (given key)'] },
      { name: 'wsframe encodeMessage (random key)', run: () => encodeMessage(payload, { mask: true }), vs: ['ws Sender.frame (random key)'] },
      { name: 'ws Sender.frame (given key)', run: () => wsNative.Sender.frame(payload, given) },
      { name: 'ws Sender.frame (random key)', run: () => wsNative.Sender.frame(payload, random) },
    ];
    if (size > 16) contenders.push({ name: 'ws Sender.frame (random key, JS mask)', run: () => wsJs.Sender.frame(payload, random) });
    cases.push({
      group: 'encode',
      name: `masked ${size >= 1024 ? `${size >> 10} KiB` : `${size} B`}`,
      unit: 'frames/s',
      unitsPerOp: 1,
      contenders,
      references: [],
      verify: () => {
        const ours = encodeFrame({ opcode: 0x2, payload, maskingKey: KEY });
        const theirs = Buffer.concat(wsNative.Sender.frame(payload, given));
        if (!Buffer.from(ours).equals(theirs)) throw new Error('encodeFrame and ws Sender.frame disagree');
      },
    });
  }
  return cases;
}
