/**
 * Finding frame boundaries in a WebSocket byte stream without its start: after a gap in a capture,
 * or in a connection whose handshake the capture lacks (`--decode-as`). A strict scan: a candidate
 * offset is taken only when a chain of consecutive frames starts there, each header plausible for
 * the direction (known opcode, MASK set exactly for a client's frames, no RSV2/RSV3, RSV1 only
 * where an extension may put it, short final control frames, a valid close payload, valid UTF-8
 * in a final uncompressed text frame) and each following the one before in message order.
 * Portable (no `node:` import).
 */

import { decodeClosePayload, decodeHeader, isValidUtf8, type FrameHeader } from '../index.ts';
import type { StreamAnalyzer, StreamRecord } from './analyze.ts';

/** What the scan checks headers against. */
export interface FrameChainOptions {
  /** `'server'`: the bytes are a client's (every frame masked); `'client'`: a server's (none masked). */
  role: 'server' | 'client';
  /** Whether RSV1 may be set on a message's first frame (permessage-deflate, known or not). */
  rsv1: boolean;
  /** Consecutive frames a lock needs (default {@link DEFAULT_CHAIN_FRAMES}). */
  frames?: number;
  /** Largest plausible payload length (default 64 MiB). */
  maxPayloadLength?: number;
}

/** Where a chain locked on: the first frame to decode, and how many frames were checked. */
export interface FrameChainLock {
  type: 'lock';
  /** Offset in the scanned bytes of the first frame to decode. */
  offset: number;
  /** Frames checked from the candidate on (including continuation frames skipped before `offset`). */
  frames: number;
}

/**
 * Frames a chain needs before the scan locks on. A random unmasked byte pair passes the header
 * checks about 1 time in 50, so four chained headers leave about one false lock in 6 million
 * offsets, before the message-order, close and UTF-8 checks.
 */
export const DEFAULT_CHAIN_FRAMES = 4;
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
// RFC 6455 §5.5: control frames carry at most 125 bytes and are never fragmented.
const MAX_CONTROL_PAYLOAD = 125;
// Final text frames up to this size have their UTF-8 checked during the scan.
const MAX_CHECKED_TEXT = 64 * 1024;

/**
 * Scans `bytes` from `from` for the first offset where a chain of frames starts. Returns the lock,
 * `'wait'` with the offset to resume from when more bytes could decide, or `'none'` when `ended`
 * and no offset qualifies. At the end of the stream a chain that ends exactly at the last byte
 * locks with fewer frames.
 *
 * @example
 * ```ts
 * import { findFrameChain } from './resync.ts';
 * const bytes = new Uint8Array([0x6c, 0x6f, 0x81, 0x02, 0x68, 0x69, 0x89, 0x00]); // "lo", then "hi" and a ping
 * console.log(findFrameChain(bytes, 0, true, { role: 'client', rsv1: false })); // { type: 'lock', offset: 2, frames: 2 }
 * ```
 */
export function findFrameChain(
  bytes: Uint8Array, from: number, ended: boolean, options: FrameChainOptions,
): FrameChainLock | { type: 'wait'; from: number } | { type: 'none' } {
  const needed = options.frames ?? DEFAULT_CHAIN_FRAMES;
  const maxPayload = options.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD;
  for (let start = from; start < bytes.length; start++) {
    const result = chainAt(bytes, start, ended, needed, maxPayload, options);
    if (result === 'fail') continue;
    if (result === 'wait') return { type: 'wait', from: start };
    return result;
  }
  return ended ? { type: 'none' } : { type: 'wait', from: bytes.length };
}

function chainAt(
  bytes: Uint8Array, start: number, ended: boolean, needed: number, maxPayload: number, options: FrameChainOptions,
): FrameChainLock | 'fail' | 'wait' {
  let at = start;
  let count = 0;
  // undefined: the chain started inside a message it cannot see the start of.
  let fragmented: boolean | undefined;
  let lockAt = start;
  let lockIndex = 0;
  for (;;) {
    if (count >= needed && count > lockIndex) return { type: 'lock', offset: lockAt, frames: count };
    if (at === bytes.length && ended && count > lockIndex) return { type: 'lock', offset: lockAt, frames: count };
    let header: FrameHeader | undefined;
    try {
      header = decodeHeader(bytes, at);
    } catch {
      return 'fail';
    }
    if (header === undefined) return ended ? 'fail' : 'wait';
    if (!isPlausible(header, options, maxPayload)) return 'fail';
    const end = at + header.headerLength + header.payloadLength;
    if (header.opcode === 0x0) {
      if (fragmented === false) return 'fail';
      if (fragmented === undefined) {
        // The tail of a message whose start is missing: decoding starts after it.
        lockAt = end;
        lockIndex = count + 1;
      }
      if (header.fin) fragmented = false;
    } else if (header.opcode < 0x8) {
      if (fragmented === true) return 'fail';
      fragmented = !header.fin;
    }
    count++;
    if (end > bytes.length) {
      // A whole header chained to the ones before counts without its payload.
      if (count >= needed && count > lockIndex) return { type: 'lock', offset: lockAt, frames: count };
      return ended ? 'fail' : 'wait';
    }
    if (!isPayloadPlausible(header, bytes.subarray(at + header.headerLength, end), fragmented)) return 'fail';
    at = end;
  }
}

