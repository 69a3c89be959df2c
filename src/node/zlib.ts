/**
 * A {@link PerMessageCodec} on node:zlib, for those who prefer zlib's native speed to the
 * built-in pure TypeScript DEFLATE. Node-only, outside the core: import it from the subpath
 * `wsframe/node/zlib` (`import { createZlibCodec } from 'wsframe/node/zlib'`).
 *
 * Still synchronous: each message is one `deflateRawSync` / `inflateRawSync` call, and context
 * takeover is carried by handing the last window of data to zlib as a preset dictionary (for raw
 * DEFLATE the dictionary is exactly the LZ77 window). Differences from the built-in codec:
 * - a message that ends inside a block (no sync flush) inflates to what zlib produced instead of
 *   failing: zlib simply waits for more input;
 * - corrupt data fails with the generic 1007 `INVALID_COMPRESSED_DATA` and zlib's message;
 * - zlib cannot compress with an 8-bit window and uses 9, whose farthest match (250 bytes) still
 *   fits a peer's 256-byte window.
 *
 * @module
 */

import { constants as bufferConstants } from 'node:buffer';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ProtocolError } from '../base/errors.ts';
import type { PerMessageCodec, PerMessageCodecConfig } from '../deflate/permessage-deflate.ts';

const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const EMPTY: Uint8Array = new Uint8Array(0);

/** The last `size` bytes of `history` followed by `data`. */
function slide(history: Uint8Array, data: Uint8Array, size: number): Uint8Array {
  if (data.length >= size) return data.slice(data.length - size);
  const keep = Math.min(history.length, size - data.length);
  const window = new Uint8Array(keep + data.length);
  window.set(history.subarray(history.length - keep));
  window.set(data, keep);
  return window;
}

/**
 * Makes a node:zlib codec for one connection; pass it as `codec` to `PerMessageDeflate` or its
 * negotiation functions (`new PerMessageDeflate({ role: 'client', codec: createZlibCodec })`).
 *
 * @example
 * ```ts
 * import { createZlibCodec } from 'wsframe/node/zlib';
 * const config = { compressWindowBits: 15, compressNoContextTakeover: false, decompressWindowBits: 15, decompressNoContextTakeover: false, level: 6 };
 * const sender = createZlibCodec(config);
 * const receiver = createZlibCodec(config);
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
 * const first = sender.compress(new TextEncoder().encode('Hello'));
 * const second = sender.compress(new TextEncoder().encode('Hello'));
 * console.log(hex(first), "|", hex(second)); // f2 48 cd c9 c9 07 00 | f2 00 11 00 00
 * const text = (b: Uint8Array) => new TextDecoder().decode(b);
 * console.log(text(receiver.decompress(first, 1024)), text(receiver.decompress(second, 1024))); // Hello Hello
 * ```
 */
export function createZlibCodec(config: PerMessageCodecConfig): PerMessageCodec {
  const compressWindow = 1 << config.compressWindowBits;
  const decompressWindow = 1 << config.decompressWindowBits;
  let sent: Uint8Array = EMPTY;
  let received: Uint8Array = EMPTY;
  return {
    compress(data) {
      const output = deflateRawSync(data, {
        windowBits: config.compressWindowBits,
        level: config.level,
        finishFlush: constants.Z_SYNC_FLUSH,
        ...(sent.length > 0 ? { dictionary: sent } : {}),
      });
      if (!config.compressNoContextTakeover) sent = slide(sent, data, compressWindow);
      // RFC 7692 §7.2.1: remove the 00 00 ff ff of the final sync flush.
      return new Uint8Array(output.buffer, output.byteOffset, output.length - TAIL.length).slice();
    },
    decompress(payload, maxLength) {
      const input = new Uint8Array(payload.length + TAIL.length);
      input.set(payload);
      input.set(TAIL, payload.length);
      let output: Uint8Array;
      try {
        output = inflateRawSync(input, {
          windowBits: config.decompressWindowBits,
          finishFlush: constants.Z_SYNC_FLUSH,
          maxOutputLength: Math.max(1, Math.min(maxLength, bufferConstants.MAX_LENGTH)),
          ...(received.length > 0 ? { dictionary: received } : {}),
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new ProtocolError('MESSAGE_TOO_LARGE', `Cannot inflate message: it inflates to more than ${maxLength} bytes`);
        }
        throw new ProtocolError('INVALID_COMPRESSED_DATA', `Cannot inflate message: ${(error as Error).message}`);
      }
      if (output.length > maxLength) {
        throw new ProtocolError('MESSAGE_TOO_LARGE', `Cannot inflate message: it inflates to more than ${maxLength} bytes`);
      }
      const data = new Uint8Array(output.buffer, output.byteOffset, output.length);
      if (!config.decompressNoContextTakeover) received = slide(received, data, decompressWindow);
      return data;
    },
  };
}
