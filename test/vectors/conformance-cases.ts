/**
 * Receiver conformance cases, written from RFC 6455, covering the situations that the Autobahn
 * testsuite checks in its sections 1-7, 9 and 10 (ids are Autobahn's where one matches), plus
 * Markus Kuhn's UTF-8 decoder stress test. Each case: input bytes (as a client would send them:
 * masked) and how they are chopped -> the MessageDecoder events, then the error or none.
 */
import { encodeHeader, type MessageDecoderOptions, type ProtocolErrorCode } from '../../src/index.ts';

/** How the input is pushed: all at once, in pieces of n bytes, or cut at these offsets. */
export type Chop = 'whole' | number | readonly number[];

export type ExpectedEvent =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'ping' | 'pong'; data: Uint8Array }
  | { type: 'close'; code: number | undefined; reason: string };

export interface ConformanceCase {
  /** Autobahn case id (or a section id for added cases), e.g. '5.6'. */
  id: string;
  title: string;
  /** Built lazily for the large cases. */
  input: Uint8Array | (() => Uint8Array);
  chop?: Chop;
  options?: MessageDecoderOptions;
  events: ExpectedEvent[] | (() => ExpectedEvent[]);
  /** The error after the events, or none. */
  error?: {
    code: ProtocolErrorCode;
    closeCode: number;
    /** Stream offset the error must report. */
    offset?: number;
    /** With the case's own chop: the push after which the error must show (fail-fast). */
    afterPush?: number;
  };
}

const MASKING_KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const bytesOf = (hex: string): Uint8Array =>
  new Uint8Array(hex.split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
const filled = (length: number, value: number) => new Uint8Array(length).fill(value);

interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
}

/** One masked frame, any opcode and RSV bits (encodeHeader writes what it is given). */
export function frame(spec: FrameSpec): Uint8Array {
  const payload = typeof spec.payload === 'string' ? utf8(spec.payload) : spec.payload ?? new Uint8Array(0);
  const header = encodeHeader({
    opcode: spec.opcode, payloadLength: payload.length, fin: spec.fin ?? true,
    rsv1: spec.rsv1, rsv2: spec.rsv2, rsv3: spec.rsv3, maskingKey: MASKING_KEY,
  });
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  for (let i = 0; i < payload.length; i++) out[header.length + i] = payload[i] ^ MASKING_KEY[i & 3];
  return out;
}

/** Frames concatenated, and the offsets between them (for frame-wise chopping). */
export function frames(...specs: FrameSpec[]): { input: Uint8Array; boundaries: number[] } {
  const parts = specs.map(frame);
  const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const boundaries: number[] = [];
  let at = 0;
  for (const part of parts) {
    input.set(part, at);
    at += part.length;
    boundaries.push(at);
  }
  return { input, boundaries };
}

/** A text message with each byte in its own frame (7 bytes each: header, key, the byte). */
function oneBytePerFrame(payload: Uint8Array): Uint8Array {
  return frames(...Array.from(payload, (b, i) => ({ opcode: i === 0 ? 0x1 : 0x0, payload: new Uint8Array([b]), fin: i === payload.length - 1 }))).input;
}

const text = (data: string): ExpectedEvent => ({ type: 'text', data });
const binary = (data: Uint8Array): ExpectedEvent => ({ type: 'binary', data });
const ping = (data: Uint8Array | string = new Uint8Array(0)): ExpectedEvent => ({ type: 'ping', data: typeof data === 'string' ? utf8(data) : data });
const pong = (data: Uint8Array | string = new Uint8Array(0)): ExpectedEvent => ({ type: 'pong', data: typeof data === 'string' ? utf8(data) : data });
const close = (code: number | undefined, reason = ''): ExpectedEvent => ({ type: 'close', code, reason });
const closePayload = (code: number, reason: Uint8Array | string = '') => {
  const r = typeof reason === 'string' ? utf8(reason) : reason;
  const out = new Uint8Array(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
};
const PROTOCOL = 1002;
const INVALID_DATA = 1007;
const TOO_BIG = 1009;

const cases: ConformanceCase[] = [];

// §1 Framing: every length boundary of text and binary messages (RFC 6455 §5.2: 7-bit, 16-bit,
// 64-bit lengths), and 65536 bytes chopped into 997-byte pieces.
const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];
for (const [section, opcode] of [['1.1', 0x1], ['1.2', 0x2]] as const) {
  LENGTHS.forEach((length, i) => {
    const payload = filled(length, opcode === 0x1 ? 0x2a : 0xfe);
    cases.push({
      id: `${section}.${i + 1}`,
      title: `a ${opcode === 0x1 ? 'text' : 'binary'} message of ${length} bytes`,
      input: frame({ opcode, payload }),
      events: [opcode === 0x1 ? text('*'.repeat(length)) : binary(payload)],
    });
  });
  const payload = filled(65536, opcode === 0x1 ? 0x2a : 0xfe);
  cases.push({
    id: `${section}.8`, title: `a ${opcode === 0x1 ? 'text' : 'binary'} message of 65536 bytes chopped into 997-byte pieces`,
    input: frame({ opcode, payload }), chop: 997,
    events: [opcode === 0x1 ? text('*'.repeat(65536)) : binary(payload)],
  });
}

