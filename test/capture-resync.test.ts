/** The resynchronising scan: where a chain of frames starts in bytes without a known start. */
import { describe, expect, it } from 'vitest';
import { encodeClosePayload, encodeFrame } from '../src/index.ts';
import { findFrameChain, ResyncingAnalyzer, type ResyncingRecord } from '../src/capture/resync.ts';
import { StreamAnalyzer } from '../src/capture/analyze.ts';
import { concat } from './_bytes.ts';

const enc = (text: string) => new TextEncoder().encode(text);
const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const server = (text: string, fin = true, opcode = 1) => encodeFrame({ opcode, fin, payload: enc(text) });
const client = (text: string) => encodeFrame({ opcode: 1, payload: enc(text), maskingKey: KEY });

describe('findFrameChain', () => {
  it('locks on the first of four chained server frames after the tail of a lost frame', () => {
    const tail = enc('lo wor');
    const frames = concat(server('one'), server('two'), encodeFrame({ opcode: 9 }), server('three'));
    const bytes = concat(tail, frames);
    expect(findFrameChain(bytes, 0, false, { role: 'client', rsv1: false })).toEqual({ type: 'lock', offset: tail.length, frames: 4 });
  });

  it('waits while three chained frames could still be a false start, and locks at the end of the stream', () => {
    const bytes = concat(enc('xy'), server('a'), server('b'), server('c'));
    expect(findFrameChain(bytes, 0, false, { role: 'client', rsv1: false }).type).toBe('wait');
    expect(findFrameChain(bytes, 0, true, { role: 'client', rsv1: false })).toEqual({ type: 'lock', offset: 2, frames: 3 });
  });

  it('refuses frames masked the wrong way for the direction', () => {
    const frames = concat(server('a'), server('b'), server('c'), server('d'));
    expect(findFrameChain(frames, 0, true, { role: 'server', rsv1: false })).toEqual({ type: 'none' });
    const masked = concat(client('a'), client('b'), client('c'), client('d'));
    expect(findFrameChain(masked, 0, true, { role: 'server', rsv1: false })).toEqual({ type: 'lock', offset: 0, frames: 4 });
  });

  it('skips continuation frames of a message whose start was lost, and control frames between them', () => {
    const bytes = concat(server('st', false, 0), encodeFrame({ opcode: 9 }), server('end', true, 0), server('a'), server('b'), server('c'), server('d'));
    const lock = findFrameChain(bytes, 0, false, { role: 'client', rsv1: false });
    // Four frames chained: the three of the lost message's tail and the first one decoded.
    expect(lock).toEqual({ type: 'lock', offset: 4 + 2 + 5, frames: 4 });
  });

  it('refuses a chain that breaks message order (a text frame inside a fragmented message)', () => {
    const bytes = concat(server('a', false), server('b'), server('c'), server('d'), server('e'));
    // From 0: an unfinished text message then a new text frame: not a chain; from the second frame on it is one.
    expect(findFrameChain(bytes, 0, true, { role: 'client', rsv1: false })).toEqual({ type: 'lock', offset: 3, frames: 4 });
  });

  it('checks close payloads and the UTF-8 of final text frames', () => {
    const badText = encodeFrame({ opcode: 1, payload: new Uint8Array([0xc3, 0x28]) });
    const badClose = encodeFrame({ opcode: 8, payload: new Uint8Array([0x03, 0xed]) }); // 1005 may not be sent
    const good = concat(server('a'), server('b'), server('c'), server('d'));
    expect(findFrameChain(concat(badText, good), 0, true, { role: 'client', rsv1: false })).toMatchObject({ offset: badText.length });
    expect(findFrameChain(concat(badClose, good), 0, true, { role: 'client', rsv1: false })).toMatchObject({ offset: badClose.length });
    const close = encodeFrame({ opcode: 8, payload: encodeClosePayload(1000, 'bye') });
    expect(findFrameChain(concat(good, close), 0, true, { role: 'client', rsv1: false })).toEqual({ type: 'lock', offset: 0, frames: 4 });
  });

  it('allows RSV1 on a first data frame only when asked', () => {
    const compressed = encodeFrame({ opcode: 2, rsv1: true, payload: new Uint8Array([1, 2, 3]) });
    const bytes = concat(compressed, server('a'), server('b'), server('c'));
    expect(findFrameChain(bytes, 0, true, { role: 'client', rsv1: true })).toMatchObject({ offset: 0 });
    expect(findFrameChain(bytes, 0, true, { role: 'client', rsv1: false })).toMatchObject({ offset: compressed.length });
  });

  it('finds no false lock in 512 KiB of random bytes, in either direction', () => {
    // A fixed LCG: the same bytes in every runtime.
    const bytes = new Uint8Array(1 << 19);
    let seed = 12345;
    for (let i = 0; i < bytes.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    expect(findFrameChain(bytes, 0, true, { role: 'client', rsv1: true, maxPayloadLength: 1 << 20 })).toEqual({ type: 'none' });
    expect(findFrameChain(bytes, 0, true, { role: 'server', rsv1: true, maxPayloadLength: 1 << 20 })).toEqual({ type: 'none' });
  });
});

describe('ResyncingAnalyzer', () => {
  const make = (scanFirst: boolean) => new ResyncingAnalyzer({
    scanFirst, chain: { role: 'client', rsv1: false }, analyzer: () => new StreamAnalyzer({ role: 'client' }),
  });
  const kinds = (records: ResyncingRecord[]) => records.map((r) => r.type === 'message' ? `message ${r.kind === 'text' ? r.text : r.kind}` : `${r.type} @${r.offset}`);

  it('reports the message a gap cut as lost, then decodes from the lock with offsets that count the gap', () => {
    const analyzer = make(false);
    const first = server('first');
    const cut = server('cut in two');
    const after = [server('a'), server('b'), server('c'), server('d')];
    const records = [
      ...analyzer.push(concat(first, cut.subarray(0, 4))),
      ...analyzer.gap(3),
      ...analyzer.push(concat(cut.subarray(7), ...after)),
      ...analyzer.end(),
    ];
    const lockAt = first.length + cut.length;
    expect(kinds(records)).toEqual([
      'frame @0', 'message first', `lost @${first.length}`, `resync @${lockAt}`,
      `frame @${lockAt}`, 'message a', `frame @${lockAt + 3}`, 'message b', `frame @${lockAt + 6}`, 'message c', `frame @${lockAt + 9}`, 'message d',
    ]);
    expect(records[2]).toMatchObject({ type: 'lost', what: 'frame', bytes: 7 });
    expect(records[3]).toMatchObject({ type: 'resync', skipped: cut.length - 7, frames: 4 });
  });

  it('a gap inside a fragmented message loses the whole message, even between its frames', () => {
    const analyzer = make(false);
    const records = [
      ...analyzer.push(concat(server('frag', false))),
      ...analyzer.gap(10),
      ...analyzer.push(concat(server('a'), server('b'), server('c'), server('d'))),
    ];
    expect(records.find((r) => r.type === 'lost')).toMatchObject({ offset: 0, what: 'message', bytes: 16 });
    expect(records.filter((r) => r.type === 'message')).toHaveLength(4);
  });

  it('without a known start, reports where it locked on', () => {
    const analyzer = make(true);
    const records = [...analyzer.push(concat(enc('zz'), server('a'), server('b'))), ...analyzer.push(concat(server('c'), server('d'))), ...analyzer.end()];
    expect(kinds(records)[0]).toBe('resync @2');
    expect(records.filter((r) => r.type === 'message')).toHaveLength(4);
  });
});
