/**
 * Group "table": the performance table of issue 15, one case per row, each with its target
 * (`npm run bench -- --group table`; run.ts prints the rows with their targets at the end).
 * Decode rows run wsframe (iterated, and its zero-allocation `visit`), ws (with bufferutil),
 * websocket-driver and undici's parser on the same frames (undici's unmasked: see
 * _contenders.ts). The other rows reuse the encode, accept and deflate groups' cases.
 */
import { acceptCases } from './accept.ts';
import {
  frameDecoder, frameStream, frameVisit, messageDecoder, messageVisit, split, undiciParser, websocketDriver, wsReceiver,
  type DecodeRun,
} from './_contenders.ts';
import { deflateCases } from './deflate.ts';
import { encodeCases } from './encode.ts';
import type { Case, Contender } from './_harness.ts';
import { wsNative } from './_ws.ts';
import { encodeFrame, encodePing } from '../src/index.ts';

const WS = 'ws Receiver + bufferutil';

function decodeCase(
  name: string, unit: Case['unit'], unitsPerOp: number, expected: number, contenders: Contender[], target: NonNullable<Case['target']>,
): Case {
  return {
    group: 'table',
    name,
    unit,
    unitsPerOp,
    contenders,
    references: [WS],
    target,
    verify: () => {
      for (const c of contenders) {
        const total = c.run();
        if (total !== expected) throw new Error(`${name}: ${c.name} decoded ${String(total)}, expected ${expected}`);
      }
    },
  };
}

/** The contenders of a decode row over masked `chunks` (and `unmasked` ones for undici). */
function decoders(chunks: Uint8Array[], unmasked: Uint8Array[], options: { fresh?: boolean; messages?: boolean; frames?: boolean; inPlace?: boolean }): Contender[] {
  const { fresh = false, messages = true, frames = true, inPlace = false } = options;
  const list: [string, DecodeRun][] = [];
  if (frames) {
    list.push(['wsframe FrameDecoder', frameDecoder(chunks, { fresh })]);
    list.push(['wsframe FrameDecoder.visit', frameVisit(chunks, { fresh })]);
    if (inPlace) list.push(['wsframe FrameDecoder.visit unmaskInPlace', frameVisit(chunks, { fresh, unmaskInPlace: true })]);
  }
  if (messages) {
    list.push(['wsframe MessageDecoder', messageDecoder(chunks, { fresh })]);
    if (inPlace) list.push(['wsframe MessageDecoder unmaskInPlace', messageDecoder(chunks, { fresh, unmaskInPlace: true })]);
    list.push(['wsframe MessageDecoder.visit', messageVisit(chunks, { fresh })]);
  }
  list.push([WS, wsReceiver(wsNative.Receiver, chunks, { fresh })]);
  list.push(['websocket-driver', websocketDriver(chunks, { fresh })]);
  list.push(['undici ByteParser (unmasked input)', undiciParser(unmasked, { fresh })]);
  return list.map(([name, run]) => ({ name, run }));
}

/** One text message of `count` fragments of `size` bytes, a ping before every fragment after the first. */
function fragmentedText(count: number, size: number, masked: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = 0x20 + ((i * 7) % 95);
  const random = (bytes: Uint8Array) => bytes.fill(0x5a);
  for (let i = 0; i < count; i++) {
    const maskingKey = masked ? new Uint8Array([i | 1, 0x11, 0x22, 0x33]) : undefined;
    if (i > 0) parts.push(encodePing(payload.subarray(0, 8), { mask: masked, random }));
    parts.push(encodeFrame({ opcode: i === 0 ? 0x1 : 0x0, fin: i === count - 1, payload, maskingKey }));
  }
  return Buffer.concat(parts);
}

