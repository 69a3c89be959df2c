/**
 * The decoders the benchmark runs side by side, each as a function that decodes a list of
 * chunks from scratch and returns what it decoded (payload bytes, or string lengths for text),
 * so that `verify` can check them all against one expected total.
 *
 * - wsframe: FrameDecoder / MessageDecoder iterated, and their zero-allocation `visit`.
 * - ws: its Receiver, fed through `_write` (its parser entry, skipping the Writable stream in
 *   front, which can only flatter ws), configured as a server (`isServer`, no payload limit).
 * - websocket-driver (faye): its Hybi driver opened as a server, fed through `parse`.
 * - undici: the ByteParser behind Node's own `WebSocket` (undici is its implementation),
 *   configured as that WebSocket does, fed through `_write`. It is client-only: it refuses
 *   masked frames, so it gets the same frames unmasked (less work than the others do).
 *
 * Text is decoded to strings by every contender, as each library hands it to an application:
 * ws validates and the application calls `toString()` (done here); websocket-driver decodes
 * itself; undici's WebSocket decodes with its `utf8Decode` (used here).
 */
import { createRequire } from 'node:module';
import { FrameDecoder, MessageDecoder, encodeFrame, type FrameView, type MessageView } from '../src/index.ts';
import type { ReceiverClass } from './_ws.ts';

const require = createRequire(import.meta.url);
const MAX = 1 << 30;
const noop = () => {};

/** A decoder run: decodes `chunks` from a fresh state and returns what it counted. */
export type DecodeRun = () => number;

/** `count` frames of `size` bytes (text when `opcode` is 1), masked with a different key each unless `masked` is false. */
export function frameStream(count: number, size: number, options: { opcode?: number; masked?: boolean } = {}): Uint8Array {
  const { opcode = 0x2, masked = true } = options;
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = opcode === 0x1 ? 0x20 + ((i * 7) % 95) : (i * 13 + 5) & 0xff;
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    // Never the all-zero key: ws skips unmasking for it.
    const maskingKey = masked ? new Uint8Array([((i * 7 + 1) & 0xff) | 1, i & 0xff, (i >> 8) & 0xff, 0x5a]) : undefined;
    frames.push(encodeFrame({ opcode, payload, maskingKey }));
  }
  return Buffer.concat(frames);
}

/** Chunks of `chunkSize` bytes, each in its own buffer, as reads from a socket arrive. */
export function split(bytes: Uint8Array, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(Buffer.from(bytes.subarray(at, at + chunkSize)));
  return chunks;
}

/**
 * `chunks` as given, or (`fresh`) a fresh copy of each per run, for inputs that a contender
 * unmasking in place would otherwise corrupt for the next run (text must stay valid UTF-8).
 * With `fresh` every contender pays the same copy, as if each read came from a socket.
 */
function feeder(chunks: Uint8Array[], fresh: boolean): () => Uint8Array[] {
  return fresh ? () => chunks.map((chunk) => Buffer.from(chunk)) : () => chunks;
}

function length(data: string | Uint8Array): number {
  return data.length;
}

export function frameDecoder(chunks: Uint8Array[], options: { unmaskInPlace?: boolean; fresh?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayloadLength: MAX, unmaskInPlace: options.unmaskInPlace });
    let total = 0;
    for (const chunk of input()) {
      decoder.push(chunk);
      for (const frame of decoder) total += frame.payload.length;
    }
    return total;
  };
}

export function frameVisit(chunks: Uint8Array[], options: { unmaskInPlace?: boolean; fresh?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    const decoder = new FrameDecoder({ role: 'server', maxPayloadLength: MAX, unmaskInPlace: options.unmaskInPlace });
    let total = 0;
    const visitor = (frame: FrameView) => {
      total += frame.end - frame.start;
    };
    for (const chunk of input()) decoder.push(chunk).visit(visitor);
    return total;
  };
}

/** Counts data messages only (payload bytes, or string length for text); pings are decoded and dropped. */
export function messageDecoder(chunks: Uint8Array[], options: { fresh?: boolean; unmaskInPlace?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    const decoder = new MessageDecoder({ role: 'server', maxPayloadLength: MAX, maxMessageLength: MAX, unmaskInPlace: options.unmaskInPlace });
    let total = 0;
    for (const chunk of input()) {
      decoder.push(chunk);
      for (const event of decoder) if (event.type === 'binary' || event.type === 'text') total += length(event.data);
    }
    return total;
  };
}