function isPlausible(header: FrameHeader, options: FrameChainOptions, maxPayload: number): boolean {
  const { opcode } = header;
  if (!(opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa))) return false;
  if (header.rsv2 || header.rsv3) return false;
  if (header.rsv1 && !(options.rsv1 && (opcode === 0x1 || opcode === 0x2))) return false;
  if (header.masked !== (options.role === 'server')) return false;
  if (opcode >= 0x8) return header.fin && header.payloadLength <= MAX_CONTROL_PAYLOAD;
  return header.payloadLength <= maxPayload;
}

/** The payload checks: a close frame's code and reason, a final text frame's UTF-8. */
function isPayloadPlausible(header: FrameHeader, masked: Uint8Array, fragmented: boolean | undefined): boolean {
  const checkText = header.opcode === 0x1 && header.fin && !header.rsv1 && fragmented === false && masked.length <= MAX_CHECKED_TEXT;
  if (header.opcode !== 0x8 && !checkText) return true;
  const payload = unmasked(masked, header.maskingKey);
  if (checkText) return isValidUtf8(payload);
  try {
    decodeClosePayload(payload);
    return true;
  } catch {
    return false;
  }
}

function unmasked(payload: Uint8Array, key: Uint8Array | undefined): Uint8Array {
  if (key === undefined) return payload;
  const out = new Uint8Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = payload[i] ^ key[i & 3];
  return out;
}

/** Bytes of a direction lost in a gap, or skipped before the scan locked on. */
export interface LostRecord {
  type: 'lost';
  /** Where the lost data starts: the frame or message the gap cut, or the first byte after the gap. */
  offset: number;
  /** Bytes lost from `offset` on, the gap's own bytes included. */
  bytes: number;
  /** What was lost: a message that had started, a frame, or bytes whose frames are unknown. */
  what: 'message' | 'frame' | 'bytes';
  message: string;
}

/** Where the scan locked on to frame boundaries. */
export interface ResyncRecord {
  type: 'resync';
  /** Offset of the first frame decoded. */
  offset: number;
  /** Bytes skipped between the gap (or the capture's first byte) and that frame. */
  skipped: number;
  /** Consecutive frames that confirmed the lock. */
  frames: number;
}

export type ResyncingRecord = StreamRecord | LostRecord | ResyncRecord;

/** Options of {@link ResyncingAnalyzer}. */
export interface ResyncingOptions {
  /** The analyzer to decode with from a frame boundary on; `afterGap` is true after a loss. */
  analyzer: (afterGap: boolean) => StreamAnalyzer;
  chain: FrameChainOptions;
  /** Start by scanning (a connection without its handshake) instead of at a frame boundary. */
  scanFirst?: boolean;
  /** Most bytes held while scanning (default: 2 × the largest payload + 64 KiB); past it the oldest are dropped as lost. */
  maxScanBytes?: number;
}

/**
 * One direction of a connection that survives gaps: a {@link StreamAnalyzer} while the frame
 * boundaries are known; after a gap a `lost` record for what it cut, a scan for the next chain of
 * frames, a `resync` record where it locks on, and a fresh analyzer from there. Offsets count the
 * direction's bytes from the first one analysed, gaps included.
 */
export class ResyncingAnalyzer {
  readonly #options: ResyncingOptions;
  readonly #maxScanBytes: number;
  #analyzer: StreamAnalyzer | undefined;
  #afterGap = false;
  // Offset of the analyzer's first byte.
  #base = 0;
  #position = 0;
  // Scan state: bytes since #scanBase, and where the scan resumes.
  #scan: Uint8Array = new Uint8Array(0);
  #scanLength = 0;
  #scanBase = 0;
  #scanFrom = 0;
  // What the analyzer has shown: where its last complete frame ended, and an unfinished message.
  #framesEnd = 0;
  #messageStart: number | undefined;
  #messageKind = 'message';

  constructor(options: ResyncingOptions) {
    this.#options = options;
    this.#maxScanBytes = options.maxScanBytes ?? 2 * (options.chain.maxPayloadLength ?? DEFAULT_MAX_PAYLOAD) + 65536;
    if (options.scanFirst !== true) this.#analyzer = options.analyzer(false);
  }

  /** Whether a violation ended the analysis (not a gap: decoding goes on after those). */
  get failed(): boolean {
    return this.#analyzer?.failed ?? false;
  }

