/**
 * Seeded random frame streams for the differential tests against wsproto
 * (test/wsproto-diff.node.test.ts: MessageDecoder vs FrameProtocol;
 * test/wsproto-connection-diff.node.test.ts: ServerConnection vs WSConnection): valid messages and
 * control frames, at most one violation from {@link VIOLATIONS}, maybe a close, chopped at random
 * points. Node-only (Buffer): imported by `*.node.test.ts` files only.
 */
export type Role = 'server' | 'client';

/** The violation classes: each stream has at most one, after some valid frames. */
export const VIOLATIONS = [
  'reserved opcode', 'RSV bit without extension', 'fragmented control frame', 'control payload over 125',
  'non-minimal 16-bit length', 'non-minimal 64-bit length', '64-bit length with top bit set', 'masking contrary to role',
  'continuation with nothing to continue', 'new message while one is open', 'invalid UTF-8 in one frame',
  'invalid UTF-8 across fragments', 'text ends inside a character', 'close payload of 1 byte', 'close code not allowed on the wire',
  'close reason not UTF-8', 'close code 1014', 'length beyond the decoder limit',
] as const;
export type Violation = (typeof VIOLATIONS)[number] | 'none';

/** Lowercase hex, no spaces (the drivers' wire form). */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/** One frame to write raw, violations included. */
export interface RawFrame {
  opcode: number;
  payload?: Uint8Array;
  fin?: boolean;
  rsv?: number;
  /** Override the role's masking (a violation). */
  masked?: boolean;
  /** How to encode the length: minimal by default. */
  lengthForm?: 7 | 16 | 64;
  /** A declared 64-bit length without its payload. */
  declared?: bigint;
}

