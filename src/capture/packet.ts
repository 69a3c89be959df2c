/**
 * Link layer, IP and TCP headers: from a captured packet to the TCP segment inside it. Pure
 * functions over `Uint8Array`; a packet that is not TCP, or is malformed, gives `undefined` and a
 * counter, never an exception (captures are full of other traffic and cut packets). Layer 6.
 *
 * Checksums are not verified: with checksum offload, a capture on the sending host shows wrong
 * checksums on packets that went out fine.
 *
 * @module
 */

/** LINKTYPE_* values understood by {@link decodeTcpPacket} (tcpdump.org/linktypes.html). */
export const LINK_TYPES = {
  /** BSD loopback: a 4-byte address family in the capturing host's byte order. */
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as some BSDs numbered it in old files. */
  RAW_12: 12,
  /** DLT_RAW as OpenBSD numbered it in old files. */
  RAW_14: 14,
  RAW: 101,
  /** OpenBSD loopback: like NULL, but the address family is big-endian. */
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** The TCP flag bits of header byte 13 (RFC 9293 §3.1). */
export const TCP_FLAGS = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** A TCP segment found in a packet. */
export interface TcpSegment {
  ipVersion: 4 | 6;
  /** Source address, canonical text (dotted quad; RFC 5952 for IPv6). */
  srcAddress: string;
  dstAddress: string;
  srcPort: number;
  dstPort: number;
  /** Sequence number, unsigned 32-bit. */
  seq: number;
  /** Acknowledgment number, unsigned 32-bit (meaningful when the ACK flag is set). */
  ack: number;
  /** Header byte 13: see {@link TCP_FLAGS}. */
  flags: number;
  /**
   * The payload bytes that were captured: a view into the packet, not a copy. Shorter than
   * `payloadLength` when the capture's snapshot length cut the packet.
   */
  payload: Uint8Array;
  /** The payload length on the wire, from the IP header's length field. */
  payloadLength: number;
}

/** Why packets were not returned as TCP segments; see {@link decodeTcpPacket}. */
export interface PacketCounts {
  /** Packets decoded into a TCP segment. */
  tcp: number;
  /** Link types this module does not know. */
  unsupportedLinkType: number;
  /** Link-layer payloads that are not IPv4 or IPv6 (ARP, LLDP, …). */
  notIp: number;
  /** IP packets carrying something other than TCP (UDP, ICMP, …). */
  notTcp: number;
  /** IP fragments after the first (they carry no TCP header). */
  fragments: number;
  /** Headers too short for the captured bytes, or with impossible lengths or versions. */
  malformed: number;
}

/** A zeroed {@link PacketCounts}. */
export function createPacketCounts(): PacketCounts {
  return { tcp: 0, unsupportedLinkType: 0, notIp: 0, notTcp: 0, fragments: 0, malformed: 0 };
}

type SkipReason = Exclude<keyof PacketCounts, 'tcp'>;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
// Pre-standard 802.1ad tags, still emitted by some switches.
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERNET_HEADER_LENGTH = 14;
const ETHERNET_TYPE_OFFSET = 12;
const VLAN_TAG_LENGTH = 4;
// Linux cooked capture v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
const SLL_HEADER_LENGTH = 16;
const SLL_PROTOCOL_OFFSET = 14;
// Linux cooked capture v2: protocol first, then reserved, ifindex, ARPHRD, type, address.
const SLL2_HEADER_LENGTH = 20;
const SLL2_PROTOCOL_OFFSET = 0;
const NULL_HEADER_LENGTH = 4;
const AF_INET = 2;
// AF_INET6 differs by OS: 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly, 30 on macOS.
const AF_INET6_VALUES: ReadonlySet<number> = new Set([24, 28, 30]);
const IP_PROTOCOL_TCP = 6;
const IPV4_MIN_HEADER_LENGTH = 20;
const IPV4_FRAGMENT_OFFSET_BITS = 0x1fff;
const IPV6_HEADER_LENGTH = 40;
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AUTHENTICATION = 51;
const IPV6_DESTINATION_OPTIONS = 60;
const IPV6_FRAGMENT_HEADER_LENGTH = 8;
const TCP_MIN_HEADER_LENGTH = 20;

/**
 * Finds the TCP segment in a captured packet of the given link type. Returns `undefined` when
 * the packet is not TCP over IPv4/IPv6 or is malformed, and then adds one to the matching
 * counter of `counts` (when given). Never throws on packet contents.
 *
 * Handles Ethernet with any number of 802.1Q/802.1ad tags, Linux SLL and SLL2, raw IP (101, 12,
 * 14, 228, 229), BSD NULL loopback (either byte order) and OpenBSD LOOP; IPv4 options, Ethernet
 * padding (the IP length wins over the captured length), IPv6 extension headers, and fragments
 * (only a first fragment carries a TCP header; the others are counted and skipped).
 *
 * @example
 * ```ts
 * // IPv4 127.0.0.1 -> 127.0.0.1, TCP 50256 -> 9001, seq 1, PSH|ACK, payload "hi".
 * const packet = new Uint8Array([
 *   0x45, 0, 0, 42, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
 *   0xc4, 0x50, 0x23, 0x29, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0, 0x68, 0x69,
 * ]);
 * const counts = createPacketCounts();
 * const segment = decodeTcpPacket(LINK_TYPES.RAW, packet, counts)!;
 * console.log(formatEndpoint(segment.srcAddress, segment.srcPort), segment.seq, segment.payload); // 127.0.0.1:50256 1 Uint8Array(2) [ 104, 105 ]
 * console.log(decodeTcpPacket(LINK_TYPES.ETHERNET, packet, counts), counts.notIp); // undefined 1
 * ```
 */
export function decodeTcpPacket(
  linkType: number,
  data: Uint8Array,
  counts?: PacketCounts,
): TcpSegment | undefined {
  const result = decodeLinkLayer(linkType, data);
  if (counts !== undefined) {
    if (typeof result === 'string') counts[result]++;
    else counts.tcp++;
  }
  return typeof result === 'string' ? undefined : result;
}

function decodeLinkLayer(linkType: number, data: Uint8Array): TcpSegment | SkipReason {
  switch (linkType) {
    case LINK_TYPES.ETHERNET:
      if (data.length < ETHERNET_HEADER_LENGTH) return 'malformed';
      return decodeEthertype(readUint16(data, ETHERNET_TYPE_OFFSET), data, ETHERNET_HEADER_LENGTH);
    case LINK_TYPES.LINUX_SLL:
      if (data.length < SLL_HEADER_LENGTH) return 'malformed';
      return decodeEthertype(readUint16(data, SLL_PROTOCOL_OFFSET), data, SLL_HEADER_LENGTH);
    case LINK_TYPES.LINUX_SLL2:
      if (data.length < SLL2_HEADER_LENGTH) return 'malformed';
      return decodeEthertype(readUint16(data, SLL2_PROTOCOL_OFFSET), data, SLL2_HEADER_LENGTH);
    case LINK_TYPES.RAW:
    case LINK_TYPES.RAW_12:
    case LINK_TYPES.RAW_14:
      return decodeIp(data);
    case LINK_TYPES.IPV4:
      return data.length > 0 && data[0] >> 4 === 4 ? decodeIp(data) : 'malformed';
    case LINK_TYPES.IPV6:
      return data.length > 0 && data[0] >> 4 === 6 ? decodeIp(data) : 'malformed';
    case LINK_TYPES.NULL:
    case LINK_TYPES.LOOP:
      return decodeLoopback(linkType, data);
    default:
      return 'unsupportedLinkType';
  }
}

function isVlan(ethertype: number): boolean {
  return ethertype === ETHERTYPE_VLAN || ethertype === ETHERTYPE_QINQ || ethertype === ETHERTYPE_QINQ_OLD;
}

/**
 * Decodes the IP packet at `payloadStart` that `ethertype` announces, first skipping any VLAN
 * tags: IEEE 802.1Q, each tag is a TCI (2 bytes) then the next ethertype (2 bytes).
 */
function decodeEthertype(ethertype: number, data: Uint8Array, payloadStart: number): TcpSegment | SkipReason {
  let type = ethertype;
  let position = payloadStart;
  while (isVlan(type)) {
    if (position + VLAN_TAG_LENGTH > data.length) return 'malformed';
    type = readUint16(data, position + 2);
    position += VLAN_TAG_LENGTH;
  }
  return decodeIpByEthertype(type, data.subarray(position));
}

function decodeIpByEthertype(ethertype: number, ip: Uint8Array): TcpSegment | SkipReason {
  if (ethertype === ETHERTYPE_IPV4) return ip.length > 0 && ip[0] >> 4 === 4 ? decodeIpv4(ip) : 'malformed';
  if (ethertype === ETHERTYPE_IPV6) return ip.length > 0 && ip[0] >> 4 === 6 ? decodeIpv6(ip) : 'malformed';
  return 'notIp';
}

function decodeLoopback(linkType: number, data: Uint8Array): TcpSegment | SkipReason {
  if (data.length < NULL_HEADER_LENGTH) return 'malformed';
  const bigEndian = (data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3]) >>> 0;
  const littleEndian = (data[3] << 24 | data[2] << 16 | data[1] << 8 | data[0]) >>> 0;
  // NULL stores the family in the capturing host's order, so a file from either kind of host
  // must be read; the family values are small, so at most one of the two readings matches.
  const family = linkType === LINK_TYPES.LOOP || bigEndian < littleEndian ? bigEndian : littleEndian;
  const ip = data.subarray(NULL_HEADER_LENGTH);
  if (family === AF_INET) return ip.length > 0 && ip[0] >> 4 === 4 ? decodeIpv4(ip) : 'malformed';
  if (AF_INET6_VALUES.has(family)) return ip.length > 0 && ip[0] >> 4 === 6 ? decodeIpv6(ip) : 'malformed';
  return 'notIp';
}

