import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createPacketCounts, decodeTcpPacket, formatEndpoint, formatIpv6, LINK_TYPES, type PacketCounts, type TcpSegment,
} from '../src/capture/packet.ts';
import {
  ACK, concat, ethernet, FIN, ip, ipv4, ipv6, ipv6Address, loop, nullLoopback, PSH, SYN, sll, sll2, type SegmentInit,
} from './_capture-builder.ts';

// Packet decoding is portable (src/capture): tested in every runtime.

const v4: SegmentInit = {
  src: '192.168.1.10', dst: '10.0.0.1', srcPort: 50312, dstPort: 9001, seq: 0xfffffff0, ack: 0x01020304,
  flags: PSH | ACK, payload: 'Hello',
};
const v6: SegmentInit = {
  src: '2001:db8::1', dst: 'fe80::2', srcPort: 443, dstPort: 61000, seq: 7, ack: 0, flags: SYN, payload: '',
};

function expected(init: SegmentInit, ipVersion: 4 | 6, srcAddress = init.src, dstAddress = init.dst) {
  const payload = typeof init.payload === 'string' ? new TextEncoder().encode(init.payload) : init.payload!;
  return {
    ipVersion,
    srcAddress,
    dstAddress,
    srcPort: init.srcPort,
    dstPort: init.dstPort,
    seq: init.seq,
    ack: init.ack,
    flags: init.flags,
    payload: [...payload],
    payloadLength: payload.length,
  };
}

function plain(segment: TcpSegment | undefined) {
  return segment === undefined ? undefined : { ...segment, payload: [...segment.payload] };
}

function decode(linkType: number, data: Uint8Array, counts?: PacketCounts) {
  return plain(decodeTcpPacket(linkType, data, counts));
}

describe('decodeTcpPacket on every link type', () => {
  const ipv4Packet = ipv4(v4);
  const ipv6Packet = ipv6(v6);
  const cases: [string, number, Uint8Array, Uint8Array][] = [
    ['Ethernet', LINK_TYPES.ETHERNET, ethernet(ipv4Packet), ethernet(ipv6Packet)],
    ['Ethernet with one 802.1Q tag', 1, ethernet(ipv4Packet, [[0x8100, 42]]), ethernet(ipv6Packet, [[0x8100, 42]])],
    ['Ethernet with 802.1ad and 802.1Q tags', 1, ethernet(ipv4Packet, [[0x88a8, 100], [0x8100, 42]]), ethernet(ipv6Packet, [[0x88a8, 100], [0x8100, 42]])],
    ['Ethernet with three tags, one of them 0x9100', 1, ethernet(ipv4Packet, [[0x9100, 1], [0x88a8, 2], [0x8100, 3]]), ethernet(ipv6Packet, [[0x9100, 1], [0x88a8, 2], [0x8100, 3]])],
    ['Linux SLL', LINK_TYPES.LINUX_SLL, sll(ipv4Packet), sll(ipv6Packet)],
    ['Linux SLL with a VLAN tag', 113, sll(concat(new Uint8Array([0, 5, 8, 0]), ipv4Packet), 0x8100), sll(concat(new Uint8Array([0, 5, 0x86, 0xdd]), ipv6Packet), 0x8100)],
    ['Linux SLL2', LINK_TYPES.LINUX_SLL2, sll2(ipv4Packet), sll2(ipv6Packet)],
    ['Linux SLL2 with a VLAN tag', 276, sll2(concat(new Uint8Array([0, 5, 8, 0]), ipv4Packet), 0x8100), sll2(concat(new Uint8Array([0, 5, 0x86, 0xdd]), ipv6Packet), 0x8100)],
    ['raw IP (101)', LINK_TYPES.RAW, ipv4Packet, ipv6Packet],
    ['raw IP (12)', 12, ipv4Packet, ipv6Packet],
    ['raw IP (14)', 14, ipv4Packet, ipv6Packet],
    ['NULL loopback, little-endian host (AF 2 / AF 30)', LINK_TYPES.NULL, nullLoopback(ipv4Packet, 2, true), nullLoopback(ipv6Packet, 30, true)],
    ['NULL loopback, big-endian host (AF 2 / AF 24)', 0, nullLoopback(ipv4Packet, 2, false), nullLoopback(ipv6Packet, 24, false)],
    ['NULL loopback with FreeBSD AF_INET6 28', 0, nullLoopback(ipv4Packet, 2, true), nullLoopback(ipv6Packet, 28, false)],
    ['OpenBSD LOOP (AF 2 / AF 24)', LINK_TYPES.LOOP, loop(ipv4Packet, 2), loop(ipv6Packet, 24)],
  ];
  for (const [name, linkType, withIpv4, withIpv6] of cases) {
    it(`finds the TCP segment in IPv4 and IPv6 packets on ${name}`, () => {
      expect(decode(linkType, withIpv4)).toEqual(expected(v4, 4));
      expect(decode(linkType, withIpv6)).toEqual(expected(v6, 6, '2001:db8::1', 'fe80::2'));
    });
  }

  it('reads LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) and rejects the other IP version on each', () => {
    const counts = createPacketCounts();
    expect(decode(LINK_TYPES.IPV4, ipv4Packet, counts)).toEqual(expected(v4, 4));
    expect(decode(LINK_TYPES.IPV6, ipv6Packet, counts)).toEqual(expected(v6, 6));
    expect(decode(LINK_TYPES.IPV4, ipv6Packet, counts)).toBeUndefined();
    expect(decode(LINK_TYPES.IPV6, ipv4Packet, counts)).toBeUndefined();
    expect(counts).toEqual({ ...createPacketCounts(), tcp: 2, malformed: 2 });
  });

  it('counts an unknown link type as unsupportedLinkType', () => {
    const counts = createPacketCounts();
    expect(decode(147, ipv4Packet, counts)).toBeUndefined();
    expect(counts.unsupportedLinkType).toBe(1);
  });

  it('counts ARP on Ethernet and an unknown address family on NULL as notIp', () => {
    const counts = createPacketCounts();
    expect(decode(1, ethernet(new Uint8Array(28), [], 0x0806), counts)).toBeUndefined();
    expect(decode(0, nullLoopback(ipv4Packet, 7, true), counts)).toBeUndefined();
    expect(counts.notIp).toBe(2);
  });
});