// §2 Pings and pongs (RFC 6455 §5.5.2, §5.5.3).
const BINARY_PING = bytesOf('00 ff fe fd fc fb 00 ff');
cases.push(
  { id: '2.1', title: 'a ping without payload', input: frame({ opcode: 0x9 }), events: [ping()] },
  { id: '2.2', title: 'a ping with a text payload', input: frame({ opcode: 0x9, payload: 'Hello, world!' }), events: [ping('Hello, world!')] },
  { id: '2.3', title: 'a ping with a binary payload', input: frame({ opcode: 0x9, payload: BINARY_PING }), events: [ping(BINARY_PING)] },
  { id: '2.4', title: 'a ping with a 125-byte payload', input: frame({ opcode: 0x9, payload: filled(125, 0xfe) }), events: [ping(filled(125, 0xfe))] },
  {
    id: '2.5', title: 'a ping with a 126-byte payload fails before its payload',
    input: frame({ opcode: 0x9, payload: filled(126, 0xfe) }), chop: [8], events: [], // 8 header bytes only
    error: { code: 'CONTROL_PAYLOAD_TOO_LONG', closeCode: PROTOCOL, offset: 1, afterPush: 0 },
  },
  { id: '2.6', title: 'a ping with a 125-byte payload in 1-byte pieces', input: frame({ opcode: 0x9, payload: filled(125, 0xfe) }), chop: 1, events: [ping(filled(125, 0xfe))] },
  { id: '2.7', title: 'an unsolicited pong without payload', input: frame({ opcode: 0xa }), events: [pong()] },
  { id: '2.8', title: 'an unsolicited pong with payload', input: frame({ opcode: 0xa, payload: 'unsolicited pong payload' }), events: [pong('unsolicited pong payload')] },
  {
    id: '2.9', title: 'an unsolicited pong, then a ping',
    input: frames({ opcode: 0xa, payload: 'unsolicited pong payload' }, { opcode: 0x9, payload: 'ping payload' }).input,
    events: [pong('unsolicited pong payload'), ping('ping payload')],
  },
);
const tenPings = frames(...Array.from({ length: 10 }, () => ({ opcode: 0x9, payload: 'payload' })));
cases.push(
  { id: '2.10', title: '10 pings in a row', input: tenPings.input, events: Array.from({ length: 10 }, () => ping('payload')) },
  { id: '2.11', title: '10 pings in a row, in 1-byte pieces', input: tenPings.input, chop: 1, events: Array.from({ length: 10 }, () => ping('payload')) },
);

// §3 Reserved bits (RFC 6455 §5.2: nonzero RSV without a negotiated extension fails): every
// combination of the three bits on each kind of frame, after a valid message.
const RSV_NAMES = ['RSV3', 'RSV2', 'RSV2+RSV3', 'RSV1', 'RSV1+RSV3', 'RSV1+RSV2', 'RSV1+RSV2+RSV3'];
for (let rsv = 1; rsv <= 7; rsv++) {
  for (const [kind, opcode, payload] of [['text', 0x1, utf8('Hello')], ['binary', 0x2, bytesOf('00 ff')], ['ping', 0x9, utf8('x')], ['close', 0x8, bytesOf('03 e8')]] as const) {
    const { input, boundaries } = frames(
      { opcode: 0x1, payload: 'Hello' },
      { opcode, payload, rsv1: (rsv & 4) !== 0, rsv2: (rsv & 2) !== 0, rsv3: (rsv & 1) !== 0 },
      { opcode: 0x9 },
    );
    cases.push({
      id: `3.${rsv}`, title: `a ${kind} frame with ${RSV_NAMES[rsv - 1]} set after a valid message, delivered frame by frame`,
      input, chop: boundaries, events: [text('Hello')],
      error: { code: 'RESERVED_BITS', closeCode: PROTOCOL, offset: boundaries[0], afterPush: 1 },
    });
  }
}

// §4 Reserved opcodes (RFC 6455 §5.2: 0x3-0x7 and 0xB-0xF): after a valid message, with and
// without payload, then a ping that must not be yielded.
for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
  const section = opcode < 8 ? `4.1.${opcode - 2}` : `4.2.${opcode - 10}`;
  for (const payload of ['', 'reserved opcode payload']) {
    const { input, boundaries } = frames({ opcode: 0x1, payload: 'Hello' }, { opcode, payload }, { opcode: 0x9 });
    cases.push({
      id: section, title: `reserved opcode 0x${opcode.toString(16)} ${payload ? 'with' : 'without'} payload after a valid message`,
      input, chop: boundaries, events: [text('Hello')],
      error: { code: 'RESERVED_OPCODE', closeCode: PROTOCOL, offset: boundaries[0], afterPush: 1 },
    });
  }
}

