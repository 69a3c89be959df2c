/**
 * RFC 6455 §5.7 examples as typed wire vectors, each run through both the encoder and the
 * decoder. Fields are labelled under the bytes.
 */
import { Opcode } from '../../src/base/constants.ts';

export interface WireVector {
  name: string;
  bytes: number[];
  frame: {
    fin: boolean;
    opcode: number;
    maskingKey?: number[];
    /** The unmasked payload, or its length with a fill rule for long payloads. */
    payload: number[] | { length: number; fill: (i: number) => number };
  };
  headerLength: number;
}

const HELLO = [0x48, 0x65, 0x6c, 0x6c, 0x6f];
const MASKING_KEY = [0x37, 0xfa, 0x21, 0x3d];

export const RFC6455_EXAMPLES: WireVector[] = [
  {
    name: 'a single-frame unmasked text message "Hello"',
    bytes: [
      0x81, // FIN=1 RSV=000 opcode=0x1 (text)
      0x05, // MASK=0 length=5
      0x48, 0x65, 0x6c, 0x6c, 0x6f, // "Hello"
    ],
    frame: { fin: true, opcode: Opcode.Text, payload: HELLO },
    headerLength: 2,
  },
  {
    name: 'a single-frame masked text message "Hello"',
    bytes: [
      0x81, // FIN=1 opcode=0x1 (text)
      0x85, // MASK=1 length=5
      0x37, 0xfa, 0x21, 0x3d, // masking key
      0x7f, 0x9f, 0x4d, 0x51, 0x58, // "Hello" XOR key
    ],
    frame: { fin: true, opcode: Opcode.Text, maskingKey: MASKING_KEY, payload: HELLO },
    headerLength: 6,
  },
  {
    name: 'the first fragment "Hel" of an unmasked text message',
    bytes: [
      0x01, // FIN=0 opcode=0x1 (text)
      0x03, // MASK=0 length=3
      0x48, 0x65, 0x6c, // "Hel"
    ],
    frame: { fin: false, opcode: Opcode.Text, payload: [0x48, 0x65, 0x6c] },
    headerLength: 2,
  },
  {
    name: 'the final fragment "lo" of an unmasked text message',
    bytes: [
      0x80, // FIN=1 opcode=0x0 (continuation)
      0x02, // MASK=0 length=2
      0x6c, 0x6f, // "lo"
    ],
    frame: { fin: true, opcode: Opcode.Continuation, payload: [0x6c, 0x6f] },
    headerLength: 2,
  },
  {
    name: 'an unmasked ping "Hello"',
    bytes: [
      0x89, // FIN=1 opcode=0x9 (ping)
      0x05, // MASK=0 length=5
      ...HELLO,
    ],
    frame: { fin: true, opcode: Opcode.Ping, payload: HELLO },
    headerLength: 2,
  },
  {
    name: 'a masked pong "Hello"',
    bytes: [
      0x8a, // FIN=1 opcode=0xA (pong)
      0x85, // MASK=1 length=5
      0x37, 0xfa, 0x21, 0x3d, // masking key
      0x7f, 0x9f, 0x4d, 0x51, 0x58, // "Hello" XOR key
    ],
    frame: { fin: true, opcode: Opcode.Pong, maskingKey: MASKING_KEY, payload: HELLO },
    headerLength: 6,
  },
  {
    name: 'a 256-byte unmasked binary message',
    bytes: [
      0x82, // FIN=1 opcode=0x2 (binary)
      0x7e, // MASK=0 length=126: a 16-bit length follows
      0x01, 0x00, // 16-bit length 256
    ],
    frame: { fin: true, opcode: Opcode.Binary, payload: { length: 256, fill: (i: number) => i & 0xff } },
    headerLength: 4,
  },
  {
    name: 'a 64 KiB unmasked binary message',
    bytes: [
      0x82, // FIN=1 opcode=0x2 (binary)
      0x7f, // MASK=0 length=127: a 64-bit length follows
      0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // 64-bit length 65536
    ],
    frame: { fin: true, opcode: Opcode.Binary, payload: { length: 65536, fill: (i: number) => (i * 31) & 0xff } },
    headerLength: 10,
  },
];

/** The payload of a vector as bytes. */
export function vectorPayload(vector: WireVector): Uint8Array {
  const { payload } = vector.frame;
  if (Array.isArray(payload)) return new Uint8Array(payload);
  return Uint8Array.from({ length: payload.length }, (_, i) => payload.fill(i));
}

/** The full frame bytes of a vector: for the long examples the RFC gives only the header. */
export function vectorBytes(vector: WireVector): Uint8Array {
  if (vector.bytes.length > vector.headerLength) return new Uint8Array(vector.bytes);
  const payload = vectorPayload(vector);
  const out = new Uint8Array(vector.headerLength + payload.length);
  out.set(vector.bytes);
  out.set(payload, vector.headerLength);
  return out;
}

export const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

export const fromHex = (text: string): Uint8Array =>
  new Uint8Array(text.split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