export function messageVisit(chunks: Uint8Array[], options: { fresh?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    const decoder = new MessageDecoder({ role: 'server', maxPayloadLength: MAX, maxMessageLength: MAX });
    let total = 0;
    const visitor = (message: MessageView) => {
      if (message.type === 'text') total += message.text().length;
      else if (message.type === 'binary') total += message.end - message.start;
    };
    for (const chunk of input()) decoder.push(chunk).visit(visitor);
    return total;
  };
}

export function wsReceiver(Receiver: ReceiverClass, chunks: Uint8Array[], options: { fresh?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    const receiver = new Receiver({ isServer: true, maxPayload: MAX });
    let total = 0;
    receiver.on('message', (data, isBinary) => {
      total += isBinary ? data.length : data.toString().length;
    });
    for (const chunk of input()) receiver._write(chunk, undefined, noop);
    return total;
  };
}

interface Driver {
  readyState: number;
  parse(chunk: Uint8Array): void;
  on(event: 'message', listener: (event: { data: string | Uint8Array }) => void): void;
  on(event: 'error' | 'data', listener: (value: unknown) => void): void;
  io: { on(event: 'data', listener: (data: unknown) => void): void };
  _extensions: { generateResponse(header: string): void };
}
type DriverClass = new (request: unknown, url: string, options: Record<string, unknown>) => Driver;
const websocketDriverDir = require.resolve('websocket-driver/package.json').replace(/package\.json$/, '');
const Hybi = require(`${websocketDriverDir}lib/websocket/driver/hybi.js`) as DriverClass;
/** websocket-driver's version. */
export const websocketDriverVersion = (require('websocket-driver/package.json') as { version: string }).version;

export function websocketDriver(chunks: Uint8Array[], options: { fresh?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    // A server-side driver after the handshake: open, requiring masked frames.
    const driver = new Hybi({ headers: {} }, 'ws://localhost/', { requireMasking: true, maxLength: MAX });
    driver._extensions.generateResponse(''); // what its server handshake does: no extensions
    driver.readyState = 1;
    driver.io.on('data', noop); // pongs it writes
    let total = 0;
    driver.on('message', (event) => {
      total += length(event.data);
    });
    driver.on('error', (error) => {
      throw error;
    });
    for (const chunk of input()) driver.parse(chunk);
    return total;
  };
}

interface UndiciParser {
  _write(chunk: Uint8Array, encoding: unknown, callback: () => void): void;
}
type UndiciParserClass = new (handler: unknown, extensions: unknown, options?: Record<string, unknown>) => UndiciParser;
const undiciDir = require.resolve('undici/package.json').replace(/package\.json$/, '');
const { ByteParser } = require(`${undiciDir}lib/web/websocket/receiver.js`) as { ByteParser: UndiciParserClass };
const { utf8Decode } = require(`${undiciDir}lib/web/websocket/util.js`) as { utf8Decode: (data: Uint8Array) => string };
/** undici's version. */
export const undiciVersion = (require('undici/package.json') as { version: string }).version;

/** undici's parser; `chunks` must hold unmasked frames (it is a client's parser). */
export function undiciParser(chunks: Uint8Array[], options: { fresh?: boolean } = {}): DecodeRun {
  const input = feeder(chunks, options.fresh === true);
  return () => {
    let total = 0;
    // The handler undici's WebSocket gives its parser, open; text decoded as its #onMessage does.
    const handler = {
      readyState: 1,
      closeState: new Set<number>(),
      socket: { write: noop, writableNeedDrain: false, destroyed: false, destroy: noop },
      controller: { abort: noop },
      onMessage: (type: number, data: Uint8Array) => {
        total += type === 1 ? utf8Decode(data).length : data.length;
      },
      onPing: noop,
      onPong: noop,
      onParserError: (error: unknown) => {
        throw error;
      },
      onSocketClose: noop,
    };
    const parser = new ByteParser(handler, null, { maxPayloadSize: 0, maxFragments: 0 });
    for (const chunk of input()) parser._write(chunk, undefined, noop);
    return total;
  };
}
