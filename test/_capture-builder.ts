/**
 * Builds captures for the CLI's capture tests: TCP segments inside IPv4/IPv6, inside every link
 * layer the reader knows, written as pcap (both magics, both byte orders) or pcapng (both byte
 * orders, several interfaces, EPB/SPB). Only what the tests need; checksums are left zero because
 * the decoder does not verify them.
 */
import { concat } from './_bytes.ts';

/** Header byte 13 of TCP. */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

/** A TCP segment to build. */
export interface SegmentInit {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  /** Default ACK. */
  flags?: number;
  payload?: Uint8Array | string;
  /** Bytes of TCP options (a multiple of 4). */
  tcpOptions?: Uint8Array;
}

/** Bytes of `text` in UTF-8, or the bytes themselves. */
export function bytesOf(payload: Uint8Array | string | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  return typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
}

export { concat };

function u16(value: number): Uint8Array {
  return new Uint8Array([value >> 8, value & 0xff]);
}

/** The TCP header and payload. */
export function tcp(init: SegmentInit): Uint8Array {
  const options = init.tcpOptions ?? new Uint8Array(0);
  const payload = bytesOf(init.payload);
  const header = new Uint8Array(20 + options.length);
  const dv = new DataView(header.buffer);
  dv.setUint16(0, init.srcPort);
  dv.setUint16(2, init.dstPort);
  dv.setUint32(4, init.seq >>> 0);
  dv.setUint32(8, (init.ack ?? 0) >>> 0);
  header[12] = (header.length / 4) << 4;
  header[13] = init.flags ?? ACK;
  dv.setUint16(14, 65535);
  header.set(options, 20);
  return concat(header, payload);
}

/** Parses dotted-quad IPv4 text. */
export function ipv4Address(text: string): Uint8Array {
  return new Uint8Array(text.split('.').map(Number));
}

/** Parses IPv6 text with at most one `::` (no embedded dotted quad). */
export function ipv6Address(text: string): Uint8Array {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((group, i) => {
    out[i * 2] = group >> 8;
    out[i * 2 + 1] = group & 0xff;
  });
  return out;
}

/** What an IPv4 header around a segment may vary. */
export interface Ipv4Options {
  /** Bytes of IPv4 options (a multiple of 4). */
  ipOptions?: Uint8Array;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  protocol?: number;
  /** Overrides the total length field. */
  totalLength?: number;
}

/** An IPv4 packet carrying `init` as TCP. */
export function ipv4(init: SegmentInit, options: Ipv4Options = {}): Uint8Array {
  const ipOptions = options.ipOptions ?? new Uint8Array(0);
  const body = tcp(init);
  const header = new Uint8Array(20 + ipOptions.length);
  const dv = new DataView(header.buffer);
  header[0] = 0x40 | (header.length / 4);
  dv.setUint16(2, options.totalLength ?? header.length + body.length);
  dv.setUint16(6, (options.moreFragments ? 0x2000 : 0) | (options.fragmentOffset ?? 0));
  header[8] = 64;
  header[9] = options.protocol ?? 6;
  header.set(ipv4Address(init.src), 12);
  header.set(ipv4Address(init.dst), 16);
  header.set(ipOptions, 20);
  return concat(header, body);
}

/** An IPv6 extension header: its type number and its bytes (the next-header byte is filled in). */
export interface ExtensionHeader {
  type: number;
  bytes: Uint8Array;
}

/** An IPv6 packet carrying `init` as TCP, after the given extension headers. */
export function ipv6(init: SegmentInit, extensions: ExtensionHeader[] = [], protocol = 6): Uint8Array {
  const body = tcp(init);
  const chain = extensions.map((extension, i) => {
    const bytes = extension.bytes.slice();
    bytes[0] = i + 1 < extensions.length ? extensions[i + 1].type : protocol;
    return bytes;
  });
  const payload = concat(...chain, body);
  const header = new Uint8Array(40);
  const dv = new DataView(header.buffer);
  header[0] = 0x60;
  dv.setUint16(4, payload.length);
  header[6] = extensions.length > 0 ? extensions[0].type : protocol;
  header[7] = 64;
  header.set(ipv6Address(init.src), 8);
  header.set(ipv6Address(init.dst), 24);
  return concat(header, payload);
}

/** The IP packet of a segment, IPv4 or IPv6 by the source address's form. */
export function ip(init: SegmentInit): Uint8Array {
  return init.src.includes(':') ? ipv6(init) : ipv4(init);
}

function ipEthertype(packet: Uint8Array): number {
  return packet[0] >> 4 === 6 ? 0x86dd : 0x0800;
}

