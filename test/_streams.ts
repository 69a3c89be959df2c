/** Helpers for the stream decoder tests: chopping input, feeding it, summarising results. */

import { ProtocolError } from '../src/index.ts';
import { concat } from './_bytes.ts';

export { fromHex, hex } from './vectors/rfc6455.ts';

/** Anything with the push/iterate contract. */
export interface Pushable<T> extends Iterable<T> {
  push(chunk: Uint8Array): unknown;
}

/** How a case's input is delivered: all at once, in pieces of n bytes, or cut at these offsets. */
export type Chop = 'whole' | number | readonly number[];

/** Cuts `bytes` into pieces (views) as `chop` says. */
export function chop(bytes: Uint8Array, how: Chop): Uint8Array[] {
  if (how === 'whole') return [bytes];
  const cuts: number[] = [];
  if (typeof how === 'number') {
    for (let at = how; at < bytes.length; at += how) cuts.push(at);
  } else {
    cuts.push(...how.filter((at) => at > 0 && at < bytes.length));
  }
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(from, at));
    from = at;
  }
  return pieces;
}

/** What feeding a decoder produced: the items, the error (if any) and after which push it showed. */
export interface FeedResult<T> {
  items: T[];
  error: ProtocolError | undefined;
  /** Index of the push after which iterating first threw; -1 when nothing threw. */
  failedAfterPush: number;
}

/** Pushes each piece, iterating after every push; stops at the first error. */
export function feed<T>(decoder: Pushable<T>, pieces: readonly Uint8Array[]): FeedResult<T> {
  const items: T[] = [];
  for (let i = 0; i < pieces.length; i++) {
    try {
      decoder.push(pieces[i]);
      for (const item of decoder) items.push(item);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return { items, error, failedAfterPush: i };
    }
  }
  return { items, error: undefined, failedAfterPush: -1 };
}

/** Pushes `chunk`; false when the push threw (the decoder failed on bytes not iterated yet). */
export function pushes(decoder: Pushable<unknown>, chunk: Uint8Array): boolean {
  try {
    decoder.push(chunk);
    return true;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return false;
  }
}

/** The error's comparable fields. */
export function errorSummary(error: ProtocolError | undefined): { code: string; closeCode: number; offset: number | undefined } | undefined {
  return error === undefined ? undefined : { code: error.code, closeCode: error.closeCode, offset: error.offset };
}

export { concat };

/** A fixed masking-key source for deterministic encodings: 4 bytes from a counter. */
export function countingRandom(seed = 0x37): (bytes: Uint8Array) => Uint8Array {
  let next = seed;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = next++ & 0xff;
    return bytes;
  };
}
