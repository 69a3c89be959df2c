/**
 * The one module of the core that touches host globals. Everything else is plain ECMAScript over
 * `Uint8Array`, so porting wsframe to a new host means reviewing this file only.
 *
 * @internal
 * @module
 */

interface HostCrypto {
  getRandomValues<T extends ArrayBufferView>(array: T): T;
  subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> };
}

const host = globalThis as unknown as { crypto?: HostCrypto; WebAssembly?: typeof WebAssembly };

const textEncoder = new TextEncoder();
// RFC 6455 §5.6: text is UTF-8; fatal so a bad byte is never silently replaced, ignoreBOM so a
// leading U+FEFF is data (the RFC gives a BOM no special meaning).
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD, as `TextEncoder` does). */
export function encodeUtf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Decodes bytes already known to be valid UTF-8 (throws `TypeError` otherwise). */
export function decodeUtf8(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

// For bytes our own validator has passed: validated once, never twice. Not fatal, so it cannot
// throw; on valid UTF-8 it returns exactly what the fatal decoder returns.
const trustingDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes bytes that `Utf8Validator` or `isValidUtf8` has accepted, without validating them
 * again. Given invalid bytes it would substitute U+FFFD: never pass it unvalidated input.
 */
export function decodeValidatedUtf8(bytes: Uint8Array): string {
  return trustingDecoder.decode(bytes);
}

/** A source of random bytes: fills and returns `bytes`. Injectable for tests. */
export type RandomSource = (bytes: Uint8Array) => Uint8Array;

/** Fills `bytes` from the platform's cryptographic random source. */
export const getRandomValues: RandomSource = (bytes) => {
  const crypto = host.crypto;
  if (crypto === undefined || typeof crypto.getRandomValues !== 'function') {
    throw new TypeError('Cannot generate random bytes: globalThis.crypto.getRandomValues is missing');
  }
  return crypto.getRandomValues(bytes);
};

/** The platform's WebCrypto digest, or undefined where the host has none. */
export function getSubtleDigest():
  | ((algorithm: string, data: Uint8Array) => Promise<ArrayBuffer>)
  | undefined {
  const subtle = host.crypto?.subtle;
  return subtle === undefined ? undefined : (algorithm, data) => subtle.digest(algorithm, data);
}

/** A wasm instance's exports (functions, memories, …) by name. */
export type WasmExports = Record<string, unknown>;

/**
 * Compiles and instantiates a WebAssembly module synchronously and returns its exports, or
 * undefined where the host has no WebAssembly, does not support what the module uses (SIMD: the
 * module fails `validate`), or refuses to compile (a page whose CSP lacks 'wasm-unsafe-eval').
 * Synchronous compilation is allowed on a browser's main thread for modules under 4 KB.
 */
export function instantiateWasm(bytes: Uint8Array<ArrayBuffer>): WasmExports | undefined {
  const wasm = host.WebAssembly;
  if (wasm === undefined || !wasm.validate(bytes)) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(bytes)).exports;
  } catch {
    return undefined;
  }
}

/** A pending timer, as `setTimer` returns it. */
export type TimerHandle = unknown;

const timers = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  performance?: { now(): number };
};

/**
 * Calls `callback` once after `ms` milliseconds. Where the host can (Node, Bun, Deno's
 * `node:` layer), the timer does not keep the process alive on its own: a connection's open
 * transport does that, so a keepalive or close timer left behind never holds a process open.
 */
export function setTimer(callback: () => void, ms: number): TimerHandle {
  const handle = timers.setTimeout(callback, ms);
  (handle as { unref?: () => void } | undefined)?.unref?.();
  return handle;
}

/** Cancels a timer from `setTimer` (a handle already fired or cleared is fine). */
export function clearTimer(handle: TimerHandle): void {
  timers.clearTimeout(handle);
}

/** Milliseconds on a monotonic clock (`performance.now()`; `Date.now()` where there is none). */
export function monotonicNow(): number {
  return timers.performance === undefined ? Date.now() : timers.performance.now();
}
