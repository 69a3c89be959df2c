import { describe, expect, it } from 'vitest';
import { CaptureError, CaptureReader, readCapture, type CapturedPacket } from '../src/capture/capture.ts';
import { thrownBy } from './_bytes.ts';
import { chunked, concat, pcapFile, pcapngFile, type PacketRecord } from './_capture-builder.ts';

// The capture reader is portable (src/capture): the CLI and the learner's page use it, so it is tested in every runtime.

function readAll(bytes: Uint8Array | Uint8Array[]): CapturedPacket[] {
  const reader = new CaptureReader();
  const packets: CapturedPacket[] = [];
  for (const chunk of Array.isArray(bytes) ? bytes : [bytes]) {
    reader.push(chunk);
    packets.push(...reader.packets());
  }
  reader.end();
  packets.push(...reader.packets());
  return packets;
}

/** Runs `fn`, asserts a CaptureError with this code, returns it. */
function expectCaptureError(fn: () => unknown, code: string): CaptureError {
  const caught = thrownBy(fn);
  expect(caught).toBeInstanceOf(CaptureError);
  expect((caught as CaptureError).code).toBe(code);
  return caught as CaptureError;
}

function summary(packets: CapturedPacket[]) {
  return packets.map((packet) => ({
    time: packet.time,
    linkType: packet.linkType,
    data: [...packet.data],
    originalLength: packet.originalLength,
    interfaceId: packet.interfaceId,
    section: packet.section,
  }));
}

const records: PacketRecord[] = [
  { seconds: 1_700_000_000, fraction: 123_456, data: new Uint8Array([1, 2, 3, 4, 5]) },
  { seconds: 1_700_000_001, fraction: 999_999, data: new Uint8Array([6, 7]), originalLength: 1500 },
  { seconds: 0xffff_fffe, fraction: 0, data: new Uint8Array(0) },
];

