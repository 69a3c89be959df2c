/**
 * Large-payload unmasking through a WebAssembly SIMD kernel, with the JavaScript word loop as
 * the fallback. Layer 2 (byte primitives), internal; the stream decoders use it, `applyMask`
 * does not (it stays plain JavaScript, and the frame codec bundle stays without these bytes).
 *
 * Wasm code sees only its own memory, so each piece is copied into a fixed 64 KiB window,
 * XORed there 64 bytes per iteration, and copied out: two native copies and a SIMD pass instead
 * of one copy and a JS word loop. Measured on Node 20 (2 cores), copy + unmask of a 64 KiB
 * piece: ~1.5x the JS path; at 1 KiB about even, hence {@link SIMD_MIN}. End to end, before and
 * after side by side: a 16 MiB masked frame in 64 KiB chunks 0.48x -> 0.82x ws + bufferutil;
 * 64 KiB frames in one buffer 0.20x -> 0.35x (unmaskInPlace 0.50x -> 0.58x). The window is one page
 * declared by the module and never grown, so memory stays bounded whatever length a peer
 * declares.
 *
 * @internal
 * @module
 */

import { instantiateWasm, type WasmExports } from '../base/_host.ts';
import { viewOf } from './_bytes.ts';

/**
 * Below this many bytes the JS path (native copy + word loop) is used: the fixed cost of two
 * copies and a wasm call is not repaid (measured on Node 20: even at 1 KiB, ~1.45x at 4 KiB).
 */
export const SIMD_MIN = 4 * 1024;

/** The window: the module's one memory page. A multiple of 64, so the kernel never overruns it. */
const WINDOW = 64 * 1024;

/**
 * The module, hand-assembled (WAT in the comments). Exports `memory` (1 page, never grown) and
 * `xor(length, keyWord)`, which XORs `memory[0 .. length rounded up to 64)` with `keyWord` (the
 * key as a little-endian i32, wasm's byte order on every host) splatted to 16 bytes.
 */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const xor16 = (offset: number): number[] => [
    0x20, 0x02, // local.get $i          (store address)
    0x20, 0x02, // local.get $i
    0xfd, 0x00, 0x04, offset, // v128.load align=16 offset=…
    0x20, 0x03, // local.get $key
    0xfd, 0x51, // v128.xor
    0xfd, 0x0b, 0x04, offset, // v128.store align=16 offset=…
  ];
  const body = [
    0x02, 0x01, 0x7f, 0x01, 0x7b, // locals: $i i32, $key v128
    0x20, 0x01, 0xfd, 0x11, 0x21, 0x03, // $key = i32x4.splat(keyWord)
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x02, 0x20, 0x00, 0x4f, 0x0d, 0x01, // br_if 1 ($i >= length, unsigned)
    // Unrolled x4 (64 bytes per iteration): ~2x one v128 per iteration on Node 20.
    ...xor16(0), ...xor16(16), ...xor16(32), ...xor16(48),
    0x20, 0x02, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x02, // $i += 64
    0x0c, 0x00, 0x0b, 0x0b, 0x0b, // br 0, end loop, end block, end func
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, // type section: (func (param i32 i32))
    0x03, 0x02, 0x01, 0x00, // function section: func 0 has type 0
    0x05, 0x03, 0x01, 0x00, WINDOW >>> 16, // memory section: min 1 page, no max
    0x07, 0x10, 0x02, // export section, 2 exports
    0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, // "memory" memory 0
    0x03, 0x78, 0x6f, 0x72, 0x00, 0x00, // "xor" func 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code section: 1 body (< 128 bytes)
  ]);
}

interface Kernel {
  window: Uint8Array;
  xor: (length: number, keyWord: number) => void;
}

/** Instantiates the module; the seam tests use to take the fallback. */
export type Instantiate = (bytes: Uint8Array<ArrayBuffer>) => WasmExports | undefined;

let instantiate: Instantiate = instantiateWasm;
/** null: not tried yet; undefined: unavailable on this host. */
let kernel: Kernel | undefined | null = null;

/** The kernel, instantiated on first use, or undefined where the host cannot run it. */
function getKernel(): Kernel | undefined {
  if (kernel !== null) return kernel;
  const exports = instantiate(moduleBytes());
  const memory = exports?.memory as { buffer: ArrayBuffer } | undefined;
  kernel = exports === undefined ? undefined : {
    window: new Uint8Array(memory!.buffer, 0, WINDOW),
    xor: exports.xor as Kernel['xor'],
  };
  return kernel;
}

/**
 * Replaces how the kernel is instantiated and forgets the current one (tests only: pass
 * `() => undefined` to force the JS fallback, or a wrapper to observe instantiation).
 */
export function setInstantiate(next: Instantiate): void {
  instantiate = next;
  kernel = null;
}

/** Whether the SIMD kernel is available on this host (instantiates it on first call). */
export function hasSimd(): boolean {
  return getKernel() !== undefined;
}

/**
 * Writes `source[from..end)` XOR `maskingKey` into `target` at `at` (`maskOffset`: the position of
 * `source[from]` in the payload) through the SIMD kernel, one window at a time. `target` may be
 * `source` at the same position (unmasking in place); any other overlap is not supported.
 * Returns false, having written nothing, where the kernel is unavailable.
 */
export function copyXorSimd(
  source: Uint8Array, from: number, end: number, target: Uint8Array, at: number,
  maskingKey: Uint8Array, maskOffset: number,
): boolean {
  const simd = kernel ?? getKernel();
  if (simd === undefined) return false;
  const { window, xor } = simd;
  const phase = maskOffset & 3;
  // WINDOW is a multiple of 4, so every window starts at the same key phase.
  const keyWord = maskingKey[phase] | (maskingKey[(phase + 1) & 3] << 8) |
    (maskingKey[(phase + 2) & 3] << 16) | (maskingKey[(phase + 3) & 3] << 24);
  while (from < end) {
    const length = Math.min(WINDOW, end - from);
    window.set(viewOf(source, from, from + length));
    xor(length, keyWord);
    target.set(length === WINDOW ? window : window.subarray(0, length), at);
    from += length;
    at += length;
  }
  return true;
}

/**
 * `source[from..end)` XOR the key at `keyBytes[keyAt..keyAt+4)`, unmasked in the kernel's
 * window: one native copy and the SIMD pass, no array of our own. The view is valid only until
 * the kernel's next use (by any decoder): for a caller that reads it at once, as a text
 * decoder does. Undefined where the kernel is unavailable or the run is longer than the window.
 */
export function unmaskInWindow(
  source: Uint8Array, from: number, end: number, keyBytes: Uint8Array, keyAt: number,
): Uint8Array | undefined {
  const length = end - from;
  if (length > WINDOW) return undefined;
  const simd = kernel ?? getKernel();
  if (simd === undefined) return undefined;
  const { window } = simd;
  window.set(viewOf(source, from, end));
  simd.xor(length, keyBytes[keyAt] | (keyBytes[keyAt + 1] << 8) | (keyBytes[keyAt + 2] << 16) | (keyBytes[keyAt + 3] << 24));
  return window.subarray(0, length);
}