/** Builds one stream of frames from a seeded random source, for one role's peer. */
export class StreamBuilder {
  readonly parts: Uint8Array[] = [];
  readonly role: Role;
  readonly next: () => number;
  constructor(role: Role, next: () => number) {
    this.role = role;
    this.next = next;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Writes a frame as raw bytes, masked as a client's frames must be when we are the server. */
  frame({ opcode, payload = new Uint8Array(0), fin = true, rsv = 0, masked = this.role === 'server', lengthForm, declared }: RawFrame): void {
    const length = declared ?? BigInt(payload.length);
    const form = lengthForm ?? (length <= 125n ? 7 : length <= 0xffffn ? 16 : 64);
    const head = [(fin ? 0x80 : 0) | rsv | opcode];
    const maskBit = masked ? 0x80 : 0;
    if (form === 7) head.push(maskBit | Number(length));
    else if (form === 16) head.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
    else {
      head.push(maskBit | 127);
      for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
    }
    const key = Uint8Array.from({ length: 4 }, () => this.int(256));
    const body = Uint8Array.from(payload, (byte, i) => (masked ? byte ^ key[i & 3] : byte));
    this.parts.push(Uint8Array.from(head), ...(masked ? [key] : []), ...(declared === undefined ? [body] : []));
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }

  text(maxBytes: number): string {
    const pool = ['a', 'Z', ' ', '~', 'é', 'ß', '€', '✓', '中', '😀', '𝄞', '\u0000', '\u{10FFFF}', '\uFEFF'];
    let out = '';
    let length = 0;
    while (true) {
      const next = this.pick(pool);
      length += utf8(next).length;
      if (length > maxBytes) return out;
      out += next;
    }
  }

  control(opcode: number): void {
    this.frame({ opcode, payload: this.bytes(this.int(4) === 0 ? 125 : this.int(12)) });
  }

  /** Splits a payload into 1-4 fragments at random byte positions, pings and pongs between. */
  message(opcode: number, payload: Uint8Array, lastFin = true): void {
    const cuts = new Set<number>();
    const pieces = this.int(4);
    for (let i = 0; i < pieces; i++) cuts.add(this.int(payload.length + 1));
    const bounds = [0, ...[...cuts].sort((a, b) => a - b), payload.length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const last = i + 2 === bounds.length;
      this.frame({ opcode: i === 0 ? opcode : 0, payload: payload.subarray(bounds[i], bounds[i + 1]), fin: last && lastFin });
      if (!last && this.int(3) === 0) this.control(this.pick([0x9, 0xa]));
    }
  }

  /** One valid message or control frame. */
  valid(): void {
    const kind = this.int(10);
    if (kind < 4) {
      const size = this.int(20) === 0 ? this.pick([125, 126, 65535, 65536, 70_000]) : this.int(200);
      this.message(0x1, utf8(this.text(size)));
    } else if (kind < 8) {
      this.message(0x2, this.bytes(this.int(20) === 0 ? this.pick([125, 126, 65536]) : this.int(200)));
    } else {
      this.control(this.pick([0x9, 0xa]));
    }
  }

  close(code: number | undefined, reason: Uint8Array = new Uint8Array(0)): void {
    const payload = code === undefined ? reason : concat([Uint8Array.of(code >> 8, code & 0xff), reason]);
    this.frame({ opcode: 0x8, payload });
  }
}

/** Byte sequences that are invalid UTF-8 wherever they appear. */
export const BAD_UTF8 = [
  [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], [0xfe], [0xc2, 0x41], [0xe2, 0x82, 0x41],
];

/** Appends the frames of one violation class (nothing for `'none'`). */
export function violate(b: StreamBuilder, violation: Violation): void {
  const text = (bad: number[]): Uint8Array => concat([utf8(b.text(b.int(30))), Uint8Array.from(bad), utf8(b.text(b.int(30)))]);
  switch (violation) {
    case 'none':
      return;
    case 'reserved opcode':
      return b.frame({ opcode: b.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: b.bytes(b.int(10)) });
    case 'RSV bit without extension':
      return b.frame({ opcode: b.pick([0x1, 0x2, 0x9, 0x8]), rsv: b.pick([0x40, 0x20, 0x10, 0x70]) });
    case 'fragmented control frame':
      return b.frame({ opcode: b.pick([0x8, 0x9, 0xa]), fin: false });
    case 'control payload over 125':
      return b.frame({ opcode: b.pick([0x8, 0x9, 0xa]), payload: b.bytes(126 + b.int(10)) });
    case 'non-minimal 16-bit length':
      return b.frame({ opcode: b.pick([0x2, 0x9]), payload: b.bytes(b.int(126)), lengthForm: 16 });
    case 'non-minimal 64-bit length':
      return b.frame({ opcode: 0x2, payload: b.bytes(b.pick([0, 5, 125, 126, 65535])), lengthForm: 64 });
    case '64-bit length with top bit set':
      return b.frame({ opcode: 0x2, declared: (1n << 63n) | BigInt(b.int(1 << 20)) });
    case 'masking contrary to role':
      return b.frame({ opcode: b.pick([0x1, 0x2, 0x9]), masked: b.role !== 'server' });
    case 'continuation with nothing to continue':
      return b.frame({ opcode: 0x0, payload: b.bytes(b.int(10)), fin: b.int(2) === 0 });
    case 'new message while one is open':
      b.message(b.pick([0x1, 0x2]), utf8(b.text(20)), false);
      return b.frame({ opcode: b.pick([0x1, 0x2]), payload: utf8(b.text(10)) });
    case 'invalid UTF-8 in one frame':
      return b.frame({ opcode: 0x1, payload: text(b.pick(BAD_UTF8)) });
    case 'invalid UTF-8 across fragments':
      return b.message(0x1, text(b.pick(BAD_UTF8)));
    case 'text ends inside a character':
      return b.message(0x1, concat([utf8(b.text(b.int(20))), Uint8Array.from(b.pick([[0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3]]))]));
    case 'close payload of 1 byte':
      return b.frame({ opcode: 0x8, payload: b.bytes(1) });
    case 'close code not allowed on the wire':
      return b.close(b.pick([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]), utf8(b.text(b.int(20))));
    case 'close reason not UTF-8':
      return b.close(b.pick([1000, 1001, 3000, 4999]), Uint8Array.from(b.pick(BAD_UTF8)));
    case 'close code 1014':
      return b.close(1014, utf8(b.text(b.int(20))));
    case 'length beyond the decoder limit':
      return b.frame({ opcode: b.pick([0x1, 0x2]), declared: BigInt(b.pick([2 ** 30, 2 ** 40, 2 ** 53, 2 ** 62])) });
  }
}

/** A generated stream: its bytes whole and as the chunks to feed. */
export interface Stream { id: number; role: Role; violation: Violation; bytes: Uint8Array; chunks: Uint8Array[] }

/**
 * The next stream from `next`: some valid frames, at most one violation, maybe a close, then
 * chopped. `role` is the receiving side's role; omitted, it is drawn at random (one draw).
 */
export function generate(id: number, next: () => number, fixedRole?: Role): Stream {
  const role: Role = fixedRole ?? (next() < 0.5 ? 'server' : 'client');
  const b = new StreamBuilder(role, next);
  const violation: Violation = b.int(5) === 0 ? 'none' : b.pick(VIOLATIONS);
  for (let i = b.int(5); i > 0; i--) b.valid();
  violate(b, violation);
  // What follows a violation (or a close) must never be reported by either side. (After a
  // declared length beyond the limit, the bytes would be that frame's payload: none follow.)
  if (b.int(2) === 0 && violation !== 'length beyond the decoder limit') b.valid();
  if (violation === 'none' && b.int(2) === 0) {
    const reason = utf8(b.text(b.int(40)));
    if (b.int(5) === 0) b.close(undefined);
    else b.close(b.pick([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 3999, 4000, 4999]), reason);
    if (b.int(2) === 0) b.valid();
  }
  const bytes = concat(b.parts);
  // Random chopping: one chunk, a few, or one byte at a time for short streams.
  const chunks: Uint8Array[] = [];
  const mode = b.int(4);
  if (mode === 0 && bytes.length < 2000) {
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  } else {
    const cuts = [...new Set(Array.from({ length: mode === 1 ? 0 : b.int(8) }, () => b.int(bytes.length + 1)))].sort((x, y) => x - y);
    let at = 0;
    for (const cut of [...cuts, bytes.length]) {
      chunks.push(bytes.subarray(at, cut));
      at = cut;
    }
  }
  return { id, role, violation, bytes, chunks };
}

