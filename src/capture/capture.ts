/**
 * Capture files into packets: a sans-I/O reader for libpcap and pcapng. Bytes go in by `push`,
 * whole link-layer packets come out of `packets()`, in file order. Layer 6 (src/capture, portable: the CLI and the page); no `node:`
 * imports here — `capture-file.ts` feeds it from the file system.
 *
 * Formats, as specified by the IETF OPSAWG drafts:
 * - libpcap (draft-ietf-opsawg-pcap): 24-byte file header, then 16-byte record headers.
 * - pcapng (draft-ietf-opsawg-pcapng): blocks of `type, total length, body, total length`, in
 *   sections that each start with a Section Header Block and may use either byte order.
 *
 * @module
 */

import { ByteQueue } from './_byte-queue.ts';

/** Stable reasons a capture cannot be read further. Tools may match on them. */
export const CAPTURE_ERROR_CODES = {
  /** The first bytes are neither a pcap magic number nor a pcapng Section Header Block. */
  UNKNOWN_FORMAT: 'UNKNOWN_FORMAT',
  /** The capture ends inside a header or a record (a capture cut short, a download cut off). */
  TRUNCATED: 'TRUNCATED',
  /** A length or field is impossible, so the following records cannot be found. */
  MALFORMED: 'MALFORMED',
  /** A pcap or pcapng major version this reader does not know. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
} as const;

/** A value of {@link CAPTURE_ERROR_CODES}. */
export type CaptureErrorCode = keyof typeof CAPTURE_ERROR_CODES;

/**
 * The capture file cannot be read (further). `offset` is the file position of the header or block
 * that failed. Packets read before it stay valid; the reader stays failed and throws this same
 * error again if asked for more.
 *
 * @example
 * ```ts
 * const reader = new CaptureReader();
 * reader.push(new TextEncoder().encode('GIF89a...'));
 * try { [...reader.packets()]; } catch (e) { console.log((e as CaptureError).code); } // UNKNOWN_FORMAT
 * ```
 */
export class CaptureError extends Error {
  /** Stable machine-readable reason. */
  readonly code: CaptureErrorCode;
  /** Byte position in the capture of the header or record that failed. */
  readonly offset: number;

  constructor(code: CaptureErrorCode, message: string, offset: number) {
    super(message);
    this.name = 'CaptureError';
    this.code = code;
    this.offset = offset;
  }
}

/** One captured packet, as the capture file stores it. */
export interface CapturedPacket {
  /**
   * Seconds since the Unix epoch, with the file's resolution (micro-, nano-, or any `if_tsresol`).
   * `NaN` for a pcapng Simple Packet Block, which carries no timestamp (pcapng §4.4).
   */
  time: number;
  /** LINKTYPE_* value of the interface (1 Ethernet, 113 Linux SLL, 101 raw IP, …). */
  linkType: number;
  /**
   * The captured bytes (possibly fewer than `originalLength` when the snapshot length cut them).
   * A view into a pushed chunk when the record lies inside one chunk, else a fresh copy; the
   * reader never writes to it, and the caller must not reuse a pushed chunk's memory while views
   * into it are alive.
   */
  data: Uint8Array;
  /** Length of the packet on the wire. */
  originalLength: number;
  /** pcapng interface index within the current section; 0 for pcap files. */
  interfaceId: number;
  /** pcapng section index (0, 1, … for each Section Header Block); 0 for pcap files. */
  section: number;
}

/** What {@link CaptureReader} accepts. */
export interface CaptureReaderOptions {
  /**
   * The longest record or block accepted, in bytes (default 64 MiB). A longer declared length is
   * reported as `MALFORMED` instead of buffering the rest of the file while waiting for it.
   */
  maxRecordLength?: number;
  /**
   * Gets the secrets of each pcapng Decryption Secrets Block (pcapng §4.7), in file order, as
   * they are read: their type (0x544c534b for a TLS key log) and data (a view, not a copy).
   */
  onSecrets?: (type: number, data: Uint8Array) => void;
}

/** Counters of records that were skipped rather than returned. */
export interface CaptureStats {
  /** Packets returned so far. */
  packets: number;
  /** pcapng blocks of a type this reader does not use (statistics, name resolution, custom, …). */
  skippedBlocks: number;
  /** Packet blocks that name an interface the section never described, or are too short. */
  badBlocks: number;
}

/** The capture file format, once its first bytes are known. */
export type CaptureFormat = 'pcap' | 'pcapng';

const DEFAULT_MAX_RECORD_LENGTH = 64 * 1024 * 1024;
const TWO_POW_32 = 0x1_0000_0000;
// Above this high word a 64-bit timestamp no longer fits in 2^53 and needs BigInt arithmetic.
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

// draft-ietf-opsawg-pcap §4: the magic number, read little-endian, tells byte order and resolution.
const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
const PCAP_MAGIC_NANO = 0xa1b23c4d;
const PCAP_MAGIC_MICRO_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NANO_SWAPPED = 0x4d3cb2a1;
const PCAP_FILE_HEADER_LENGTH = 24;
const PCAP_RECORD_HEADER_LENGTH = 16;
const PCAP_MAJOR_VERSION = 2;
// draft-ietf-opsawg-pcap §4: LinkType is the low 16 bits; the high bits carry FCS information.
const PCAP_LINK_TYPE_BITS = 0xffff;

// pcapng §4.1: the SHB type is a palindrome, so it reads the same in either byte order.
const BLOCK_SECTION_HEADER = 0x0a0d0d0a;
const BLOCK_INTERFACE_DESCRIPTION = 0x00000001;
const BLOCK_PACKET_OBSOLETE = 0x00000002;
const BLOCK_SIMPLE_PACKET = 0x00000003;
const BLOCK_ENHANCED_PACKET = 0x00000006;
const BLOCK_DECRYPTION_SECRETS = 0x0000000a;
// Secrets type and secrets length (pcapng §4.7).
const DSB_BODY_MIN_LENGTH = 8;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_MAJOR_VERSION = 1;
// Type, total length and the trailing total length (pcapng §3.1).
const BLOCK_FRAMING_LENGTH = 12;
// Type, total length and the byte-order magic: enough to learn a section's byte order.
const SHB_PREFIX_LENGTH = 12;
const SHB_BODY_MIN_LENGTH = 16;
const IDB_BODY_MIN_LENGTH = 8;
// Interface, timestamp (2 words), captured and original length: EPB, and the obsolete Packet Block.
const EPB_BODY_MIN_LENGTH = 20;
const SPB_BODY_MIN_LENGTH = 4;
const OPTION_END = 0;
const OPTION_IF_TSRESOL = 9;
const OPTION_IF_TSOFFSET = 14;
// pcapng §4.2 if_tsresol: MSB clear = negative power of 10, MSB set = negative power of 2.
const TSRESOL_BASE2_BIT = 0x80;
const DEFAULT_TSRESOL_EXPONENT = 6;

/** Per-interface state of a pcapng section. */
interface PcapngInterface {
  linkType: number;
  snapLength: number;
  unitsPerSecond: number;
  unitsPerSecondBig: bigint;
  offsetSeconds: number;
}

type ReaderState =
  | { kind: 'start' }
  | { kind: 'pcap'; littleEndian: boolean; fractionsPerSecond: number; linkType: number }
  | { kind: 'pcapng'; littleEndian: boolean; interfaces: PcapngInterface[]; section: number }
  | { kind: 'failed'; error: CaptureError };


function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Converts a count of `1 / unitsPerSecond` units, split in two 32-bit words, to seconds. */
function unitsToSeconds(high: number, low: number, unitsPerSecond: number, unitsPerSecondBig: bigint): number {
  if (high <= MAX_SAFE_HIGH_WORD && Number.isSafeInteger(unitsPerSecond)) {
    const units = high * TWO_POW_32 + low;
    let seconds = Math.floor(units / unitsPerSecond);
    // The quotient is rounded; it can land one above the true integer part.
    if (seconds * unitsPerSecond > units) seconds--;
    return seconds + (units - seconds * unitsPerSecond) / unitsPerSecond;
  }
  const units = (BigInt(high) << 32n) | BigInt(low);
  const seconds = units / unitsPerSecondBig;
  return Number(seconds) + Number(units - seconds * unitsPerSecondBig) / unitsPerSecond;
}

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Reads libpcap (microsecond and nanosecond magic, either byte order) and pcapng (any number of
 * sections, either byte order, IDB/EPB/SPB and the obsolete Packet Block, several interfaces
 * with their own link type and `if_tsresol`/`if_tsoffset`; other blocks skipped). Memory holds at
 * most one record plus the unread part of the last chunk.
 *
 * `packets()` throws a {@link CaptureError} when the data cannot be read further; after `end()`,
 * a final incomplete record is a `TRUNCATED` error, raised only once every complete packet before
 * it has been returned.
 *
 * @example
 * ```ts
 * // A little-endian microsecond pcap header (link type 1), then one record: 1.5 s, 2 bytes.
 * const header = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
 * const record = new Uint8Array([1, 0, 0, 0, 0x20, 0xa1, 0x07, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0xab, 0xcd]);
 * const reader = new CaptureReader();
 * reader.push(header);
 * reader.push(record.subarray(0, 5)); // chunks may end anywhere
 * console.log([...reader.packets()].length); // 0
 * reader.push(record.subarray(5));
 * for (const packet of reader.packets()) console.log(packet.time, packet.linkType, packet.data); // 1.5 1 Uint8Array(2) [ 171, 205 ]
 * reader.push(record.subarray(0, 5));
 * try { reader.end(); } catch (error) { console.log((error as CaptureError).code); } // TRUNCATED
 * ```
 */
export class CaptureReader {
  /** Counters of packets returned and records skipped. */
  readonly stats: CaptureStats = { packets: 0, skippedBlocks: 0, badBlocks: 0 };
  private readonly queue = new ByteQueue();
  private readonly maxRecordLength: number;
  private readonly onSecrets: CaptureReaderOptions['onSecrets'];
  private state: ReaderState = { kind: 'start' };
  private ended = false;
  // Bytes the record at the front needs, once its header said so: a push that does not reach it
  // returns at once instead of parsing the header again (2 MiB in one-byte pushes: 13.8 s -> 2 s).
  private awaiting = 0;

  constructor(options: CaptureReaderOptions = {}) {
    this.maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
    this.onSecrets = options.onSecrets;
  }

  /** `'pcap'` or `'pcapng'` once the first bytes have been read, else `undefined`. */
  get format(): CaptureFormat | undefined {
    const kind = this.state.kind;
    return kind === 'pcap' || kind === 'pcapng' ? kind : undefined;
  }

  /**
   * Bytes of pushed chunks the reader still references (unread bytes, plus the read part of the
   * chunk being read): at most one record plus one chunk, whatever the file size.
   */
  get retainedBytes(): number {
    return this.queue.retainedBytes;
  }

  /** Adds the next bytes of the capture. The chunk is kept by reference, not copied. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('Cannot push to a CaptureReader after end()');
    this.queue.push(chunk);
  }

  /**
   * Lets go of the last chunk pushed: its bytes not read yet (the start of a record the next
   * chunk completes) are copied, so the caller may reuse the chunk's memory for the next read.
   * Call it once `packets()` has returned what the chunk completed; packets returned before
   * still view the chunk, as the caller's own data. Each byte is copied at most once.
   *
   * @example
   * ```ts
   * const header = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
   * const record = new Uint8Array([1, 0, 0, 0, 0x20, 0xa1, 0x07, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0xab, 0xcd]);
   * const reader = new CaptureReader();
   * const buffer = new Uint8Array(30);
   * buffer.set(header);
   * buffer.set(record.subarray(0, 6), 24);
   * reader.push(buffer);
   * reader.detach();
   * buffer.set(record.subarray(6, 18)); // the same memory, read again
   * reader.push(buffer.subarray(0, 12));
   * console.log([...reader.packets()][0].data); // Uint8Array(2) [ 171, 205 ]
   * ```
   */
  detach(): void {
    this.queue.detach();
  }

  /**
   * Says no more bytes will come. Throws the `TRUNCATED` error at once when nothing complete is
   * left to read (an empty file, or bytes that stop inside a header or record); otherwise the
   * error comes from `packets()` after the last complete packet.
   */
  end(): void {
    this.ended = true;
    if (this.state.kind === 'failed') throw this.state.error;
    if (this.queue.length === 0 && this.state.kind !== 'start') return;
    if (!this.hasCompleteRecord()) this.fail(this.truncation());
  }

  /** Yields every packet that the bytes pushed so far complete. Throws {@link CaptureError}. */
  *packets(): Generator<CapturedPacket, void, undefined> {
    for (;;) {
      const packet = this.read();
      if (packet === undefined) return;
      yield packet;
    }
  }

  /** The next complete packet, or `undefined` until more bytes arrive. Throws {@link CaptureError}. */
  read(): CapturedPacket | undefined {
    if (this.queue.length < this.awaiting && !this.ended) return undefined;
    for (;;) {
      const state = this.state;
      let packet: CapturedPacket | undefined | null;
      if (state.kind === 'failed') throw state.error;
      else if (state.kind === 'start') packet = this.readFileStart();
      else if (state.kind === 'pcap') packet = this.readPcapRecord(state);
      else packet = this.readPcapngBlock(state);
      if (packet !== undefined) this.awaiting = 0;
      // null: a record was consumed that is not a packet (a header, a skipped block); go on.
      if (packet === null) continue;
      if (packet === undefined && this.ended && this.queue.length > 0) this.fail(this.truncation());
      if (packet !== undefined) this.stats.packets++;
      return packet;
    }
  }

  private fail(error: CaptureError): never {
    this.state = { kind: 'failed', error };
    throw error;
  }

  private truncation(): CaptureError {
    const offset = this.queue.consumed;
    const what = this.state.kind === 'start'
      ? 'the file header'
      : this.state.kind === 'pcap' ? 'a packet record' : 'a pcapng block';
    if (offset === 0 && this.queue.length === 0) {
      return new CaptureError('TRUNCATED', 'Cannot read capture: the file is empty', 0);
    }
    return new CaptureError(
      'TRUNCATED',
      `Cannot read capture: it ends inside ${what} at byte ${offset} (${this.queue.length} bytes left over)`,
      offset,
    );
  }

  /** Whether the buffered bytes hold at least one whole header, record or block. */
  private hasCompleteRecord(): boolean {
    const state = this.state;
    const queue = this.queue;
    if (state.kind === 'start') {
      if (queue.length < 4) return false;
      // Unknown magic is an UNKNOWN_FORMAT error even in a file too short for a header.
      if (this.readFileStart() === undefined) return false;
      return this.queue.length === 0 || this.hasCompleteRecord();
    }
    if (state.kind === 'pcap') {
      if (queue.length < PCAP_RECORD_HEADER_LENGTH) return false;
      const length = view(queue.peek(PCAP_RECORD_HEADER_LENGTH)).getUint32(8, state.littleEndian);
      return queue.length >= PCAP_RECORD_HEADER_LENGTH + length;
    }
    if (state.kind === 'pcapng') return this.blockLengthIfComplete(state.littleEndian) !== undefined;
    return false;
  }

  private readFileStart(): CapturedPacket | undefined | null {
    const queue = this.queue;
    if (queue.length < 4) return undefined;
    const magic = view(queue.peek(4)).getUint32(0, true);
    if (magic === BLOCK_SECTION_HEADER) {
      this.state = { kind: 'pcapng', littleEndian: true, interfaces: [], section: -1 };
      return null;
    }
    let littleEndian: boolean;
    let fractionsPerSecond: number;
    if (magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_MICRO_SWAPPED) fractionsPerSecond = 1e6;
    else if (magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_NANO_SWAPPED) fractionsPerSecond = 1e9;
    else {
      this.fail(new CaptureError(
        'UNKNOWN_FORMAT',
        `Cannot read capture: not a pcap or pcapng file (first bytes ${hex32(view(queue.peek(4)).getUint32(0, false))})`,
        0,
      ));
    }
    littleEndian = magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO;
    if (queue.length < PCAP_FILE_HEADER_LENGTH) return undefined;
    const header = view(queue.take(PCAP_FILE_HEADER_LENGTH));
    const major = header.getUint16(4, littleEndian);
    if (major !== PCAP_MAJOR_VERSION) {
      this.fail(new CaptureError(
        'UNSUPPORTED_VERSION', `Cannot read capture: pcap version ${major} is not supported (only 2.x)`, 4,
      ));
    }
    const linkType = header.getUint32(20, littleEndian) & PCAP_LINK_TYPE_BITS;
    this.state = { kind: 'pcap', littleEndian, fractionsPerSecond, linkType };
    return null;
  }

  private readPcapRecord(
    state: Extract<ReaderState, { kind: 'pcap' }>,
  ): CapturedPacket | undefined {
    const queue = this.queue;
    if (queue.length < PCAP_RECORD_HEADER_LENGTH) return undefined;
    const header = view(queue.peek(PCAP_RECORD_HEADER_LENGTH));
    const le = state.littleEndian;
    const capturedLength = header.getUint32(8, le);
    if (capturedLength > this.maxRecordLength) {
      this.fail(new CaptureError(
        'MALFORMED',
        `Cannot read capture: packet record at byte ${queue.consumed} claims ${capturedLength} captured bytes (limit ${this.maxRecordLength})`,
        queue.consumed,
      ));
    }
    if (queue.length < PCAP_RECORD_HEADER_LENGTH + capturedLength) {
      this.awaiting = PCAP_RECORD_HEADER_LENGTH + capturedLength;
      return undefined;
    }
    const seconds = header.getUint32(0, le);
    const fraction = header.getUint32(4, le);
    const originalLength = header.getUint32(12, le);
    queue.skip(PCAP_RECORD_HEADER_LENGTH);
    const data = queue.take(capturedLength);
    return {
      time: seconds + fraction / state.fractionsPerSecond,
      linkType: state.linkType,
      data,
      originalLength,
      interfaceId: 0,
      section: 0,
    };
  }

  /**
   * The total length of the block at the front when all of it is buffered; `undefined` while it
   * is not. `littleEndian` undefined means "a Section Header Block: learn the order from it".
   * Throws MALFORMED for impossible lengths.
   */
  private blockLengthIfComplete(littleEndian: boolean | undefined): number | undefined {
    const queue = this.queue;
    if (queue.length < SHB_PREFIX_LENGTH) return undefined;
    const prefix = view(queue.peek(SHB_PREFIX_LENGTH));
    let le = littleEndian;
    if (le === undefined || prefix.getUint32(0, true) === BLOCK_SECTION_HEADER) {
      // pcapng §4.1: a new section may switch byte order; its magic says which.
      const magic = prefix.getUint32(8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else {
        this.fail(new CaptureError(
          'MALFORMED',
          `Cannot read capture: Section Header Block at byte ${queue.consumed} has byte-order magic ${hex32(prefix.getUint32(8, false))}`,
          queue.consumed,
        ));
      }
    }
    const totalLength = prefix.getUint32(4, le);
    // pcapng §3.1: the total length counts the 12 framing bytes and is a multiple of 4.
    if (totalLength < BLOCK_FRAMING_LENGTH || totalLength % 4 !== 0 || totalLength > this.maxRecordLength) {
      this.fail(new CaptureError(
        'MALFORMED',
        `Cannot read capture: block at byte ${queue.consumed} has total length ${totalLength}`,
        queue.consumed,
      ));
    }
    if (queue.length >= totalLength) return totalLength;
    this.awaiting = totalLength;
    return undefined;
  }

  private readPcapngBlock(
    state: Extract<ReaderState, { kind: 'pcapng' }>,
  ): CapturedPacket | undefined | null {
    const queue = this.queue;
    const blockOffset = queue.consumed;
    const totalLength = this.blockLengthIfComplete(state.littleEndian);
    if (totalLength === undefined) return undefined;
    const block = queue.take(totalLength);
    const dv = view(block);
    const type = dv.getUint32(0, true);
    if (type === BLOCK_SECTION_HEADER) {
      return this.readSectionHeader(state, dv, blockOffset);
    }
    const le = state.littleEndian;
    if (state.section < 0) {
      this.fail(new CaptureError(
        'MALFORMED', 'Cannot read capture: pcapng file does not start with a Section Header Block', blockOffset,
      ));
    }
    if (dv.getUint32(totalLength - 4, le) !== totalLength) {
      this.fail(new CaptureError(
        'MALFORMED',
        `Cannot read capture: block at byte ${blockOffset} has different leading and trailing lengths`,
        blockOffset,
      ));
    }
    const bodyLength = totalLength - BLOCK_FRAMING_LENGTH;
    const blockType = dv.getUint32(0, le);
    switch (blockType) {
      case BLOCK_INTERFACE_DESCRIPTION:
        this.readInterfaceDescription(state, dv, bodyLength);
        return null;
      case BLOCK_ENHANCED_PACKET:
        if (bodyLength < EPB_BODY_MIN_LENGTH) return this.badBlock();
        return this.readTimestampedPacket(state, block, dv, bodyLength, dv.getUint32(8, state.littleEndian));
      case BLOCK_SIMPLE_PACKET:
        return this.readSimplePacket(state, block, dv, bodyLength);
      case BLOCK_PACKET_OBSOLETE:
        if (bodyLength < EPB_BODY_MIN_LENGTH) return this.badBlock();
        return this.readTimestampedPacket(state, block, dv, bodyLength, dv.getUint16(8, state.littleEndian));
      case BLOCK_DECRYPTION_SECRETS: {
        const length = bodyLength < DSB_BODY_MIN_LENGTH ? -1 : dv.getUint32(12, state.littleEndian);
        if (length < 0 || length > bodyLength - DSB_BODY_MIN_LENGTH) return this.badBlock();
        this.onSecrets?.(dv.getUint32(8, state.littleEndian), block.subarray(16, 16 + length));
        return null;
      }
      default:
        this.stats.skippedBlocks++;
        return null;
    }
  }

  private readSectionHeader(
    state: Extract<ReaderState, { kind: 'pcapng' }>,
    dv: DataView,
    blockOffset: number,
  ): null {
    const le = dv.getUint32(8, true) === BYTE_ORDER_MAGIC;
    const totalLength = dv.byteLength;
    if (totalLength - BLOCK_FRAMING_LENGTH < SHB_BODY_MIN_LENGTH || dv.getUint32(totalLength - 4, le) !== totalLength) {
      this.fail(new CaptureError(
        'MALFORMED', `Cannot read capture: Section Header Block at byte ${blockOffset} is malformed`, blockOffset,
      ));
    }
    const major = dv.getUint16(12, le);
    if (major !== PCAPNG_MAJOR_VERSION) {
      this.fail(new CaptureError(
        'UNSUPPORTED_VERSION',
        `Cannot read capture: pcapng version ${major} is not supported (only 1.x)`,
        blockOffset,
      ));
    }
    state.littleEndian = le;
    state.interfaces = [];
    state.section++;
    return null;
  }

  private readInterfaceDescription(
    state: Extract<ReaderState, { kind: 'pcapng' }>,
    dv: DataView,
    bodyLength: number,
  ): void {
    const le = state.littleEndian;
    if (bodyLength < IDB_BODY_MIN_LENGTH) {
      // Keep interface numbering right for the blocks that follow, with a link type nobody decodes.
      state.interfaces.push(makeInterface(0xffff, 0, DEFAULT_TSRESOL_EXPONENT, false, 0));
      this.stats.badBlocks++;
      return;
    }
    const linkType = dv.getUint16(8, le);
    const snapLength = dv.getUint32(12, le);
    let exponent = DEFAULT_TSRESOL_EXPONENT;
    let base2 = false;
    let offsetSeconds = 0;
    let position = 8 + IDB_BODY_MIN_LENGTH;
    const optionsEnd = 8 + bodyLength;
    while (position + 4 <= optionsEnd) {
      const code = dv.getUint16(position, le);
      const length = dv.getUint16(position + 2, le);
      const value = position + 4;
      if (code === OPTION_END || value + length > optionsEnd) break;
      if (code === OPTION_IF_TSRESOL && length >= 1) {
        const resolution = dv.getUint8(value);
        base2 = (resolution & TSRESOL_BASE2_BIT) !== 0;
        exponent = resolution & ~TSRESOL_BASE2_BIT;
      } else if (code === OPTION_IF_TSOFFSET && length >= 8) {
        offsetSeconds = Number(dv.getBigInt64(value, le));
      }
      // pcapng §3.5: option values are padded to 32 bits.
      position = value + ((length + 3) & ~3);
    }
    state.interfaces.push(makeInterface(linkType, snapLength, exponent, base2, offsetSeconds));
  }

  private packetInterface(
    state: Extract<ReaderState, { kind: 'pcapng' }>,
    interfaceId: number,
  ): PcapngInterface | undefined {
    const found = state.interfaces[interfaceId];
    if (found === undefined) this.stats.badBlocks++;
    return found;
  }

  /**
   * An Enhanced Packet Block (pcapng §4.3) or an obsolete Packet Block (pcapng Appendix A): the
   * same layout after the interface field, which is 32 bits in one and 16 bits in the other.
   */
  private readTimestampedPacket(
    state: Extract<ReaderState, { kind: 'pcapng' }>,
    block: Uint8Array,
    dv: DataView,
    bodyLength: number,
    interfaceId: number,
  ): CapturedPacket | null {
    const le = state.littleEndian;
    const iface = this.packetInterface(state, interfaceId);
    if (iface === undefined) return null;
    const capturedLength = dv.getUint32(20, le);
    if (capturedLength > bodyLength - EPB_BODY_MIN_LENGTH) return this.badBlock();
    return {
      time: timestamp(iface, dv.getUint32(12, le), dv.getUint32(16, le)),
      linkType: iface.linkType,
      data: block.subarray(28, 28 + capturedLength),
      originalLength: dv.getUint32(24, le),
      interfaceId,
      section: state.section,
    };
  }

  private readSimplePacket(
    state: Extract<ReaderState, { kind: 'pcapng' }>,
    block: Uint8Array,
    dv: DataView,
    bodyLength: number,
  ): CapturedPacket | null {
    if (bodyLength < SPB_BODY_MIN_LENGTH) return this.badBlock();
    // pcapng §4.4: a Simple Packet Block belongs to the first interface and has no timestamp.
    const iface = this.packetInterface(state, 0);
    if (iface === undefined) return null;
    const originalLength = dv.getUint32(8, state.littleEndian);
    // pcapng §4.4: captured length = min(original length, snap length, what the block holds).
    let capturedLength = Math.min(originalLength, bodyLength - SPB_BODY_MIN_LENGTH);
    if (iface.snapLength > 0) capturedLength = Math.min(capturedLength, iface.snapLength);
    return {
      time: Number.NaN,
      linkType: iface.linkType,
      data: block.subarray(12, 12 + capturedLength),
      originalLength,
      interfaceId: 0,
      section: state.section,
    };
  }

  private badBlock(): null {
    this.stats.badBlocks++;
    return null;
  }
}

function makeInterface(
  linkType: number,
  snapLength: number,
  exponent: number,
  base2: boolean,
  offsetSeconds: number,
): PcapngInterface {
  return {
    linkType,
    snapLength,
    unitsPerSecond: (base2 ? 2 : 10) ** exponent,
    unitsPerSecondBig: (base2 ? 2n : 10n) ** BigInt(exponent),
    offsetSeconds,
  };
}

function timestamp(iface: PcapngInterface, high: number, low: number): number {
  const seconds = unitsToSeconds(high, low, iface.unitsPerSecond, iface.unitsPerSecondBig);
  return iface.offsetSeconds === 0 ? seconds : seconds + iface.offsetSeconds;
}

/**
 * Reads a whole capture from any source of chunks (a `node:fs` read stream, a `fetch` body's
 * reader, an array in a test) and yields its packets as they complete. Memory stays bounded by the
 * largest record plus one chunk. Throws {@link CaptureError} after yielding every packet before
 * the problem.
 *
 * @example
 * ```ts
 * const header = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
 * const record = new Uint8Array([1, 0, 0, 0, 0x20, 0xa1, 0x07, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0xab, 0xcd]);
 * for await (const packet of readCapture([header, record])) console.log(packet.time, packet.data.length); // 1.5 2
 * ```
 */
export async function* readCapture(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: CaptureReaderOptions = {},
): AsyncGenerator<CapturedPacket, CaptureStats, undefined> {
  const reader = new CaptureReader(options);
  for await (const chunk of source) {
    reader.push(chunk);
    yield* reader.packets();
  }
  // Every complete packet has been yielded, so end() throws only for a cut-off tail.
  reader.end();
  return reader.stats;
}