// §5 Fragmentation (RFC 6455 §5.4).
const frag = (opcode: number, payload: string, fin: boolean): FrameSpec => ({ opcode, payload, fin });
{
  const pingPong = [['5.1', 0x9, 'ping'], ['5.2', 0xa, 'pong']] as const;
  for (const [id, opcode, name] of pingPong) {
    const { input } = frames({ opcode, payload: 'fragment1', fin: false }, frag(0x0, 'fragment2', true));
    cases.push({ id, title: `a fragmented ${name} fails`, input, events: [], error: { code: 'CONTROL_FRAME_FRAGMENTED', closeCode: PROTOCOL, offset: 0 } });
  }
  const two = frames(frag(0x1, 'fragment1', false), frag(0x0, 'fragment2', true));
  cases.push(
    { id: '5.3', title: 'a text message in 2 fragments', input: two.input, events: [text('fragment1fragment2')] },
    { id: '5.4', title: 'a text message in 2 fragments, frame by frame', input: two.input, chop: two.boundaries, events: [text('fragment1fragment2')] },
    { id: '5.5', title: 'a text message in 2 fragments, in 1-byte pieces', input: two.input, chop: 1, events: [text('fragment1fragment2')] },
  );
  const withPing = frames(frag(0x1, 'fragment1', false), { opcode: 0x9, payload: 'ping payload' }, frag(0x0, 'fragment2', true));
  const pingFirst = [ping('ping payload'), text('fragment1fragment2')];
  cases.push(
    { id: '5.6', title: 'a text message in 2 fragments with a ping between them', input: withPing.input, events: pingFirst },
    { id: '5.7', title: 'a text message in 2 fragments with a ping between them, frame by frame', input: withPing.input, chop: withPing.boundaries, events: pingFirst },
    { id: '5.8', title: 'a text message in 2 fragments with a ping between them, in 1-byte pieces', input: withPing.input, chop: 1, events: pingFirst },
  );
  for (const [ids, fin] of [[['5.9', '5.10', '5.11'], true], [['5.12', '5.13', '5.14'], false]] as const) {
    const bad = frames(frag(0x0, 'non-continuation payload', fin), frag(0x1, 'Hello, world!', true));
    const chops: Chop[] = ['whole', bad.boundaries, 1];
    ids.forEach((id, i) => cases.push({
      id, title: `a continuation frame (FIN ${fin ? 'set' : 'clear'}) with nothing to continue${['', ', frame by frame', ', in 1-byte pieces'][i]}`,
      input: bad.input, chop: chops[i], events: [], error: { code: 'UNEXPECTED_CONTINUATION', closeCode: PROTOCOL, offset: 0 },
    }));
  }
  const f15 = frames(frag(0x1, 'fragment1', false), frag(0x0, 'fragment2', true), frag(0x0, 'fragment3', false), frag(0x1, 'fragment4', true));
  cases.push({
    id: '5.15', title: 'a complete fragmented message, then a continuation with nothing to continue',
    input: f15.input, events: [text('fragment1fragment2')],
    error: { code: 'UNEXPECTED_CONTINUATION', closeCode: PROTOCOL, offset: f15.boundaries[1] },
  });
  for (const [id, fin] of [['5.16', false], ['5.17', true]] as const) {
    const f = frames(frag(0x0, 'fragment1', fin), frag(0x1, 'fragment2', false), frag(0x0, 'fragment3', true),
      frag(0x0, 'fragment1', fin), frag(0x1, 'fragment2', false), frag(0x0, 'fragment3', true));
    cases.push({ id, title: `a message that starts with a continuation (FIN ${fin ? 'set' : 'clear'}), twice`, input: f.input, events: [], error: { code: 'UNEXPECTED_CONTINUATION', closeCode: PROTOCOL, offset: 0 } });
  }
  const f18 = frames(frag(0x1, 'fragment1', false), frag(0x1, 'fragment2', true));
  cases.push({
    id: '5.18', title: 'a new text frame while a text message is open', input: f18.input, events: [],
    error: { code: 'EXPECTED_CONTINUATION', closeCode: PROTOCOL, offset: f18.boundaries[0] },
  });
  const f19 = frames(
    frag(0x1, 'fragment1', false), frag(0x0, 'fragment2', false), { opcode: 0x9, payload: 'pongme 1!' },
    frag(0x0, 'fragment3', false), frag(0x0, 'fragment4', false), { opcode: 0x9, payload: 'pongme 2!' }, frag(0x0, 'fragment5', true),
  );
  const e19 = [ping('pongme 1!'), ping('pongme 2!'), text('fragment1fragment2fragment3fragment4fragment5')];
  cases.push(
    { id: '5.19', title: 'a text message in 5 fragments with 2 pings between them', input: f19.input, events: e19 },
    { id: '5.20', title: 'a text message in 5 fragments with 2 pings between them, frame by frame', input: f19.input, chop: f19.boundaries, events: e19 },
  );
  // Control frames interleaved at every position of a 4-fragment binary message.
  const parts = ['aa', 'bb', 'cc', 'dd'].map((p) => bytesOf(p));
  for (const [name, opcode, event] of [['ping', 0x9, ping('x')], ['pong', 0xa, pong('x')]] as const) {
    for (let position = 0; position <= parts.length; position++) {
      const specs: FrameSpec[] = parts.map((p, i) => ({ opcode: i === 0 ? 0x2 : 0x0, payload: p, fin: i === parts.length - 1 }));
      specs.splice(position, 0, { opcode, payload: 'x' });
      const message = binary(bytesOf('aa bb cc dd'));
      cases.push({
        id: '5.x', title: `a ${name} at position ${position} of a 4-fragment binary message`,
        input: frames(...specs).input, events: position === parts.length ? [message, event] : [event, message],
      });
    }
  }
}

