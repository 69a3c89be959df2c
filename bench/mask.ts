/**
 * Group "mask": applyMask throughput in place, at the sizes of the issue and on views at the
 * byte offsets a frame header leaves (0 = aligned; 6 = 2-byte header + key; 8 = 16-bit length +
 * key; 14 = 64-bit length + key), against ws's JavaScript unmask (`WS_NO_BUFFER_UTIL=1`),
 * bufferutil's native unmask and `Uint8Array.prototype.set` of the same size (the memory-copy
 * limit: reading and writing each byte once). All work on the same memory at the same offset.
 */
import { applyMask } from '../src/index.ts';
import type { Case } from './_harness.ts';
import { bufferUtilUnmask, wsJs } from './_ws.ts';

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const SIZES = [16, 125, 1024, 16 * 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];
const OFFSETS = [0, 6, 8, 14];

function sizeName(size: number): string {
  return size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
}

export function maskCases(quick: boolean): Case[] {
  const cases: Case[] = [];
  for (const size of SIZES) {
    for (const offset of quick ? [0, 6] : OFFSETS) {
      const memory = new ArrayBuffer(size + 16);
      const view = new Uint8Array(memory, offset, size);
      const buffer = Buffer.from(memory, offset, size); // the same bytes, as ws and bufferutil take them
      const key = Buffer.from(KEY);
      const source = new Uint8Array(new ArrayBuffer(size + 16), offset, size);
      for (let i = 0; i < size; i++) view[i] = source[i] = (i * 31 + 7) & 0xff;
      cases.push({
        group: 'mask',
        name: `${sizeName(size)} @${offset}`,
        unit: 'B/s',
        unitsPerOp: size,
        contenders: [
          { name: 'wsframe applyMask', run: () => applyMask(view, KEY) },
          { name: 'ws JS unmask', run: () => wsJs.unmask(buffer, key) },
          { name: 'bufferutil unmask', run: () => bufferUtilUnmask(buffer, key) },
          { name: 'memcpy (set)', run: () => view.set(source) },
        ],
        references: ['memcpy (set)', 'ws JS unmask', 'bufferutil unmask'],
      });
    }
  }
  return cases;
}
