/**
 * The fuzz oracle and input generators for the wire layer. Used by `fuzz/run.ts` (long runs,
 * `npm run fuzz`) and by `test/fuzz.test.ts` (a short fixed-seed slice plus the corpus replay).
 */
import { decodeHeader } from '../src/wire/header.ts';
import { decodeFrame, encodeFrame } from '../src/wire/frame.ts';
import { ProtocolError } from '../src/base/errors.ts';
import type { DecodeOptions } from '../src/wire/check.ts';

/**
 * A Uint8Array that records the largest buffer allocated through it. `slice` and `subarray`
 * construct through `Symbol.species`, so every allocation the decoder makes from an input of
 * this class is seen here.
 */
export class TrackedBytes extends Uint8Array {
  static largestAllocation = 0;

  static get [Symbol.species](): typeof TrackedBytes {
    return TrackedBytes;
  }

  constructor(arg: number | ArrayBufferLike | ArrayLike<number>, byteOffset?: number, length?: number) {
    if (typeof arg === 'number') {
      super(arg);
      if (arg > TrackedBytes.largestAllocation) TrackedBytes.largestAllocation = arg;
    } else if (arg instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && arg instanceof SharedArrayBuffer)) {
      super(arg as ArrayBuffer, byteOffset, length);
    } else {
      super(arg as ArrayLike<number>);
    }
  }
}

/** What one input did, as a short signature: new signatures are what the corpus keeps. */
export type Outcome = string;

const OPTION_SETS: DecodeOptions[] = [
  {},
  { role: 'server' },
  { role: 'client', allowedRsv: { rsv1: true } },
  { maxPayloadLength: 1000, allowedRsv: { rsv1: true, rsv2: true, rsv3: true } },
];

const NativeUint8Array = Uint8Array;
// Stands in for the global Uint8Array while an input is checked, so every `new Uint8Array(n)`
// the decoder makes is measured too (instanceof still works: the prototype is the native one).
const TrackingUint8Array: Uint8ArrayConstructor = new Proxy(NativeUint8Array, {
  construct(target, args: unknown[], newTarget): object {
    if (typeof args[0] === 'number' && args[0] > TrackedBytes.largestAllocation) TrackedBytes.largestAllocation = args[0];
    return Reflect.construct(target, args, newTarget === TrackingUint8Array ? target : newTarget);
  },
});

/**
 * Runs one input through `decodeHeader` and `decodeFrame` under several option sets and throws
 * a plain `Error` describing the finding when an invariant breaks: only `ProtocolError` may be
 * thrown; `bytesRead` never exceeds the input; an accepted frame re-encodes to the same bytes;
 * no allocation is larger than the input.
 */
export function checkInput(input: Uint8Array): Outcome {
  const bytes = new TrackedBytes(input.length);
  bytes.set(input);
  const outcomes: string[] = [];
  withTracking(() => {
    for (const options of OPTION_SETS) outcomes.push(checkWith(bytes, options));
  });
  return outcomes.join('|');
}

function withTracking(fn: () => void): void {
  const global = globalThis as { Uint8Array: Uint8ArrayConstructor };
  global.Uint8Array = TrackingUint8Array;
  try {
    fn();
  } finally {
    global.Uint8Array = NativeUint8Array;
  }
}

/** The largest byte array `fn` allocates, with `new Uint8Array(n)` or through a TrackedBytes. */
export function largestAllocation(fn: () => void): number {
  TrackedBytes.largestAllocation = 0;
  withTracking(fn);
  return TrackedBytes.largestAllocation;
}

function checkWith(bytes: TrackedBytes, options: DecodeOptions): Outcome {
  {
    TrackedBytes.largestAllocation = 0;
    let outcome: string;
    try {
      const header = decodeHeader(bytes);
      if (header !== undefined && header.headerLength > bytes.length) {
        throw new Error(`decodeHeader read ${header.headerLength} bytes of ${bytes.length}`);
      }
      const result = decodeFrame(bytes, options);
      if (result === undefined) {
        outcome = 'more';
      } else {
        const { frame, bytesRead } = result;
        if (bytesRead > bytes.length) throw new Error(`bytesRead ${bytesRead} exceeds the input length ${bytes.length}`);
        const again = encodeFrame(frame);
        if (!sameBytes(again, bytes.subarray(0, bytesRead))) throw new Error('An accepted frame does not re-encode to the same bytes');
        outcome = `ok:${frame.opcode}:${header!.headerLength}`;
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error instanceof Error ? error : new Error(String(error));
      outcome = error.code;
    }
    if (TrackedBytes.largestAllocation > bytes.length) {
      throw new Error(`Allocated ${TrackedBytes.largestAllocation} bytes for an input of ${bytes.length}`);
    }
    return outcome;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A small seeded PRNG (mulberry32): fast, reproducible from the seed alone. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LENGTHS = [0, 1, 2, 5, 124, 125, 126, 127, 128, 255, 256, 1000, 65535, 65536, 65537];
const OPCODES = [0x0, 0x1, 0x2, 0x8, 0x9, 0xa];

/** Builds the next fuzz input: random bytes, or a valid frame (or two) mutated one of several ways. */
export function nextInput(random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  if (random() < 0.25) {
    const bytes = new Uint8Array(int(random() < 0.8 ? 24 : 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
    return bytes;
  }
  let frame = validFrame(random);
  if (random() < 0.2) frame = concat(frame, validFrame(random));
  switch (int(6)) {
    case 0: // bit flips
      for (let flips = 1 + int(3); flips > 0 && frame.length > 0; flips--) frame[int(Math.min(frame.length, 16))] ^= 1 << int(8);
      return frame;
    case 1: // truncation
      return frame.subarray(0, int(frame.length + 1));
    case 2: { // length-field corruption
      const out = frame.slice();
      out[1] = (out[1] & 0x80) | [125, 126, 127, int(128)][int(4)];
      for (let i = 2; i < Math.min(10, out.length); i++) if (random() < 0.5) out[i] = [0x00, 0xff, 0x7f, 0x80, int(256)][int(5)];
      return out;
    }
    case 3: { // splice random bytes in
      const at = int(frame.length + 1);
      const junk = Uint8Array.from({ length: 1 + int(8) }, () => int(256));
      return concat(concat(frame.subarray(0, at), junk), frame.subarray(at));
    }
    case 4: // first byte replaced: every opcode and RSV combination
      frame[0] = int(256);
      return frame;
    default:
      return frame;
  }
}

function validFrame(random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const opcode = OPCODES[int(OPCODES.length)];
  const control = opcode >= 0x8;
  let length = LENGTHS[int(LENGTHS.length)];
  if (control) length = Math.min(length, 125);
  const payload = new Uint8Array(length);
  for (let i = 0; i < Math.min(length, 64); i++) payload[i] = int(256);
  return encodeFrame({
    opcode, payload, fin: control || random() < 0.7,
    rsv1: random() < 0.1, rsv2: random() < 0.05, rsv3: random() < 0.05,
    maskingKey: random() < 0.5 ? Uint8Array.from({ length: 4 }, () => int(256)) : undefined,
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
