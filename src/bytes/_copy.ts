/**
 * Copy helpers for the stream hot paths, where a JS loop beats the native calls' fixed cost on
 * short runs. Layer 2 (byte primitives), internal.
 *
 * @internal
 * @module
 */

import { applyMask, checkMaskArguments } from './mask.ts';
import { copyXorSimd, SIMD_MIN } from './_simd.ts';
import { viewOf } from './_bytes.ts';

// Up to this a fused JS copy-XOR loop beats set() + applyMask, whose views cost ~150 ns whatever
// the length (Node 20, copy + unmask: 54 vs 158 ns at 64 B, 103 vs 157 ns at 128 B, 202 vs
// 177 ns at 256 B). Inclusive: a strict < once sent 64-byte fragments to the slow path.
export const FUSED_UNMASK_MAX = 128;
// Below this a byte loop beats TypedArray.prototype.set (measured on Node 20: ~3x at 1-8 B).
const SET_THRESHOLD = 16;

/**
 * Writes `source[from..from+length)` XOR the key bytes `k0..k3` (k0 applying at `from`) into
 * `target` at `at`. For short runs: a fused loop is ~2x `set()` + `applyMask` at 16 B (Node 20).
 */
export function copyXorSmall(
  source: Uint8Array, from: number, length: number, target: Uint8Array, at: number,
  k0: number, k1: number, k2: number, k3: number,
): void {
  let i = 0;
  for (; i + 3 < length; i += 4) {
    target[at + i] = source[from + i] ^ k0;
    target[at + i + 1] = source[from + i + 1] ^ k1;
    target[at + i + 2] = source[from + i + 2] ^ k2;
    target[at + i + 3] = source[from + i + 3] ^ k3;
  }
  if (i < length) target[at + i] = source[from + i] ^ k0;
  if (i + 1 < length) target[at + i + 1] = source[from + i + 1] ^ k1;
  if (i + 2 < length) target[at + i + 2] = source[from + i + 2] ^ k2;
}

/**
 * Writes `source[from..end)` into `target` at `at`, XORed with `maskingKey` when given
 * (`maskOffset`: the position of `source[from]` in the payload). `source` is untouched.
 */
export function copyUnmasked(
  source: Uint8Array, from: number, end: number, target: Uint8Array, at: number,
  maskingKey: Uint8Array | undefined, maskOffset: number,
): void {
  const length = end - from;
  if (maskingKey === undefined) {
    if (length < SET_THRESHOLD) for (let i = 0; i < length; i++) target[at + i] = source[from + i];
    else target.set(viewOf(source, from, end), at);
  } else if (length <= FUSED_UNMASK_MAX) {
    const phase = maskOffset & 3;
    copyXorSmall(
      source, from, length, target, at,
      maskingKey[phase], maskingKey[(phase + 1) & 3], maskingKey[(phase + 2) & 3], maskingKey[(phase + 3) & 3],
    );
  } else if (length < SIMD_MIN || !copyXorSimd(source, from, end, target, at, maskingKey, maskOffset)) {
    // A native copy then the word-wise XOR in place, while the copy is still in cache.
    target.set(viewOf(source, from, end), at);
    applyMask(target.subarray(at, at + length), maskingKey, maskOffset);
  }
}

/**
 * Unmasks `bytes[start..end)` in place (`maskOffset`: the position of `bytes[start]` in the
 * payload): through the SIMD kernel from {@link SIMD_MIN} bytes up, else `applyMask`.
 */
export function unmaskInPlace(bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array, maskOffset: number): void {
  if (end - start < SIMD_MIN || !copyXorSimd(bytes, start, end, bytes, start, maskingKey, maskOffset)) {
    applyMask(bytes.subarray(start, end), maskingKey, maskOffset);
  }
}

/**
 * Writes `source` XOR the key into `target` at `targetOffset`: a copy and an unmask in one
 * call, leaving `source` untouched. `offset` is the position of `source[0]` in the payload.
 * Takes the decoders' fastest path for the length (a fused loop for short runs, the
 * WebAssembly SIMD kernel for long ones). Throws like `applyMask`, and `RangeError` when
 * `target` has no room.
 *
 * @example
 * ```ts
 * import { copyMasked } from 'wsframe';
 * const target = new Uint8Array(5);
 * copyMasked(new Uint8Array([0x7f, 0x9f, 0x4d, 0x51, 0x58]), target, 0, new Uint8Array([0x37, 0xfa, 0x21, 0x3d]));
 * console.log(new TextDecoder().decode(target)); // Hello
 * ```
 */
export function copyMasked(
  source: Uint8Array, target: Uint8Array, targetOffset: number, maskingKey: Uint8Array, offset = 0,
): void {
  checkMaskArguments(source, maskingKey, offset);
  if (!(target instanceof Uint8Array)) throw new TypeError('Cannot copy masked bytes: target must be a Uint8Array');
  if (!Number.isSafeInteger(targetOffset) || targetOffset < 0 || targetOffset + source.length > target.length) {
    throw new RangeError(`Cannot copy masked bytes: ${source.length} bytes do not fit at offset ${targetOffset} of a ${target.length}-byte target`);
  }
  copyUnmasked(source, 0, source.length, target, targetOffset, maskingKey, offset);
}