// §6 UTF-8 (RFC 6455 §8.1: text must be valid UTF-8; fail fast at the first impossible byte).
const KOSME = bytesOf('ce ba e1 bd b9 cf 83 ce bc ce b5'); // "κόσμε"
// Kuhn's "κόσμε" has U+1F79 (omicron with oxia), which NFC source text would turn into U+03CC.
const KOSME_TEXT = '\u03ba\u1f79\u03c3\u03bc\u03b5';
const KOSME_EDITED = bytesOf('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64'); // surrogate U+D800 inside
cases.push(
  { id: '6.1.1', title: 'an empty text message', input: frame({ opcode: 0x1 }), events: [text('')] },
  { id: '6.1.2', title: 'an empty text message in 3 empty fragments', input: frames(frag(0x1, '', false), frag(0x0, '', false), frag(0x0, '', true)).input, events: [text('')] },
  { id: '6.1.3', title: 'a text message in 3 fragments, the first and last empty', input: frames(frag(0x1, '', false), frag(0x0, 'middle frame payload', false), frag(0x0, '', true)).input, events: [text('middle frame payload')] },
  { id: '6.2.1', title: 'valid UTF-8 in one frame', input: frame({ opcode: 0x1, payload: 'Hello-µ@ßöäüàá-UTF-8!!' }), events: [text('Hello-µ@ßöäüàá-UTF-8!!')] },
  {
    id: '6.2.2', title: 'valid UTF-8 fragmented on code points',
    input: frames(frag(0x1, 'Hello-µ@ßöä', false), frag(0x0, 'üàá-UTF-8!!', true)).input, events: [text('Hello-µ@ßöäüàá-UTF-8!!')],
  },
  {
    id: '6.2.3', title: 'valid UTF-8 with every byte in its own frame',
    input: oneBytePerFrame(utf8('Hello-µ@ßöäüàá-UTF-8!!')),
    events: [text('Hello-µ@ßöäüàá-UTF-8!!')],
  },
  {
    id: '6.2.4', title: '"κόσμε" with every byte in its own frame',
    input: oneBytePerFrame(KOSME),
    events: [text(KOSME_TEXT)],
  },
  {
    id: '6.3.1', title: 'invalid UTF-8 (a surrogate) in one frame', input: frame({ opcode: 0x1, payload: KOSME_EDITED }), events: [],
    error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + 12 },
  },
  {
    id: '6.3.2', title: 'invalid UTF-8 (a surrogate) with every byte in its own frame',
    input: oneBytePerFrame(KOSME_EDITED),
    events: [], error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 12 * 7 + 6 },
  },
);
// 6.4: fail fast: the frame arrives in 3 pieces; the error must show after the second, before
// the rest of the frame is there.
{
  const payload = new Uint8Array([...KOSME, 0xf4, 0x90, 0x80, 0x80, ...utf8('edited')]); // f4 90: above U+10FFFF
  const input = frame({ opcode: 0x1, payload });
  cases.push(
    {
      id: '6.4.1', title: 'a text frame in 3 pieces whose second piece holds an impossible byte fails after the second',
      input, chop: [6 + 11, 6 + 15], events: [], error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + 12, afterPush: 1 },
    },
    {
      id: '6.4.2', title: 'a text frame in 3 pieces, the impossible byte first in the second piece',
      input, chop: [6 + 12, 6 + 13], events: [], error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + 12, afterPush: 1 },
    },
    {
      id: '6.4.3', title: 'a text message in 3 fragments whose second holds an impossible byte fails after the second',
      input: frames(
        { opcode: 0x1, payload: KOSME, fin: false }, { opcode: 0x0, payload: bytesOf('f4 90 80 80'), fin: false },
        { opcode: 0x0, payload: 'edited', fin: true },
      ).input,
      chop: [6 + 11, 6 + 11 + 6 + 4], events: [], error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + 11 + 6 + 1, afterPush: 1 },
    },
    {
      id: '6.4.4', title: 'a text frame in 1-byte pieces fails with the impossible byte, not later',
      input, chop: 1, events: [], error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + 12, afterPush: 6 + 12 },
    },
  );
}
cases.push({ id: '6.5.1', title: 'valid "κόσμε"', input: frame({ opcode: 0x1, payload: KOSME }), events: [text(KOSME_TEXT)] });
// 6.6: every prefix of "κόσμε": valid exactly when it ends on a code point boundary.
const KOSME_BOUNDARIES = new Set([2, 5, 7, 9, 11]);
for (let length = 1; length <= KOSME.length; length++) {
  const prefix = KOSME.subarray(0, length);
  const valid = KOSME_BOUNDARIES.has(length);
  const lead = [0, 2, 5, 7, 9].filter((b) => b < length).pop()!;
  cases.push({
    id: `6.6.${length}`, title: `the first ${length} bytes of "κόσμε" as a message`,
    input: frame({ opcode: 0x1, payload: prefix }),
    events: valid ? [text(new TextDecoder().decode(prefix))] : [],
    error: valid ? undefined : { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + lead },
  });
}

/**
 * Markus Kuhn's "UTF-8 decoder capability and stress test" (sections 1-5), as bytes. `text`:
 * valid, decodes to this; `badAt`: invalid, the first impossible byte (for a truncated final
 * sequence: its lead byte).
 */
export interface Utf8StressCase {
  section: string;
  title: string;
  bytes: Uint8Array;
  text?: string;
  badAt?: number;
}

const seq = (from: number, to: number, after: number[] = []) =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, ...after]).flat();