describe('CaptureReader on libpcap files', () => {
  for (const nanosecond of [false, true]) {
    for (const bigEndian of [false, true]) {
      const name = `${nanosecond ? 'nanosecond' : 'microsecond'} ${bigEndian ? 'big' : 'little'}-endian`;
      it(`reads every record of a ${name} pcap file with exact timestamps and lengths`, () => {
        const file = pcapFile(records, { linkType: 113, nanosecond, bigEndian });
        const scale = nanosecond ? 1e9 : 1e6;
        const reader = new CaptureReader();
        reader.push(file);
        const packets = [...reader.packets()];
        reader.end();
        expect(reader.format).toBe('pcap');
        expect(summary(packets)).toEqual([
          { time: 1_700_000_000 + 123_456 / scale, linkType: 113, data: [1, 2, 3, 4, 5], originalLength: 5, interfaceId: 0, section: 0 },
          { time: 1_700_000_001 + 999_999 / scale, linkType: 113, data: [6, 7], originalLength: 1500, interfaceId: 0, section: 0 },
          { time: 4_294_967_294, linkType: 113, data: [], originalLength: 0, interfaceId: 0, section: 0 },
        ]);
      });
    }
  }

  it('reads the link type from the low 16 bits of the LinkType field, ignoring the FCS bits', () => {
    const file = pcapFile(records.slice(0, 1), { linkType: 1, linkTypeField: (4 << 28) | (1 << 26) | 1 });
    expect(readAll(file)[0].linkType).toBe(1);
  });

  it('gives the same packets whatever the chunk boundaries, down to one byte at a time', () => {
    const file = pcapFile(records, { linkType: 1, nanosecond: true, bigEndian: true });
    const whole = summary(readAll(file));
    for (const size of [1, 2, 3, 7, 16, 17, 23, 24, 25, 40]) {
      expect(summary(readAll(chunked(file, size))), `chunks of ${size}`).toEqual(whole);
    }
  });

  it('returns a record lying inside one pushed chunk as a view into that chunk', () => {
    const file = pcapFile(records, { linkType: 1 });
    const [first] = readAll(file);
    expect(first.data.buffer).toBe(file.buffer);
    expect(first.data.byteOffset).toBe(24 + 16);
  });

  it('throws TRUNCATED after the complete packets when the file stops inside a record', () => {
    const file = pcapFile(records.slice(0, 2), { linkType: 1 });
    const cut = file.subarray(0, file.length - 1);
    const reader = new CaptureReader();
    reader.push(cut);
    const packets = [...reader.packets()];
    expect(packets.map((packet) => [...packet.data])).toEqual([[1, 2, 3, 4, 5]]);
    const error = expectCaptureError(() => reader.end(), 'TRUNCATED');
    // The second record header starts after the 24-byte file header and the first 21-byte record.
    expect(error.offset).toBe(24 + 16 + 5);
    expect(error.message).toBe('Cannot read capture: it ends inside a packet record at byte 45 (17 bytes left over)');
  });

  it('throws TRUNCATED when the file stops inside the file header', () => {
    const file = pcapFile([], { linkType: 1 });
    const error = expectCaptureError(() => readAll(file.subarray(0, 10)), 'TRUNCATED');
    expect(error.message).toContain('ends inside the file header at byte 0');
  });

  it('accepts a file that is only a file header, with no packets', () => {
    expect(readAll(pcapFile([], { linkType: 1 }))).toEqual([]);
  });

  it('throws TRUNCATED with "the file is empty" for zero bytes', () => {
    const error = expectCaptureError(() => readAll(new Uint8Array(0)), 'TRUNCATED');
    expect(error.message).toBe('Cannot read capture: the file is empty');
  });

  it('throws UNKNOWN_FORMAT naming the first bytes for a file that is neither pcap nor pcapng', () => {
    const error = expectCaptureError(() => readAll(new TextEncoder().encode('GIF89a, not a capture at all')), 'UNKNOWN_FORMAT');
    expect(error.message).toBe('Cannot read capture: not a pcap or pcapng file (first bytes 0x47494638)');
    expect(error.offset).toBe(0);
  });

  it('throws UNKNOWN_FORMAT even when the unknown file is shorter than a pcap header', () => {
    expectCaptureError(() => readAll(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0])), 'UNKNOWN_FORMAT');
  });

  it('throws UNSUPPORTED_VERSION for a pcap major version other than 2', () => {
    const file = pcapFile([], { linkType: 1 });
    file[4] = 3;
    expectCaptureError(() => readAll(file), 'UNSUPPORTED_VERSION');
  });

  it('throws MALFORMED for a record longer than maxRecordLength instead of waiting for its bytes', () => {
    const file = pcapFile([{ seconds: 1, data: new Uint8Array(100) }], { linkType: 1 });
    const reader = new CaptureReader({ maxRecordLength: 99 });
    reader.push(file.subarray(0, 40));
    const error = expectCaptureError(() => [...reader.packets()], 'MALFORMED');
    expect(error.offset).toBe(24);
  });

  it('stays failed and throws the same error every time it is asked again', () => {
    const reader = new CaptureReader();
    reader.push(new Uint8Array(32));
    const first = expectCaptureError(() => reader.read(), 'UNKNOWN_FORMAT');
    expect(() => reader.read()).toThrow(first);
    expect(() => [...reader.packets()]).toThrow(first);
    expect(() => reader.end()).toThrow(first);
  });

  it('releases each chunk once read: after 16 MiB in 64 KiB chunks it retains at most one chunk and one record', () => {
    // Regression: skip() returned before its clean-up when a record ended inside a chunk, so
    // every chunk read stayed referenced (190 of 191 MiB after reading a 191 MiB capture).
    const CHUNK = 64 * 1024;
    const RECORD = 1000; // 1016 bytes with its header: records end inside chunks
    const data = new Uint8Array(RECORD).fill(0x5a);
    const count = Math.ceil((16 * 1024 * 1024) / (RECORD + 16));
    const file = pcapFile(Array.from({ length: count }, (_, i) => ({ seconds: i, data })), { linkType: 1 });
    const reader = new CaptureReader();
    let packets = 0;
    let mostRetained = 0;
    for (const chunk of chunked(file, CHUNK)) {
      reader.push(chunk.slice()); // fresh chunks, as a file read gives them
      for (const _ of reader.packets()) packets++;
      mostRetained = Math.max(mostRetained, reader.retainedBytes);
    }
    reader.end();
    expect(packets).toBe(count);
    expect(mostRetained).toBeLessThanOrEqual(CHUNK + RECORD + 16);
    expect(reader.retainedBytes).toBeLessThanOrEqual(CHUNK);
  });

  it('reads a capture through one reused buffer, detached after each chunk, as from fresh chunks', () => {
    // Records of 5, 2 and 0 bytes, then one of 300 that spans many chunks of every size tried.
    const file = pcapFile([...records, { seconds: 7, data: new Uint8Array(300).map((_, i) => i) }], { linkType: 1 });
    const expected = summary(readAll(file));
    for (const size of [1, 7, 16, 41, 64, 1000]) {
      const reader = new CaptureReader();
      const buffer = new Uint8Array(size);
      const packets: ReturnType<typeof summary> = [];
      for (let at = 0; at < file.length; at += size) {
        const chunk = buffer.subarray(0, Math.min(size, file.length - at));
        chunk.set(file.subarray(at, at + chunk.length));
        reader.push(chunk);
        packets.push(...summary([...reader.packets()]));
        reader.detach();
        buffer.fill(0xee); // what the next read would do to the bytes still waiting
      }
      reader.end();
      expect(packets, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('holds each waiting byte once when detaching: a 1 MiB record over 1 KiB chunks retains its bytes so far', () => {
    const data = new Uint8Array(1024 * 1024).fill(0x42);
    const file = pcapFile([{ seconds: 1, data }], { linkType: 1 });
    const reader = new CaptureReader();
    const buffer = new Uint8Array(1024);
    let copied = 0;
    for (let at = 0; at < file.length; at += buffer.length) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, file.length - at));
      chunk.set(file.subarray(at, at + chunk.length));
      reader.push(chunk);
      const [packet] = reader.packets();
      if (packet !== undefined) expect([packet.data.length, packet.data.every((byte) => byte === 0x42)]).toEqual([data.length, true]);
      const before = reader.retainedBytes;
      reader.detach();
      // The copy holds the chunk's bytes once: what is retained does not grow by detaching.
      expect(reader.retainedBytes).toBeLessThanOrEqual(before);
      copied = Math.max(copied, reader.retainedBytes);
    }
    reader.end();
    // At most, before the last chunk: the record's header and bytes so far, each held once.
    expect(copied).toBe(file.length - 24 - (file.length % 1024));
  });

  it('reads a record pushed one byte at a time in linear time (4x the bytes, under 10x the time)', () => {
    function timeOneBytePushes(length: number): number {
      const data = new Uint8Array(length).fill(7);
      const file = pcapFile([{ seconds: 1, data }], { linkType: 1 });
      const reader = new CaptureReader();
      let total = 0;
      const started = performance.now();
      for (let i = 0; i < file.length; i++) {
        reader.push(file.subarray(i, i + 1));
        for (const packet of reader.packets()) total += packet.data.length;
      }
      reader.end();
      const elapsed = performance.now() - started;
      expect(total).toBe(length);
      return elapsed;
    }
    timeOneBytePushes(64 * 1024);
    const small = timeOneBytePushes(256 * 1024);
    const large = timeOneBytePushes(1024 * 1024);
    // Linear: about 4x; quadratic (re-reading the buffered bytes per push): about 16x.
    expect(large / small).toBeLessThan(10);
  }, 60_000);
});