function decodeIp(data: Uint8Array): TcpSegment | SkipReason {
  if (data.length === 0) return 'malformed';
  const version = data[0] >> 4;
  if (version === 4) return decodeIpv4(data);
  if (version === 6) return decodeIpv6(data);
  return 'malformed';
}

function decodeIpv4(ip: Uint8Array): TcpSegment | SkipReason {
  if (ip.length < IPV4_MIN_HEADER_LENGTH) return 'malformed';
  const headerLength = (ip[0] & 0x0f) * 4;
  let totalLength = readUint16(ip, 2);
  // A total length of 0 appears on segmentation-offload packets captured on the sender (the NIC
  // fills it in later); the captured length is then the only length there is.
  if (totalLength === 0) totalLength = ip.length;
  if (headerLength < IPV4_MIN_HEADER_LENGTH || headerLength > totalLength || headerLength > ip.length) {
    return 'malformed';
  }
  if ((readUint16(ip, 6) & IPV4_FRAGMENT_OFFSET_BITS) !== 0) return 'fragments';
  if (ip[9] !== IP_PROTOCOL_TCP) return 'notTcp';
  return decodeTcp(
    4,
    formatIpv4(ip, 12),
    formatIpv4(ip, 16),
    // Bytes past the total length are link-layer padding (Ethernet pads frames to 60 bytes).
    ip.subarray(headerLength, Math.min(totalLength, ip.length)),
    totalLength - headerLength,
  );
}