export const UTF8_STRESS: Utf8StressCase[] = [
  { section: '1', title: 'the Greek word "κόσμε"', bytes: KOSME, text: KOSME_TEXT },
  // 2.1 First possible sequence of a certain length.
  { section: '2.1.1', title: '1 byte, U+0000', bytes: bytesOf('00'), text: '\u0000' },
  { section: '2.1.2', title: '2 bytes, U+0080', bytes: bytesOf('c2 80'), text: '\u0080' },
  { section: '2.1.3', title: '3 bytes, U+0800', bytes: bytesOf('e0 a0 80'), text: '\u0800' },
  { section: '2.1.4', title: '4 bytes, U+10000', bytes: bytesOf('f0 90 80 80'), text: '\u{10000}' },
  { section: '2.1.5', title: '5 bytes, U+200000', bytes: bytesOf('f8 88 80 80 80'), badAt: 0 },
  { section: '2.1.6', title: '6 bytes, U+4000000', bytes: bytesOf('fc 84 80 80 80 80'), badAt: 0 },
  // 2.2 Last possible sequence of a certain length.
  { section: '2.2.1', title: '1 byte, U+007F', bytes: bytesOf('7f'), text: '\u007f' },
  { section: '2.2.2', title: '2 bytes, U+07FF', bytes: bytesOf('df bf'), text: '\u07ff' },
  { section: '2.2.3', title: '3 bytes, U+FFFF', bytes: bytesOf('ef bf bf'), text: '\uffff' },
  { section: '2.2.4', title: '4 bytes, U+1FFFFF', bytes: bytesOf('f7 bf bf bf'), badAt: 0 },
  { section: '2.2.5', title: '5 bytes, U+3FFFFFF', bytes: bytesOf('fb bf bf bf bf'), badAt: 0 },
  { section: '2.2.6', title: '6 bytes, U+7FFFFFFF', bytes: bytesOf('fd bf bf bf bf bf'), badAt: 0 },
  // 2.3 Other boundary conditions.
  { section: '2.3.1', title: 'U+D7FF', bytes: bytesOf('ed 9f bf'), text: '\ud7ff' },
  { section: '2.3.2', title: 'U+E000', bytes: bytesOf('ee 80 80'), text: '\ue000' },
  { section: '2.3.3', title: 'U+FFFD', bytes: bytesOf('ef bf bd'), text: '\ufffd' },
  { section: '2.3.4', title: 'U+10FFFF', bytes: bytesOf('f4 8f bf bf'), text: '\u{10ffff}' },
  { section: '2.3.5', title: 'U+110000', bytes: bytesOf('f4 90 80 80'), badAt: 1 },
  // 3.1 Unexpected continuation bytes.
  { section: '3.1.1', title: 'first continuation byte 0x80', bytes: bytesOf('80'), badAt: 0 },
  { section: '3.1.2', title: 'last continuation byte 0xbf', bytes: bytesOf('bf'), badAt: 0 },
  ...[2, 3, 4, 5, 6, 7].map((n) => ({
    section: `3.1.${n + 1}`, title: `${n} continuation bytes`, bytes: new Uint8Array(Array.from({ length: n }, (_, i) => (i & 1 ? 0xbf : 0x80))), badAt: 0,
  })),
  { section: '3.1.9', title: 'all 64 continuation bytes 0x80-0xbf', bytes: new Uint8Array(seq(0x80, 0xbf)), badAt: 0 },
  // 3.2 Lonely start characters, each followed by a space.
  { section: '3.2.1', title: 'all 32 first bytes of 2-byte sequences (0xc0-0xdf), each followed by a space', bytes: new Uint8Array(seq(0xc0, 0xdf, [0x20])), badAt: 0 },
  { section: '3.2.2', title: 'all 16 first bytes of 3-byte sequences (0xe0-0xef), each followed by a space', bytes: new Uint8Array(seq(0xe0, 0xef, [0x20])), badAt: 1 },
  { section: '3.2.3', title: 'all 8 first bytes of 4-byte sequences (0xf0-0xf7), each followed by a space', bytes: new Uint8Array(seq(0xf0, 0xf7, [0x20])), badAt: 1 },
  { section: '3.2.4', title: 'all 4 first bytes of 5-byte sequences (0xf8-0xfb), each followed by a space', bytes: new Uint8Array(seq(0xf8, 0xfb, [0x20])), badAt: 0 },
  { section: '3.2.5', title: 'both first bytes of 6-byte sequences (0xfc-0xfd), each followed by a space', bytes: new Uint8Array(seq(0xfc, 0xfd, [0x20])), badAt: 0 },
  // 3.3 Sequences with the last continuation byte missing.
  { section: '3.3.1', title: '2-byte sequence with last byte missing (U+0000)', bytes: bytesOf('c0'), badAt: 0 },
  { section: '3.3.2', title: '3-byte sequence with last byte missing (U+0000)', bytes: bytesOf('e0 80'), badAt: 1 },
  { section: '3.3.3', title: '4-byte sequence with last byte missing (U+0000)', bytes: bytesOf('f0 80 80'), badAt: 1 },
  { section: '3.3.4', title: '5-byte sequence with last byte missing (U+0000)', bytes: bytesOf('f8 80 80 80'), badAt: 0 },
  { section: '3.3.5', title: '6-byte sequence with last byte missing (U+0000)', bytes: bytesOf('fc 80 80 80 80'), badAt: 0 },
  { section: '3.3.6', title: '2-byte sequence with last byte missing (U+07FF)', bytes: bytesOf('df'), badAt: 0 },
  { section: '3.3.7', title: '3-byte sequence with last byte missing (U+FFFF)', bytes: bytesOf('ef bf'), badAt: 0 },
  { section: '3.3.8', title: '4-byte sequence with last byte missing (U+1FFFFF)', bytes: bytesOf('f7 bf bf'), badAt: 0 },
  { section: '3.3.9', title: '5-byte sequence with last byte missing (U+3FFFFFF)', bytes: bytesOf('fb bf bf bf'), badAt: 0 },
  { section: '3.3.10', title: '6-byte sequence with last byte missing (U+7FFFFFFF)', bytes: bytesOf('fd bf bf bf bf'), badAt: 0 },
  // 3.4 All of 3.3 concatenated.
  { section: '3.4', title: 'all ten truncated sequences of 3.3 concatenated', bytes: bytesOf('c0 e0 80 f0 80 80 f8 80 80 80 fc 80 80 80 80 df ef bf f7 bf bf fb bf bf bf fd bf bf bf bf'), badAt: 0 },
  // 3.5 Impossible bytes.
  { section: '3.5.1', title: 'the byte 0xfe', bytes: bytesOf('fe'), badAt: 0 },
  { section: '3.5.2', title: 'the byte 0xff', bytes: bytesOf('ff'), badAt: 0 },
  { section: '3.5.3', title: '0xfe 0xfe 0xff 0xff', bytes: bytesOf('fe fe ff ff'), badAt: 0 },
  // 4.1 Overlong forms of "/" (U+002F).
  { section: '4.1.1', title: 'overlong "/" in 2 bytes', bytes: bytesOf('c0 af'), badAt: 0 },
  { section: '4.1.2', title: 'overlong "/" in 3 bytes', bytes: bytesOf('e0 80 af'), badAt: 1 },
  { section: '4.1.3', title: 'overlong "/" in 4 bytes', bytes: bytesOf('f0 80 80 af'), badAt: 1 },
  { section: '4.1.4', title: 'overlong "/" in 5 bytes', bytes: bytesOf('f8 80 80 80 af'), badAt: 0 },
  { section: '4.1.5', title: 'overlong "/" in 6 bytes', bytes: bytesOf('fc 80 80 80 80 af'), badAt: 0 },
  // 4.2 Maximum overlong sequences.
  { section: '4.2.1', title: 'overlong U+007F in 2 bytes', bytes: bytesOf('c1 bf'), badAt: 0 },
  { section: '4.2.2', title: 'overlong U+07FF in 3 bytes', bytes: bytesOf('e0 9f bf'), badAt: 1 },
  { section: '4.2.3', title: 'overlong U+FFFF in 4 bytes', bytes: bytesOf('f0 8f bf bf'), badAt: 1 },
  { section: '4.2.4', title: 'overlong U+1FFFFF in 5 bytes', bytes: bytesOf('f8 87 bf bf bf'), badAt: 0 },
  { section: '4.2.5', title: 'overlong U+3FFFFFF in 6 bytes', bytes: bytesOf('fc 83 bf bf bf bf'), badAt: 0 },
  // 4.3 Overlong NUL.
  { section: '4.3.1', title: 'overlong NUL in 2 bytes', bytes: bytesOf('c0 80'), badAt: 0 },
  { section: '4.3.2', title: 'overlong NUL in 3 bytes', bytes: bytesOf('e0 80 80'), badAt: 1 },
  { section: '4.3.3', title: 'overlong NUL in 4 bytes', bytes: bytesOf('f0 80 80 80'), badAt: 1 },
  { section: '4.3.4', title: 'overlong NUL in 5 bytes', bytes: bytesOf('f8 80 80 80 80'), badAt: 0 },
  { section: '4.3.5', title: 'overlong NUL in 6 bytes', bytes: bytesOf('fc 80 80 80 80 80'), badAt: 0 },
  // 5.1 Single UTF-16 surrogates.
  ...[['5.1.1', 'U+D800', 'ed a0 80'], ['5.1.2', 'U+DB7F', 'ed ad bf'], ['5.1.3', 'U+DB80', 'ed ae 80'], ['5.1.4', 'U+DBFF', 'ed af bf'],
    ['5.1.5', 'U+DC00', 'ed b0 80'], ['5.1.6', 'U+DF80', 'ed be 80'], ['5.1.7', 'U+DFFF', 'ed bf bf']].map(([section, name, hex]) => ({
    section, title: `the single surrogate ${name}`, bytes: bytesOf(hex), badAt: 1,
  })),
  // 5.2 Paired UTF-16 surrogates.
  ...[['5.2.1', 'U+D800 U+DC00', 'ed a0 80 ed b0 80'], ['5.2.2', 'U+D800 U+DFFF', 'ed a0 80 ed bf bf'],
    ['5.2.3', 'U+DB7F U+DC00', 'ed ad bf ed b0 80'], ['5.2.4', 'U+DB7F U+DFFF', 'ed ad bf ed bf bf'],
    ['5.2.5', 'U+DB80 U+DC00', 'ed ae 80 ed b0 80'], ['5.2.6', 'U+DB80 U+DFFF', 'ed ae 80 ed bf bf'],
    ['5.2.7', 'U+DBFF U+DC00', 'ed af bf ed b0 80'], ['5.2.8', 'U+DBFF U+DFFF', 'ed af bf ed bf bf']].map(([section, name, hex]) => ({
    section, title: `the surrogate pair ${name}`, bytes: bytesOf(hex), badAt: 1,
  })),
  // 5.3 Noncharacters: valid UTF-8 (Unicode Corrigendum #9); a decoder must pass them through.
  { section: '5.3.1', title: 'the noncharacter U+FFFE', bytes: bytesOf('ef bf be'), text: '\ufffe' },
  { section: '5.3.2', title: 'the noncharacter U+FFFF', bytes: bytesOf('ef bf bf'), text: '\uffff' },
  {
    section: '5.3.3', title: 'the noncharacters U+FDD0-U+FDEF',
    bytes: new Uint8Array(seq(0x90, 0xaf).flatMap((b) => [0xef, 0xb7, b])), // U+FDD0 = ef b7 90 ... U+FDEF = ef b7 af
    text: String.fromCodePoint(...seq(0xfdd0, 0xfdef)),
  },
  {
    section: '5.3.4', title: 'the noncharacters U+nFFFE and U+nFFFF of planes 1-16',
    bytes: utf8(String.fromCodePoint(...Array.from({ length: 16 }, (_, i) => [(i + 1) * 0x10000 + 0xfffe, (i + 1) * 0x10000 + 0xffff]).flat())),
    text: String.fromCodePoint(...Array.from({ length: 16 }, (_, i) => [(i + 1) * 0x10000 + 0xfffe, (i + 1) * 0x10000 + 0xffff]).flat()),
  },
];