/** An EPB at `seconds` and `fraction` in units of 10^-`digits` seconds. */
function units(seconds: number, fraction: number, perSecond: bigint): bigint {
  return BigInt(seconds) * perSecond + BigInt(fraction);
}

describe('CaptureReader on pcapng files', () => {
  const a = new Uint8Array([0xaa, 0xbb, 0xcc]);
  const b = new Uint8Array([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]);
  const c = new Uint8Array([0x0c]);

  for (const bigEndian of [false, true]) {
    it(`reads EPBs and SPBs on interfaces with their own link types and resolutions (${bigEndian ? 'big' : 'little'}-endian)`, () => {
      const file = pcapngFile([{
        bigEndian,
        interfaces: [
          { linkType: 1 },
          { linkType: 113, tsresol: 9 },
          { linkType: 101, tsresol: 0x80 | 20 },
          { linkType: 276, tsresol: 3, tsoffset: 1_000 },
        ],
        blocks: [
          { kind: 'epb', interfaceId: 0, units: units(1_700_000_000, 250_000, 1_000_000n), data: a },
          { kind: 'epb', interfaceId: 1, units: units(1_700_000_000, 123_456_789, 1_000_000_000n), data: b, originalLength: 60 },
          { kind: 'raw', type: 5, body: new Uint8Array(16) },
          { kind: 'epb', interfaceId: 2, units: (1_700_000_000n << 20n) + 3n * 2n ** 18n, data: c },
          { kind: 'spb', data: b },
          { kind: 'raw', type: 0x40000bad, body: new Uint8Array([1, 2, 3]) },
          { kind: 'epb', interfaceId: 3, units: 5_500n, data: a },
        ],
      }]);
      const reader = new CaptureReader();
      reader.push(file);
      const packets = [...reader.packets()];
      reader.end();
      expect(reader.format).toBe('pcapng');
      expect(summary(packets)).toEqual([
        { time: 1_700_000_000.25, linkType: 1, data: [0xaa, 0xbb, 0xcc], originalLength: 3, interfaceId: 0, section: 0 },
        { time: 1_700_000_000 + 0.123456789, linkType: 113, data: [1, 2, 3, 4, 5, 6], originalLength: 60, interfaceId: 1, section: 0 },
        { time: 1_700_000_000.75, linkType: 101, data: [0x0c], originalLength: 1, interfaceId: 2, section: 0 },
        { time: Number.NaN, linkType: 1, data: [1, 2, 3, 4, 5, 6], originalLength: 6, interfaceId: 0, section: 0 },
        { time: 1_005.5, linkType: 276, data: [0xaa, 0xbb, 0xcc], originalLength: 3, interfaceId: 3, section: 0 },
      ]);
      expect(reader.stats).toEqual({ packets: 5, skippedBlocks: 2, badBlocks: 0 });
    });
  }

  it('cuts a Simple Packet Block to the snap length of interface 0', () => {
    const file = pcapngFile([{
      interfaces: [{ linkType: 1, snapLength: 4 }],
      blocks: [{ kind: 'spb', data: b }],
    }]);
    const [packet] = readAll(file);
    expect([...packet.data]).toEqual([1, 2, 3, 4]);
    expect(packet.originalLength).toBe(6);
  });

  it('starts interface numbering again in each section, which may switch byte order', () => {
    const file = pcapngFile([
      { interfaces: [{ linkType: 1 }, { linkType: 113 }], blocks: [{ kind: 'epb', interfaceId: 1, units: 1_000_000n, data: a }] },
      { bigEndian: true, interfaces: [{ linkType: 101, tsresol: 9 }], blocks: [{ kind: 'epb', interfaceId: 0, units: 2_000_000_000n, data: c }] },
      { interfaces: [{ linkType: 276 }], blocks: [{ kind: 'epb', interfaceId: 0, units: 3_000_000n, data: b }] },
    ]);
    expect(summary(readAll(file))).toEqual([
      { time: 1, linkType: 113, data: [0xaa, 0xbb, 0xcc], originalLength: 3, interfaceId: 1, section: 0 },
      { time: 2, linkType: 101, data: [0x0c], originalLength: 1, interfaceId: 0, section: 1 },
      { time: 3, linkType: 276, data: [1, 2, 3, 4, 5, 6], originalLength: 6, interfaceId: 0, section: 2 },
    ]);
  });

  it('reads the obsolete Packet Block (type 2) with its 16-bit interface field', () => {
    const body = new Uint8Array(20 + 4);
    const dv = new DataView(body.buffer);
    dv.setUint16(0, 1, true);
    dv.setUint16(2, 0, true);
    dv.setUint32(4, 0, true);
    dv.setUint32(8, 2_500_000, true);
    dv.setUint32(12, 3, true);
    dv.setUint32(16, 40, true);
    body.set([9, 8, 7], 20);
    const file = pcapngFile([{ interfaces: [{ linkType: 1 }, { linkType: 0 }], blocks: [{ kind: 'raw', type: 2, body }] }]);
    expect(summary(readAll(file))).toEqual([
      { time: 2.5, linkType: 0, data: [9, 8, 7], originalLength: 40, interfaceId: 1, section: 0 },
    ]);
  });

  it('skips and counts a packet block that names an interface the section never described', () => {
    const file = pcapngFile([{
      interfaces: [{ linkType: 1 }],
      blocks: [
        { kind: 'epb', interfaceId: 7, units: 0n, data: a },
        { kind: 'epb', interfaceId: 0, units: 0n, data: c },
      ],
    }]);
    const reader = new CaptureReader();
    reader.push(file);
    expect([...reader.packets()].map((packet) => [...packet.data])).toEqual([[0x0c]]);
    expect(reader.stats.badBlocks).toBe(1);
  });

  it('gives the same packets whatever the chunk boundaries, down to one byte at a time', () => {
    const file = pcapngFile([
      { interfaces: [{ linkType: 1 }], blocks: [{ kind: 'epb', interfaceId: 0, units: 7n, data: b }, { kind: 'spb', data: a }] },
      { bigEndian: true, interfaces: [{ linkType: 113 }], blocks: [{ kind: 'epb', interfaceId: 0, units: 9n, data: c }] },
    ]);
    const whole = summary(readAll(file));
    expect(whole).toHaveLength(3);
    for (const size of [1, 3, 5, 11, 12, 13, 28, 64]) {
      expect(summary(readAll(chunked(file, size))), `chunks of ${size}`).toEqual(whole);
    }
  });

  it('throws TRUNCATED after the complete packets when the file stops inside a block', () => {
    const file = pcapngFile([{
      interfaces: [{ linkType: 1 }],
      blocks: [{ kind: 'epb', interfaceId: 0, units: 1_000_000n, data: a }, { kind: 'epb', interfaceId: 0, units: 2_000_000n, data: b }],
    }]);
    const cut = file.subarray(0, file.length - 8);
    const reader = new CaptureReader();
    reader.push(cut);
    expect([...reader.packets()].map((packet) => packet.time)).toEqual([1]);
    const error = expectCaptureError(() => reader.end(), 'TRUNCATED');
    expect(error.message).toMatch(/^Cannot read capture: it ends inside a pcapng block at byte \d+ \(36 bytes left over\)$/);
    expect(error.offset).toBe(file.length - 44);
  });

  it('throws MALFORMED for a block whose total length is not a multiple of 4', () => {
    const file = pcapngFile([{ interfaces: [{ linkType: 1 }], blocks: [] }]);
    const bad = concat(file, new Uint8Array([6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    const error = expectCaptureError(() => readAll(bad), 'MALFORMED');
    expect(error.offset).toBe(file.length);
    expect(error.message).toBe(`Cannot read capture: block at byte ${file.length} has total length 13`);
  });

  it('throws MALFORMED for a Section Header Block with an unknown byte-order magic', () => {
    const file = pcapngFile([{ interfaces: [], blocks: [] }]);
    file[8] = 0x99;
    expectCaptureError(() => readAll(file), 'MALFORMED');
  });

  it('throws UNSUPPORTED_VERSION for a pcapng major version other than 1', () => {
    const file = pcapngFile([{ interfaces: [], blocks: [] }]);
    file[12] = 2;
    expectCaptureError(() => readAll(file), 'UNSUPPORTED_VERSION');
  });

  it('throws MALFORMED when the trailing total length differs from the leading one', () => {
    const file = pcapngFile([{ interfaces: [{ linkType: 1 }], blocks: [] }]);
    file[file.length - 4] ^= 4;
    expectCaptureError(() => readAll(file), 'MALFORMED');
  });
});

describe('readCapture over an async source', () => {
  it('yields the complete packets, then throws TRUNCATED for a cut-off tail', async () => {
    const file = pcapFile(records, { linkType: 1 });
    async function* source() {
      yield* chunked(file.subarray(0, file.length - 3), 10);
    }
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const packet of readCapture(source())) seen.push(packet.data.length);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([5, 2]);
    expect(caught).toBeInstanceOf(CaptureError);
    expect((caught as CaptureError).code).toBe('TRUNCATED');
  });

  it('returns the reader counters when the capture ends cleanly', async () => {
    const generator = readCapture([pcapFile(records, { linkType: 1 })]);
    let result = await generator.next();
    let count = 0;
    while (!result.done) {
      count++;
      result = await generator.next();
    }
    expect(count).toBe(3);
    expect(result.value).toEqual({ packets: 3, skippedBlocks: 0, badBlocks: 0 });
  });
});