describe('decodeTcpPacket on IPv4', () => {
  it('skips IPv4 options using the header length', () => {
    const packet = ipv4(v4, { ipOptions: new Uint8Array([0x94, 0x04, 0, 0, 1, 1, 1, 0]) });
    expect(packet[0]).toBe(0x47);
    expect(decode(101, packet)).toEqual(expected(v4, 4));
  });

  it('ignores Ethernet padding after the IPv4 total length', () => {
    const small = { ...v4, payload: 'a' };
    const frame = concat(ethernet(ipv4(small)), new Uint8Array([0xee, 0xee, 0xee, 0xee, 0xee]));
    expect(decode(1, frame)).toEqual(expected(small, 4));
  });

  it('returns the captured part of a payload cut by the snapshot length, with its wire length', () => {
    const packet = ipv4({ ...v4, payload: 'Hello, world' });
    const segment = decode(101, packet.subarray(0, packet.length - 7));
    expect(segment?.payload).toEqual([...new TextEncoder().encode('Hello')]);
    expect(segment?.payloadLength).toBe(12);
  });

  it('uses the captured length when the total length is 0, as on segmentation-offload captures', () => {
    const packet = ipv4(v4, { totalLength: 0 });
    expect(decode(101, packet)).toEqual(expected(v4, 4));
  });

  it('returns a first fragment (offset 0, more fragments) and skips later fragments as fragments', () => {
    const counts = createPacketCounts();
    expect(decode(101, ipv4(v4, { moreFragments: true }), counts)).toEqual(expected(v4, 4));
    expect(decode(101, ipv4(v4, { fragmentOffset: 185 }), counts)).toBeUndefined();
    expect(counts).toEqual({ ...createPacketCounts(), tcp: 1, fragments: 1 });
  });

  it('counts UDP as notTcp', () => {
    const counts = createPacketCounts();
    expect(decode(101, ipv4(v4, { protocol: 17 }), counts)).toBeUndefined();
    expect(counts.notTcp).toBe(1);
  });

  it('counts impossible header lengths as malformed', () => {
    const counts = createPacketCounts();
    const shortIhl = ipv4(v4);
    shortIhl[0] = 0x44;
    const longIhl = ipv4(v4);
    longIhl[0] = 0x4f;
    const shortTotal = ipv4(v4, { totalLength: 30 });
    const tcpOffsetTooLarge = ipv4(v4);
    tcpOffsetTooLarge[20 + 12] = 0xf0;
    for (const packet of [shortIhl, longIhl, shortTotal, tcpOffsetTooLarge, ipv4(v4).subarray(0, 30), new Uint8Array(0)]) {
      expect(decode(101, packet, counts)).toBeUndefined();
    }
    expect(counts.malformed).toBe(6);
  });

  it('reads TCP options through the data offset and every flag bit as sent', () => {
    const init = { ...v4, flags: 0xff, tcpOptions: new Uint8Array([2, 4, 5, 0xb4, 1, 1, 4, 2]) };
    expect(decode(101, ipv4(init))).toEqual(expected(init, 4));
  });
});

