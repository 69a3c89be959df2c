/**
 * The `ws` pieces the benchmark compares with, loaded through `require` so that two copies of its
 * buffer-util exist side by side: one with the JavaScript byte loops (`WS_NO_BUFFER_UTIL=1`, as
 * ws runs without the native addon) and one with `bufferutil` (ws's recommended setup).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Unmask = (buffer: Uint8Array, mask: Uint8Array) => void;
type Mask = (source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number) => void;

export interface WsReceiver {
  _write(chunk: Uint8Array, encoding: unknown, cb: (error?: Error) => void): void;
  on(event: 'message', listener: (data: Uint8Array, isBinary: boolean) => void): void;
}
export type ReceiverClass = new (options: Record<string, unknown>) => WsReceiver;
export interface SenderClass {
  frame(data: Uint8Array, options: Record<string, unknown>): Uint8Array[];
}

interface WsModules {
  unmask: Unmask;
  mask: Mask;
  Receiver: ReceiverClass;
  Sender: SenderClass;
}

/** Loads ws's lib/ afresh (its own buffer-util instance), with or without bufferutil. */
function loadWs(withBufferUtil: boolean): WsModules {
  // ws's exports map hides lib/: reach it through the package's own path.
  const libDir = require.resolve('ws/package.json').replace(/package\.json$/, 'lib/');
  for (const key of Object.keys(require.cache)) if (key.startsWith(libDir)) delete require.cache[key];
  const saved = process.env.WS_NO_BUFFER_UTIL;
  if (withBufferUtil) delete process.env.WS_NO_BUFFER_UTIL;
  else process.env.WS_NO_BUFFER_UTIL = '1';
  try {
    const bufferUtil = require(`${libDir}buffer-util.js`) as { unmask: Unmask; mask: Mask };
    return {
      unmask: bufferUtil.unmask,
      mask: bufferUtil.mask,
      Receiver: require(`${libDir}receiver.js`) as ReceiverClass,
      Sender: require(`${libDir}sender.js`) as SenderClass,
    };
  } finally {
    if (saved === undefined) delete process.env.WS_NO_BUFFER_UTIL;
    else process.env.WS_NO_BUFFER_UTIL = saved;
  }
}

/** ws with its JavaScript unmask loop (no native addon). */
export const wsJs = loadWs(false);
/** ws with bufferutil, as recommended for production (falls back to JS if the addon is missing). */
export const wsNative = loadWs(true);
/** bufferutil's native unmask itself (ws calls it from 32 bytes up). */
export const bufferUtilUnmask = (require('bufferutil') as { unmask: Unmask }).unmask;
/** True when bufferutil loaded its native binary rather than its JS fallback. */
export const bufferUtilIsNative = String(bufferUtilUnmask).includes('[native code]');

export const wsVersion = (require('ws/package.json') as { version: string }).version;
export const bufferUtilVersion = (require('bufferutil/package.json') as { version: string }).version;