function decodeIpv6(ip: Uint8Array): TcpSegment | SkipReason {
  if (ip.length < IPV6_HEADER_LENGTH) return 'malformed';
  let payloadLength = readUint16(ip, 4);
  // 0 means a jumbogram (RFC 2675) or segmentation offload: fall back to what was captured.
  if (payloadLength === 0) payloadLength = ip.length - IPV6_HEADER_LENGTH;
  const end = IPV6_HEADER_LENGTH + payloadLength;
  let next = ip[6];
  let position = IPV6_HEADER_LENGTH;
  // RFC 8200 §4.1: walk the chain of extension headers up to the upper-layer header.
  for (;;) {
    if (next === IP_PROTOCOL_TCP) break;
    let length: number;
    if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DESTINATION_OPTIONS) {
      if (position + 2 > ip.length) return 'malformed';
      length = (ip[position + 1] + 1) * 8;
    } else if (next === IPV6_FRAGMENT) {
      if (position + IPV6_FRAGMENT_HEADER_LENGTH > ip.length) return 'malformed';
      if ((readUint16(ip, position + 2) >> 3) !== 0) return 'fragments';
      length = IPV6_FRAGMENT_HEADER_LENGTH;
    } else if (next === IPV6_AUTHENTICATION) {
      // RFC 4302 §2.2: AH counts its length in 32-bit words, minus 2.
      if (position + 2 > ip.length) return 'malformed';
      length = (ip[position + 1] + 2) * 4;
    } else {
      return 'notTcp';
    }
    next = ip[position];
    position += length;
    if (position > end) return 'malformed';
  }
  if (position > ip.length) return 'malformed';
  return decodeTcp(
    6,
    formatIpv6(ip, 8),
    formatIpv6(ip, 24),
    ip.subarray(position, Math.min(end, ip.length)),
    end - position,
  );
}