describe('decodeTcpPacket on IPv6', () => {
  const hopByHop = { type: 0, bytes: new Uint8Array([0, 0, 1, 4, 0, 0, 0, 0]) };
  const routing = { type: 43, bytes: concat(new Uint8Array([0, 2, 0, 0, 0, 0, 0, 0]), ipv6Address('2001:db8::9')) };
  const destination = { type: 60, bytes: new Uint8Array([0, 0, 1, 4, 0, 0, 0, 0]) };
  const firstFragment = { type: 44, bytes: new Uint8Array([0, 0, 0x00, 0x01, 0, 0, 0, 1]) };
  const laterFragment = { type: 44, bytes: new Uint8Array([0, 0, 0x05, 0x40, 0, 0, 0, 1]) };
  const authentication = { type: 51, bytes: new Uint8Array([0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]) };
  const init = { ...v6, flags: ACK, payload: 'over IPv6' };

  it('walks hop-by-hop, routing, destination options, fragment and AH headers to TCP', () => {
    const packet = ipv6(init, [hopByHop, routing, destination, firstFragment, authentication]);
    expect(decode(101, packet)).toEqual(expected(init, 6));
  });

  it('skips a fragment with a non-zero offset as fragments', () => {
    const counts = createPacketCounts();
    expect(decode(101, ipv6(init, [laterFragment]), counts)).toBeUndefined();
    expect(counts.fragments).toBe(1);
  });

  it('counts UDP and "no next header" as notTcp', () => {
    const counts = createPacketCounts();
    expect(decode(101, ipv6(init, [], 17), counts)).toBeUndefined();
    expect(decode(101, ipv6(init, [destination], 59), counts)).toBeUndefined();
    expect(counts.notTcp).toBe(2);
  });

  it('counts an extension header running past the payload length as malformed', () => {
    const counts = createPacketCounts();
    const packet = ipv6(init, [hopByHop]);
    packet[41] = 200;
    expect(decode(101, packet, counts)).toBeUndefined();
    expect(counts.malformed).toBe(1);
  });
});

describe('decodeTcpPacket never throws', () => {
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999];

  it('returns undefined or a segment for every prefix of valid packets on every link type', () => {
    const packets = [
      ethernet(ipv4(v4), [[0x8100, 1]]), sll(ipv6(v6)), sll2(ipv4(v4)), nullLoopback(ipv6(v6), 30, true),
      loop(ipv4(v4), 2), ipv6({ ...v6, payload: 'x' }, [{ type: 0, bytes: new Uint8Array(8) }]),
    ];
    for (const linkType of linkTypes) {
      for (const packet of packets) {
        for (let length = 0; length <= packet.length; length++) {
          expect(() => decodeTcpPacket(linkType, packet.subarray(0, length), createPacketCounts())).not.toThrow();
        }
      }
    }
  });

  it('returns undefined or a segment for random bytes on every link type', () => {
    fc.assert(fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 120 }), (linkType, bytes) => {
      const counts = createPacketCounts();
      decodeTcpPacket(linkType, bytes, counts);
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
    }), { numRuns: 2000 });
  });
});

describe('formatIpv6 and formatEndpoint', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    ['2001:0000:0000:0001:0000:0000:0000:0001', '2001:0:0:1::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
    ['2001:0DB8:AAAA:BBBB:CCCC:DDDD:EEEE:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
  ];
  for (const [full, canonical] of cases) {
    it(`writes ${full} as ${canonical} (RFC 5952)`, () => {
      const bytes = new Uint8Array(full.split(':').flatMap((group) => [parseInt(group.slice(0, 2), 16), parseInt(group.slice(2), 16)]));
      expect(formatIpv6(bytes)).toBe(canonical);
    });
  }

  it('brackets IPv6 endpoints and leaves IPv4 endpoints bare', () => {
    expect(formatEndpoint('2001:db8::1', 443)).toBe('[2001:db8::1]:443');
    expect(formatEndpoint('127.0.0.1', 9001)).toBe('127.0.0.1:9001');
  });

  it('decodes the addresses of a packet in canonical form', () => {
    const segment = decodeTcpPacket(101, ip({ ...v6, src: '2001:db8:0:0:1:0:0:1', dst: '::ffff:c000:201', flags: FIN }));
    expect([segment?.srcAddress, segment?.dstAddress]).toEqual(['2001:db8::1:0:0:1', '::ffff:192.0.2.1']);
  });
});