/** An Ethernet II frame; `tags` are [TPID, VLAN id] pairs, outermost first. */
export function ethernet(packet: Uint8Array, tags: [number, number][] = [], ethertype = ipEthertype(packet)): Uint8Array {
  const addresses = new Uint8Array([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
  const tagBytes = tags.map(([tpid, vlan]) => concat(u16(tpid), u16(vlan)));
  return concat(addresses, ...tagBytes, u16(ethertype), packet);
}

/** A Linux cooked capture (v1) frame. */
export function sll(packet: Uint8Array, protocol = ipEthertype(packet)): Uint8Array {
  const header = new Uint8Array(16);
  header.set([0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
  header.set(u16(protocol), 14);
  return concat(header, packet);
}

/** A Linux cooked capture v2 frame. */
export function sll2(packet: Uint8Array, protocol = ipEthertype(packet)): Uint8Array {
  const header = new Uint8Array(20);
  header.set(u16(protocol), 0);
  header.set([0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 2, 0, 0, 0, 0, 1], 4);
  return concat(header, packet);
}

/** A BSD NULL loopback frame: the address family in the given byte order. */
export function nullLoopback(packet: Uint8Array, family: number, littleEndian: boolean): Uint8Array {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, family, littleEndian);
  return concat(header, packet);
}

/** An OpenBSD LOOP frame: the address family big-endian. */
export function loop(packet: Uint8Array, family: number): Uint8Array {
  return nullLoopback(packet, family, false);
}

/** A packet to write into a capture. */
export interface PacketRecord {
  /** Whole seconds. */
  seconds: number;
  /** Fraction in the file's units (micro- or nanoseconds for pcap; `if_tsresol` units for pcapng). */
  fraction?: number;
  data: Uint8Array;
  /** Default data.length. */
  originalLength?: number;
}

/** What kind of pcap file to write. */
export interface PcapOptions {
  linkType: number;
  nanosecond?: boolean;
  bigEndian?: boolean;
  /** The full 32-bit LinkType field, to test the FCS bits above the link type. */
  linkTypeField?: number;
}

/** A libpcap file. */
export function pcapFile(records: PacketRecord[], options: PcapOptions): Uint8Array {
  const le = !options.bigEndian;
  const header = new Uint8Array(24);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, 262144, le);
  dv.setUint32(20, options.linkTypeField ?? options.linkType, le);
  const parts: Uint8Array[] = [header];
  for (const record of records) {
    const recordHeader = new Uint8Array(16);
    const rv = new DataView(recordHeader.buffer);
    rv.setUint32(0, record.seconds, le);
    rv.setUint32(4, record.fraction ?? 0, le);
    rv.setUint32(8, record.data.length, le);
    rv.setUint32(12, record.originalLength ?? record.data.length, le);
    parts.push(recordHeader, record.data);
  }
  return concat(...parts);
}

/** A pcapng interface: link type and optional `if_tsresol` byte and `if_tsoffset` seconds. */
export interface InterfaceInit {
  linkType: number;
  tsresol?: number;
  tsoffset?: number;
  snapLength?: number;
}

/** A pcapng block to write: an EPB, an SPB, or any other block type with a raw body. */
export type BlockInit =
  | ({ kind: 'epb'; interfaceId: number; units: bigint } & Pick<PacketRecord, 'data' | 'originalLength'>)
  | { kind: 'spb'; data: Uint8Array; originalLength?: number }
  | { kind: 'raw'; type: number; body: Uint8Array };

/** One pcapng section. */
export interface SectionInit {
  bigEndian?: boolean;
  interfaces: InterfaceInit[];
  blocks: BlockInit[];
}

function pad4(bytes: Uint8Array): Uint8Array {
  const padded = new Uint8Array((bytes.length + 3) & ~3);
  padded.set(bytes);
  return padded;
}

function block(type: number, body: Uint8Array, le: boolean): Uint8Array {
  const padded = pad4(body);
  const out = new Uint8Array(padded.length + 12);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, out.length, le);
  out.set(padded, 8);
  dv.setUint32(out.length - 4, out.length, le);
  return out;
}

function option(code: number, value: Uint8Array, le: boolean): Uint8Array {
  const header = new Uint8Array(4);
  const dv = new DataView(header.buffer);
  dv.setUint16(0, code, le);
  dv.setUint16(2, value.length, le);
  return concat(header, pad4(value));
}

/** A pcapng file of the given sections (the blocks after each section's IDBs). */
export function pcapngFile(sections: SectionInit[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const section of sections) {
    const le = !section.bigEndian;
    const shb = new Uint8Array(16);
    const sv = new DataView(shb.buffer);
    sv.setUint32(0, 0x1a2b3c4d, le);
    sv.setUint16(4, 1, le);
    sv.setBigInt64(8, -1n, le);
    parts.push(block(0x0a0d0d0a, concat(shb, option(0, new Uint8Array(0), le)), le));
    for (const iface of section.interfaces) {
      const idb = new Uint8Array(8);
      const iv = new DataView(idb.buffer);
      iv.setUint16(0, iface.linkType, le);
      iv.setUint32(4, iface.snapLength ?? 0, le);
      const options: Uint8Array[] = [option(2, new TextEncoder().encode('eth0'), le)];
      if (iface.tsresol !== undefined) options.push(option(9, new Uint8Array([iface.tsresol]), le));
      if (iface.tsoffset !== undefined) {
        const value = new Uint8Array(8);
        new DataView(value.buffer).setBigInt64(0, BigInt(iface.tsoffset), le);
        options.push(option(14, value, le));
      }
      options.push(option(0, new Uint8Array(0), le));
      parts.push(block(1, concat(idb, ...options), le));
    }
    for (const item of section.blocks) {
      if (item.kind === 'epb') {
        const fixed = new Uint8Array(20);
        const ev = new DataView(fixed.buffer);
        ev.setUint32(0, item.interfaceId, le);
        ev.setUint32(4, Number(item.units >> 32n), le);
        ev.setUint32(8, Number(item.units & 0xffffffffn), le);
        ev.setUint32(12, item.data.length, le);
        ev.setUint32(16, item.originalLength ?? item.data.length, le);
        parts.push(block(6, concat(fixed, pad4(item.data), option(0, new Uint8Array(0), le)), le));
      } else if (item.kind === 'spb') {
        const fixed = new Uint8Array(4);
        new DataView(fixed.buffer).setUint32(0, item.originalLength ?? item.data.length, le);
        parts.push(block(3, concat(fixed, item.data), le));
      } else {
        parts.push(block(item.type, item.body, le));
      }
    }
  }
  return concat(...parts);
}

/** Splits `bytes` into chunks of `size` bytes (the last may be shorter). */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}