  /** Offset of the next byte. */
  get position(): number {
    return this.#position;
  }

  push(data: Uint8Array): ResyncingRecord[] {
    this.#position += data.length;
    if (this.#analyzer !== undefined) return this.#decoded(this.#analyzer.push(data));
    this.#append(data);
    return this.#rescan(false);
  }

  /** `bytes` are missing at the current position. */
  gap(bytes: number): ResyncingRecord[] {
    const records: ResyncingRecord[] = [];
    const at = this.#position;
    if (this.#analyzer !== undefined) {
      if (this.#analyzer.failed) {
        this.#position += bytes;
        return records;
      }
      const start = this.#messageStart ?? (this.#framesEnd < at ? this.#framesEnd : undefined);
      if (start !== undefined) {
        const what = this.#messageStart !== undefined ? 'message' : 'frame';
        records.push({
          type: 'lost', offset: start, bytes: at + bytes - start, what,
          message: `The ${what === 'message' ? `${this.#messageKind} message` : 'frame'} that started at byte ${start} is lost: ${bytes} bytes are missing at byte ${at}`,
        });
      }
      this.#analyzer = undefined;
    } else if (this.#scanLength > 0) {
      records.push(this.#lostScan(this.#scanLength + bytes));
    }
    this.#afterGap = true;
    this.#position += bytes;
    this.#scanBase = this.#position;
    this.#scanLength = 0;
    this.#scanFrom = 0;
    return records;
  }

  end(): ResyncingRecord[] {
    if (this.#analyzer !== undefined) return this.#decoded(this.#analyzer.end());
    const records = this.#rescan(true);
    if (this.#analyzer !== undefined) return [...records, ...this.#decoded((this.#analyzer as StreamAnalyzer).end())];
    if (this.#scanLength > 0) records.push(this.#lostScan(this.#scanLength));
    this.#scanLength = 0;
    return records;
  }

  #lostScan(bytes: number): LostRecord {
    return {
      type: 'lost', offset: this.#scanBase, bytes, what: 'bytes',
      message: `No chain of frames found in ${this.#scanLength} bytes from byte ${this.#scanBase}: they are not decoded`,
    };
  }

  #append(data: Uint8Array): void {
    const needed = this.#scanLength + data.length;
    if (needed > this.#scan.length) {
      const grown = new Uint8Array(Math.max(needed, this.#scan.length * 2, 4096));
      grown.set(this.#scan.subarray(0, this.#scanLength));
      this.#scan = grown;
    }
    this.#scan.set(data, this.#scanLength);
    this.#scanLength = needed;
  }

  #rescan(ended: boolean): ResyncingRecord[] {
    const records: ResyncingRecord[] = [];
    const bytes = this.#scan.subarray(0, this.#scanLength);
    const found = findFrameChain(bytes, this.#scanFrom, ended, this.#options.chain);
    if (found.type === 'wait') {
      this.#scanFrom = found.from;
      if (this.#scanLength > this.#maxScanBytes) {
        // No lock within the bound: what was held is given up, the scan starts afresh.
        records.push(this.#lostScan(this.#scanLength));
        this.#scanBase += this.#scanLength;
        this.#scanLength = 0;
        this.#scanFrom = 0;
      }
      return records;
    }
    if (found.type === 'none') return records;
    records.push({ type: 'resync', offset: this.#scanBase + found.offset, skipped: found.offset, frames: found.frames });
    this.#base = this.#scanBase + found.offset;
    this.#framesEnd = this.#base;
    this.#messageStart = undefined;
    this.#analyzer = this.#options.analyzer(this.#afterGap);
    const rest = bytes.slice(found.offset);
    this.#scan = new Uint8Array(0);
    this.#scanLength = 0;
    records.push(...this.#decoded(this.#analyzer.push(rest)));
    return records;
  }

  /** The analyzer's records at their offsets in the direction, noting what a gap would cut. */
  #decoded(records: StreamRecord[]): ResyncingRecord[] {
    const base = this.#base;
    for (const record of records) {
      if (record.type === 'frame') {
        if (base !== 0) {
          record.offset += base;
          record.header_offset += base;
          record.payload_offset += base;
          if (record.masking_key_offset !== undefined) record.masking_key_offset += base;
        }
        this.#framesEnd = record.payload_offset + record['websocket.payload_length'];
        const opcode = record['websocket.opcode'];
        if (opcode === 0x1 || opcode === 0x2) {
          this.#messageKind = opcode === 0x1 ? 'text' : 'binary';
          this.#messageStart = record['websocket.fin'] ? undefined : record.offset;
        } else if (opcode === 0x0 && record['websocket.fin']) {
          this.#messageStart = undefined;
        }
      } else if (record.type === 'error' && record.offset !== undefined && base !== 0) {
        record.offset += base;
      }
    }
    return records;
  }
}