for (const stress of UTF8_STRESS) {
  cases.push({
    id: `6.kuhn.${stress.section}`, title: `Kuhn ${stress.section}: ${stress.title}`,
    input: frame({ opcode: 0x1, payload: stress.bytes }),
    events: stress.text === undefined ? [] : [text(stress.text)],
    error: stress.badAt === undefined ? undefined : { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + stress.badAt },
  });
  // The same bytes in a fragmented message, one byte per frame.
  cases.push({
    id: `6.kuhn.${stress.section}`, title: `Kuhn ${stress.section}: ${stress.title}, one byte per frame`,
    input: oneBytePerFrame(stress.bytes),
    events: stress.text === undefined ? [] : [text(stress.text)],
    error: stress.badAt === undefined ? undefined : { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 7 * stress.badAt + 6 },
  });
}

// §7 Close handling (RFC 6455 §5.5.1, §7.4).
{
  const afterClose = (id: string, title: string, specs: FrameSpec[], before: ExpectedEvent[]) => {
    const { input, boundaries } = frames(...specs);
    const closeIndex = specs.findIndex((s) => s.opcode === 0x8);
    const trailingAt = boundaries[closeIndex];
    const events = [...before, close(1000)];
    cases.push(
      { id, title: `${title}: the close, then 1002 DATA_AFTER_CLOSE`, input, events, error: { code: 'DATA_AFTER_CLOSE', closeCode: PROTOCOL, offset: trailingAt } },
      { id, title: `${title}, with afterClose: 'ignore': the close only`, input, chop: 1, events, options: { afterClose: 'ignore' } },
    );
  };
  const c1000 = { opcode: 0x8, payload: closePayload(1000) };
  cases.push({ id: '7.1.1', title: 'a text message, then a close', input: frames({ opcode: 0x1, payload: 'Hello World!' }, c1000).input, events: [text('Hello World!'), close(1000)] });
  afterClose('7.1.2', 'a close, then another close', [c1000, c1000], []);
  afterClose('7.1.3', 'a close, then a ping', [c1000, { opcode: 0x9, payload: 'Hello World!' }], []);
  afterClose('7.1.4', 'a close, then a text message', [c1000, { opcode: 0x1, payload: 'Hello World!' }], []);
  afterClose('7.1.5', 'a first fragment, a close, then the last fragment', [frag(0x1, 'fragment1', false), c1000, frag(0x0, 'fragment2', true)], []);
  afterClose('7.1.6', 'a 256 KiB message, a close, then a ping', [{ opcode: 0x1, payload: filled(262144, 0x42) }, c1000, { opcode: 0x9 }], [text('B'.repeat(262144))]);
  cases.push(
    { id: '7.3.1', title: 'a close without payload', input: frame({ opcode: 0x8 }), events: [close(undefined)] },
    { id: '7.3.2', title: 'a close with a 1-byte payload fails', input: frame({ opcode: 0x8, payload: bytesOf('03') }), events: [], error: { code: 'CLOSE_PAYLOAD_TOO_SHORT', closeCode: PROTOCOL, offset: 6 } },
    { id: '7.3.3', title: 'a close with a code and no reason', input: frame({ opcode: 0x8, payload: closePayload(1000) }), events: [close(1000)] },
    { id: '7.3.4', title: 'a close with a code and a reason', input: frame({ opcode: 0x8, payload: closePayload(1000, 'Hello World!') }), events: [close(1000, 'Hello World!')] },
    { id: '7.3.5', title: 'a close with a 123-byte reason (a 125-byte payload)', input: frame({ opcode: 0x8, payload: closePayload(1000, '*'.repeat(123)) }), events: [close(1000, '*'.repeat(123))] },
    {
      id: '7.3.6', title: 'a close with a 126-byte payload fails before its payload',
      input: frame({ opcode: 0x8, payload: closePayload(1000, '*'.repeat(124)) }), chop: [8], events: [], // 8 header bytes only
      error: { code: 'CONTROL_PAYLOAD_TOO_LONG', closeCode: PROTOCOL, offset: 1, afterPush: 0 },
    },
    {
      id: '7.5.1', title: 'a close whose reason is not UTF-8 fails with 1007',
      input: frame({ opcode: 0x8, payload: closePayload(1000, KOSME_EDITED) }), events: [],
      error: { code: 'INVALID_UTF8', closeCode: INVALID_DATA, offset: 6 + 2 + 12 },
    },
  );
  const VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
  VALID.forEach((code, i) => cases.push({ id: `7.7.${i + 1}`, title: `a close with the valid code ${code}`, input: frame({ opcode: 0x8, payload: closePayload(code) }), events: [close(code)] }));
  const INVALID = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
  INVALID.forEach((code, i) => cases.push({
    id: `7.9.${i + 1}`, title: `a close with the invalid code ${code} fails`, input: frame({ opcode: 0x8, payload: closePayload(code) }), events: [],
    error: { code: 'INVALID_CLOSE_CODE', closeCode: PROTOCOL, offset: 6 },
  }));
}