export function tableCases(quick: boolean): Case[] {
  const cases: Case[] = [];
  const one = (bytes: Uint8Array) => [bytes];

  const small = frameStream(10_000, 16);
  const smallPlain = frameStream(10_000, 16, { masked: false });
  cases.push(decodeCase('FrameDecoder, 10,000 masked 16 B frames in one buffer', 'frames/s', 10_000, 160_000,
    decoders(one(small), one(smallPlain), { messages: false }),
    { contender: 'wsframe FrameDecoder', reference: WS, min: 8, also: ['wsframe FrameDecoder.visit'] }));
  cases.push(decodeCase('MessageDecoder, 10,000 masked 16 B frames in one buffer', 'frames/s', 10_000, 160_000,
    decoders(one(small), one(smallPlain), { frames: false }),
    { contender: 'wsframe MessageDecoder', reference: WS, min: 6, also: ['wsframe MessageDecoder.visit'] }));

  const text = frameStream(1000, 1024, { opcode: 0x1 });
  const textPlain = frameStream(1000, 1024, { opcode: 0x1, masked: false });
  cases.push(decodeCase('1,000 masked 1 KiB text frames (each run on fresh copies)', 'frames/s', 1000, 1000 * 1024,
    decoders(one(text), one(textPlain), { fresh: true, frames: false }),
    { contender: 'wsframe MessageDecoder', reference: WS, min: 1.5, also: ['wsframe MessageDecoder.visit'] }));

  const large = frameStream(64, 64 * 1024);
  const largePlain = frameStream(64, 64 * 1024, { masked: false });
  cases.push(decodeCase('64 masked 64 KiB binary frames in one buffer', 'frames/s', 64, 64 * 64 * 1024,
    decoders(one(large), one(largePlain), { inPlace: true }),
    { contender: 'wsframe MessageDecoder', reference: WS, min: 1, also: ['wsframe MessageDecoder unmaskInPlace', 'wsframe FrameDecoder.visit unmaskInPlace', 'wsframe FrameDecoder'] }));

  const huge = 16 << 20;
  cases.push(decodeCase('one 16 MiB masked frame in 64 KiB chunks', 'B/s', huge, huge,
    decoders(split(frameStream(1, huge), 64 * 1024), split(frameStream(1, huge, { masked: false }), 64 * 1024), { inPlace: true }),
    { contender: 'wsframe MessageDecoder', reference: WS, min: 1, maxSpread: 0.3, also: ['wsframe MessageDecoder unmaskInPlace', 'wsframe FrameDecoder'] }));

  cases.push(decodeCase('a 10 KiB text message in 100 fragments with pings between (fresh copies)', 'msgs/s', 1, 100 * 100,
    decoders(one(fragmentedText(100, 100, true)), one(fragmentedText(100, 100, false)), { fresh: true, frames: false }),
    { contender: 'wsframe MessageDecoder', reference: WS, min: 2, also: ['wsframe MessageDecoder.visit'] }));

  const encode16 = encodeCases(quick).find((c) => c.name === 'masked 16 B')!;
  cases.push({
    ...encode16, group: 'table', name: 'encodeFrame, masked 16 B',
    target: { contender: 'wsframe encodeFrame (given key)', reference: 'ws Sender.frame (given key)', min: 2, also: ['wsframe encodeFrameInto (given key, reused target)', 'wsframe encodeMessage (random key)'] },
  });
  const accept = acceptCases(quick)[0];
  cases.push({ ...accept, group: 'table', target: { contender: 'wsframe computeAcceptKey (built-in sha1)', reference: 'node:crypto createHash (as ws)', min: 1 } });
  for (const c of deflateCases(quick)) {
    if (!c.name.includes(' text')) continue;
    const inflate = c.name.startsWith('inflate');
    cases.push({
      ...c, group: 'table',
      target: inflate
        ? { contender: 'wsframe inflate', reference: 'node:zlib inflateRawSync', min: 0.8 }
        : { contender: 'wsframe deflate level 6', reference: 'node:zlib deflateRawSync level 6', min: 0.5 },
    });
  }
  return cases;
}