function decodeTcp(
  ipVersion: 4 | 6,
  srcAddress: string,
  dstAddress: string,
  tcp: Uint8Array,
  wireLength: number,
): TcpSegment | SkipReason {
  if (tcp.length < TCP_MIN_HEADER_LENGTH) return 'malformed';
  const headerLength = (tcp[12] >> 4) * 4;
  if (headerLength < TCP_MIN_HEADER_LENGTH || headerLength > tcp.length || headerLength > wireLength) {
    return 'malformed';
  }
  return {
    ipVersion,
    srcAddress,
    dstAddress,
    srcPort: readUint16(tcp, 0),
    dstPort: readUint16(tcp, 2),
    seq: readUint32(tcp, 4),
    ack: readUint32(tcp, 8),
    flags: tcp[13],
    payload: tcp.subarray(headerLength),
    payloadLength: wireLength - headerLength,
  };
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}

/**
 * The texts of IPv4 addresses seen lately, by their 32-bit value: a capture's packets come from
 * few hosts, and building two address strings per packet was 5% of what `wsframe pcap` allocated
 * (sampling heap profile, Node 20). Emptied when full, so it stays small whatever the capture.
 */
const ipv4Texts = new Map<number, string>();
const IPV4_TEXTS_KEPT = 1024;

function formatIpv4(bytes: Uint8Array, offset: number): string {
  const value = readUint32(bytes, offset);
  let text = ipv4Texts.get(value);
  if (text === undefined) {
    if (ipv4Texts.size >= IPV4_TEXTS_KEPT) ipv4Texts.clear();
    text = `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
    ipv4Texts.set(value, text);
  }
  return text;
}

/**
 * The RFC 5952 text of the 16-byte IPv6 address at `offset`: lowercase hex without leading zeros
 * (§4.1, §4.3), the longest run of two or more zero groups as `::`, the first on a tie (§4.2),
 * and IPv4-mapped addresses with a dotted quad (§5).
 *
 * @example
 * ```ts
 * console.log(formatIpv6(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]))); // 2001:db8::1:0:0:1
 * ```
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(readUint16(bytes, offset + i * 2));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * `ip:port` for IPv4, `[ip]:port` for IPv6 (RFC 5952 §6), the form the CLI prints.
 *
 * @example
 * ```ts
 * console.log(formatEndpoint('::1', 443), formatEndpoint('127.0.0.1', 9001)); // [::1]:443 127.0.0.1:9001
 * ```
 */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
