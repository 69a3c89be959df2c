/**
 * Group "deflate": wsframe's pure-TypeScript DEFLATE against node:zlib's synchronous raw
 * deflate/inflate with sync flush (what permessage-deflate does), on 1 MiB of text and of JSON.
 * Inflate rates count output bytes, deflate rates input bytes. The case names carry the
 * compressed sizes, since speed means little without the ratio (target: within 10% of zlib
 * level 6 on text). PerMessageDeflate's default level is 5.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Deflater } from '../src/deflate/_deflate.ts';
import { Inflater } from '../src/deflate/_inflate.ts';
import type { Case } from './_harness.ts';
import { generatedText, jsonSample } from './_samples.ts';

const SIZE = 1 << 20;
const SYNC = { finishFlush: constants.Z_SYNC_FLUSH };

function inflateOurs(compressed: Uint8Array): Uint8Array {
  const inflater = new Inflater();
  inflater.push(compressed);
  return inflater.finish();
}

export function deflateCases(_quick: boolean): Case[] {
  const cases: Case[] = [];
  for (const [name, data] of [['text', generatedText(SIZE)], ['JSON', jsonSample(SIZE)]] as const) {
    const zlibFull = deflateRawSync(data, { level: 6, ...SYNC });
    // RFC 7692 §7.2.1: the sender drops the 00 00 ff ff tail of the sync flush.
    const zlibMessage = zlibFull.subarray(0, zlibFull.length - 4);
    const ours5 = new Deflater({ level: 5 }).compress(data);
    const ours6 = new Deflater({ level: 6 }).compress(data);
    const percent = (bytes: Uint8Array) => `${((bytes.length / zlibMessage.length - 1) * 100).toFixed(1)}%`;
    cases.push({
      group: 'deflate',
      name: `inflate 1 MiB ${name}`,
      unit: 'B/s',
      unitsPerOp: data.length,
      contenders: [
        { name: 'wsframe inflate', run: () => inflateOurs(zlibMessage) },
        { name: 'node:zlib inflateRawSync', run: () => inflateRawSync(zlibFull, SYNC) },
      ],
      references: ['node:zlib inflateRawSync'],
      verify: () => {
        if (Buffer.compare(inflateOurs(zlibMessage), data) !== 0) throw new Error(`wsframe does not inflate zlib's ${name}`);
      },
    });
    cases.push({
      group: 'deflate',
      name: `deflate 1 MiB ${name} (zlib 6: ${zlibMessage.length} B; wsframe 5: ${ours5.length} B, ${percent(ours5)}; wsframe 6: ${ours6.length} B, ${percent(ours6)})`,
      unit: 'B/s',
      unitsPerOp: data.length,
      contenders: [
        { name: 'wsframe deflate level 5 (default)', run: () => new Deflater({ level: 5 }).compress(data) },
        { name: 'wsframe deflate level 6', run: () => new Deflater({ level: 6 }).compress(data) },
        { name: 'node:zlib deflateRawSync level 6', run: () => deflateRawSync(data, { level: 6, ...SYNC }) },
      ],
      references: ['node:zlib deflateRawSync level 6'],
      verify: () => {
        for (const ours of [ours5, ours6]) {
          const tail = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
          const back = inflateRawSync(Buffer.concat([ours, tail]), SYNC);
          if (Buffer.compare(back, data) !== 0) throw new Error(`zlib does not inflate wsframe's ${name}`);
        }
      },
    });
  }
  return cases;
}