// §9 Limits and volume: up to 16 MiB messages, fragmented and chopped, 1000 messages in a row.
const MiB = 1024 * 1024;
const bigText = (length: number) => 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(length / 36)).slice(0, length);
const bigBinary = (length: number) => {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + (i >>> 8)) & 0xff;
  return out;
};
for (const [i, length] of [64 * 1024, 256 * 1024, MiB, 4 * MiB, 16 * MiB].entries()) {
  cases.push(
    { id: `9.1.${i + 1}`, title: `a text message of ${length} bytes`, input: () => frame({ opcode: 0x1, payload: bigText(length) }), events: () => [text(bigText(length))] },
    { id: `9.2.${i + 1}`, title: `a binary message of ${length} bytes`, input: () => frame({ opcode: 0x2, payload: bigBinary(length) }), events: () => [binary(bigBinary(length))] },
  );
}
const fragmented = (opcode: number, length: number, fragment: number) => () => {
  const payload = opcode === 0x1 ? utf8(bigText(length)) : bigBinary(length);
  const specs: FrameSpec[] = [];
  for (let at = 0; at < length; at += fragment) {
    specs.push({ opcode: at === 0 ? opcode : 0x0, payload: payload.subarray(at, Math.min(length, at + fragment)), fin: at + fragment >= length });
  }
  return frames(...specs).input;
};
for (const [i, fragment] of [64, 4096, 256 * 1024].entries()) {
  cases.push(
    { id: `9.3.${i + 1}`, title: `a 4 MiB text message in ${fragment}-byte fragments`, input: fragmented(0x1, 4 * MiB, fragment), events: () => [text(bigText(4 * MiB))] },
    { id: `9.4.${i + 1}`, title: `a 4 MiB binary message in ${fragment}-byte fragments`, input: fragmented(0x2, 4 * MiB, fragment), events: () => [binary(bigBinary(4 * MiB))] },
  );
}
for (const [i, piece] of [64, 4096].entries()) {
  cases.push(
    { id: `9.5.${i + 1}`, title: `a 1 MiB text message pushed in ${piece}-byte pieces`, input: () => frame({ opcode: 0x1, payload: bigText(MiB) }), chop: piece, events: () => [text(bigText(MiB))] },
    { id: `9.6.${i + 1}`, title: `a 1 MiB binary message pushed in ${piece}-byte pieces`, input: () => frame({ opcode: 0x2, payload: bigBinary(MiB) }), chop: piece, events: () => [binary(bigBinary(MiB))] },
  );
}
for (const [i, length] of [0, 16, 256, 4096].entries()) {
  cases.push(
    {
      id: `9.7.${i + 1}`, title: `1000 text messages of ${length} bytes in a row`,
      input: () => frames(...Array.from({ length: 1000 }, () => ({ opcode: 0x1, payload: bigText(length) }))).input,
      events: () => Array.from({ length: 1000 }, () => text(bigText(length))),
    },
    {
      id: `9.8.${i + 1}`, title: `1000 binary messages of ${length} bytes in a row, pushed in 1000-byte pieces`,
      input: () => frames(...Array.from({ length: 1000 }, () => ({ opcode: 0x2, payload: bigBinary(length) }))).input, chop: 1000,
      events: () => Array.from({ length: 1000 }, () => binary(bigBinary(length))),
    },
  );
}
cases.push(
  {
    id: '9.x', title: 'a message one byte over maxMessageLength fails with 1009 before its payload',
    input: frame({ opcode: 0x2, payload: new Uint8Array(1025) }), chop: [8], options: { maxMessageLength: 1024 }, events: [],
    error: { code: 'MESSAGE_TOO_LARGE', closeCode: TOO_BIG, offset: 1, afterPush: 0 },
  },
  {
    id: '9.x', title: 'a frame one byte over maxPayloadLength fails with 1009 before its payload',
    input: frame({ opcode: 0x2, payload: new Uint8Array(1025) }), chop: [8], options: { maxPayloadLength: 1024 }, events: [],
    error: { code: 'PAYLOAD_TOO_LARGE', closeCode: TOO_BIG, offset: 1, afterPush: 0 },
  },
);

// §10 Automatic fragmentation: a 64 KiB text message in 1300-byte frames.
cases.push({ id: '10.1.1', title: 'a 65536-byte text message in 1300-byte frames', input: fragmented(0x1, 65536, 1300), events: () => [text(bigText(65536))] });

export const CONFORMANCE_CASES: readonly ConformanceCase[] = cases;
