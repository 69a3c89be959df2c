/**
 * Test data and helpers for the DEFLATE engines: deterministic samples (text, JSON, random
 * bytes, runs), a bit writer to hand-craft DEFLATE streams (corrupt ones included), and
 * node:zlib wrappers loaded at run time (Node, Deno and Bun; the browser has no node:zlib).
 */
import { importNode } from './_runtime.ts';
import { patternBytes } from './_bytes.ts';

import { concat } from './_streams.ts';

export { concat, fromHex, hex } from './_streams.ts';

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** RFC 7692 §7.2.2: what the receiver appends and the sender removes. */
export const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

const WORDS = (
  'the of and to in is that it was for on are as with his they at be this from have or by one had not but what all were ' +
  'when we there can an your which their said if do will each about how up out them then she many some so these would ' +
  'other into has more her two like him see time could no make than first been its who now people my made over did down ' +
  'only way find use may water long little very after words called just where most know get through back much before go ' +
  'good new write our used me man too any day same right look think also around another came come work three word must ' +
  'because does part even place well such here take why things help put years different away again off went old number ' +
  'compression window message frame decoder encoder protocol extension negotiation payload deflate huffman literal'
).split(' ');

/** Deterministic English-like text: Zipf-ish word choice, sentences, paragraphs, some digits. */
export function sampleText(length: number, seed = 7): string {
  const random = patternBytes(length, seed);
  let text = '';
  let i = 0;
  let sentence = 0;
  while (text.length < length) {
    const r = random[i++ % random.length];
    const rank = (r * r) >>> 8; // skews towards the frequent words at the front
    let word = WORDS[(rank + i) % WORDS.length];
    if (sentence === 0) word = word[0].toUpperCase() + word.slice(1);
    text += word;
    sentence++;
    if (r % 41 === 0) text += ` ${r * 37}`;
    if (sentence > 6 + (r % 11)) {
      text += r % 9 === 0 ? '.\n\n' : '. ';
      sentence = 0;
    } else {
      text += r % 13 === 0 ? ', ' : ' ';
    }
  }
  return text.slice(0, length);
}

/** Deterministic JSON: an array of records with repeated keys and varied values. */
export function sampleJson(length: number): string {
  const records: string[] = [];
  let size = 2;
  for (let i = 0; size < length; i++) {
    const record = JSON.stringify({
      id: i, name: `user-${(i * 7919) % 10007}`, email: `user${i}@example.com`, active: i % 3 === 0,
      score: ((i * 2654435761) % 100000) / 100, tags: ['alpha', 'beta', 'gamma', 'delta'].slice(0, i % 5),
    });
    records.push(record);
    size += record.length + 1;
  }
  return `[${records.join(',')}]`.slice(0, length);
}

/** Every kind of sample the differential tests run, at a given size. */
export function samples(size: number): { name: string; data: Uint8Array }[] {
  const runs = new Uint8Array(size);
  for (let i = 0; i < size; i++) runs[i] = Math.floor(i / 1000) % 3 === 0 ? 0x61 : (i % 7) + 0x30;
  return [
    { name: 'empty', data: new Uint8Array(0) },
    { name: 'one byte', data: new Uint8Array([0x2a]) },
    { name: 'text', data: utf8(sampleText(size)) },
    { name: 'JSON', data: utf8(sampleJson(size)) },
    { name: 'random bytes', data: patternBytes(size, 99) },
    { name: 'long runs', data: runs },
    { name: 'zeros', data: new Uint8Array(size) },
  ];
}

/** Writes bits least significant first, as DEFLATE packs them (RFC 1951 §3.1.1). */
export class BitWriter {
  private readonly bytes: number[] = [];
  private bits = 0;
  private count = 0;

  /** Writes `value` in `n` bits, least significant bit first (header fields, extra bits). */
  bitsLsb(value: number, n: number): this {
    for (let i = 0; i < n; i++) this.push((value >>> i) & 1);
    return this;
  }

  /** Writes a Huffman code of `n` bits, most significant bit first (RFC 1951 §3.1.1). */
  code(value: number, n: number): this {
    for (let i = n - 1; i >= 0; i--) this.push((value >>> i) & 1);
    return this;
  }

  /** Pads to a byte boundary with zero bits. */
  align(): this {
    while (this.count !== 0) this.push(0);
    return this;
  }

  /** Appends whole bytes (after align). */
  raw(...bytes: number[]): this {
    for (const byte of bytes) this.bitsLsb(byte, 8);
    return this;
  }

  /** The bytes written, the last one zero-padded. */
  finish(): Uint8Array {
    const out = [...this.bytes];
    if (this.count > 0) out.push(this.bits);
    return new Uint8Array(out);
  }

  private push(bit: number): void {
    this.bits |= bit << this.count;
    if (++this.count === 8) {
      this.bytes.push(this.bits);
      this.bits = 0;
      this.count = 0;
    }
  }
}

/** RFC 1951 §3.2.6: writes a fixed-Huffman literal/length symbol. */
export function fixedSymbol(writer: BitWriter, symbol: number): BitWriter {
  if (symbol < 144) return writer.code(0x30 + symbol, 8);
  if (symbol < 256) return writer.code(0x190 + symbol - 144, 9);
  if (symbol < 280) return writer.code(symbol - 256, 7);
  return writer.code(0xc0 + symbol - 280, 8);
}

export type Zlib = typeof import('node:zlib');

/** node:zlib, loaded at run time (never at the top of a file that the browser also runs). */
export function loadZlib(): Promise<Zlib> {
  return importNode<Zlib>('node:zlib');
}

/** zlib's sync-flushed raw DEFLATE of one message, the tail removed (RFC 7692 §7.2.1). */
export function zlibDeflate(zlib: Zlib, data: Uint8Array, windowBits: number, level = 6): Uint8Array {
  const out = zlib.deflateRawSync(data, { windowBits, level, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return new Uint8Array(out.buffer, out.byteOffset, out.length - TAIL.length);
}

/**
 * zlib inflating messages that share one window: each message's payload plus the tail, all
 * through one inflater (RFC 7692 §7.2.2), so the concatenated output is the messages in order.
 */
export function zlibInflate(zlib: Zlib, payloads: readonly Uint8Array[], windowBits: number): Uint8Array {
  const input = concat(...payloads.flatMap((payload) => [payload, TAIL]));
  const out = zlib.inflateRawSync(input, { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * zlib compressing messages that share one window (context takeover): one streaming deflater,
 * a sync flush after each message, the tail removed from each.
 */
export async function zlibDeflateMessages(
  zlib: Zlib, messages: readonly Uint8Array[], windowBits: number, level = 6,
): Promise<Uint8Array[]> {
  const deflate = zlib.createDeflateRaw({ windowBits, level });
  const payloads: Uint8Array[] = [];
  for (const message of messages) {
    const chunks: Uint8Array[] = [];
    const onData = (chunk: Uint8Array) => void chunks.push(new Uint8Array(chunk));
    deflate.on('data', onData);
    deflate.write(message);
    await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    deflate.off('data', onData);
    const joined = concat(...chunks);
    payloads.push(joined.subarray(0, joined.length - TAIL.length));
  }
  deflate.close();
  return payloads;
}
