/**
 * WebSocket messages from a HAR file (`wsframe har`): the `_webSocketMessages` that Chrome
 * DevTools ("Save all as HAR with content") and Playwright (`recordHar`) export with each
 * WebSocket entry. They are messages as the browser saw them (inflated, without frame headers),
 * so the verdicts are those a message allows: text that is well-formed Unicode, control payloads
 * of at most 125 bytes, close codes a peer may send with a UTF-8 reason, known opcodes, base64
 * that decodes. Portable (no `node:` import).
 */

import { computeAcceptKey, decodeClosePayload, encodeBase64, ProtocolError } from '../index.ts';
import { decodeBase64 } from '../bytes/base64.ts';
import { encodeUtf8 } from '../base/_host.ts';
import type { MessageRecord } from './analyze.ts';
import type { ConnectionRecord, PcapRecord, RecordTag } from './websocket.ts';

/** One element of `_webSocketMessages`. */
export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the epoch (Chrome DevTools) or milliseconds (Playwright). */
  time: number;
  opcode: number;
  /** Text for opcode 1, base64 for the others. */
  data: string;
}

/** The HAR connection record: a connection record with the entry's URL. */
export interface HarConnectionRecord extends ConnectionRecord {
  url: string;
}

// RFC 6455 §5.5: control frames carry at most 125 bytes.
const MAX_CONTROL_PAYLOAD = 125;
// Times above this are milliseconds (Playwright): 10^11 seconds is the year 5138.
const MILLISECONDS_ABOVE = 1e11;

/** Thrown for a file that is not a HAR: JSON without `log.entries`. */
export class HarError extends Error {
  override name = 'HarError';
}

/**
 * The records of every WebSocket entry of a HAR document, entry by entry: a connection record
 * (stream = the entry's position among WebSocket entries), then each message with its verdict
 * (an `error` record after a message that breaks a rule). Sent messages are the client's.
 *
 * @example
 * ```ts
 * import { harRecords } from './har.ts';
 * const har = { log: { entries: [{ request: { url: 'ws://example.com/chat', headers: [] }, response: { status: 101, headers: [] },
 *   _webSocketMessages: [{ type: 'send', time: 1700000000.5, opcode: 1, data: 'Hello' }] }] } };
 * console.log([...harRecords(har)].map((r) => r.type)); // [ 'connection', 'message' ]
 * ```
 */
export function* harRecords(har: unknown): Generator<PcapRecord | HarConnectionRecord> {
  const entries = (har as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) throw new HarError('not a HAR file: no log.entries');
  let stream = 0;
  for (const entry of entries) {
    const messages = (entry as { _webSocketMessages?: unknown })?._webSocketMessages;
    const isWebSocket = (entry as { _resourceType?: string })._resourceType === 'websocket' || Array.isArray(messages);
    if (!isWebSocket) continue;
    const connection = connectionRecord(entry, stream);
    yield connection;
    if (Array.isArray(messages)) {
      for (const message of messages) yield* messageRecords(message, stream, connection.time);
    }
    stream++;
  }
}

function headerMap(headers: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(headers)) return map;
  for (const header of headers) {
    const { name, value } = header as { name?: unknown; value?: unknown };
    if (typeof name === 'string' && typeof value === 'string') map.set(name.toLowerCase(), value);
  }
  return map;
}

function connectionRecord(entry: { request?: { url?: unknown; headers?: unknown }; response?: { status?: unknown; headers?: unknown }; startedDateTime?: unknown }, stream: number): HarConnectionRecord {
  const url = typeof entry.request?.url === 'string' ? entry.request.url : '';
  let server = '';
  let resource = '';
  try {
    const parsed = new URL(url);
    const port = parsed.port !== '' ? parsed.port : parsed.protocol === 'wss:' ? '443' : '80';
    server = `${parsed.hostname}:${port}`;
    resource = `${parsed.pathname}${parsed.search}`;
  } catch {
    // Reported as an empty server and resource.
  }
  const request = headerMap(entry.request?.headers);
  const response = headerMap(entry.response?.headers);
  const key = request.get('sec-websocket-key');
  const accept = response.get('sec-websocket-accept');
  const started = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) / 1000 : Number.NaN;
  return {
    type: 'connection', stream, client: 'browser', server, time: started, resource,
    protocol: response.get('sec-websocket-protocol') ?? null,
    extensions: response.get('sec-websocket-extensions') ?? null,
    // A HAR may leave the handshake headers out: then nothing says the accept value is wrong.
    acceptValid: key === undefined || accept === undefined || safeAccept(key) === accept,
    status: typeof entry.response?.status === 'number' ? entry.response.status : 0,
    url,
  };
}

function safeAccept(key: string): string | undefined {
  try {
    return computeAcceptKey(key);
  } catch {
    return undefined;
  }
}

function* messageRecords(message: unknown, stream: number, fallbackTime: number): Generator<PcapRecord> {
  const { type, time, opcode, data } = (message ?? {}) as Partial<HarWebSocketMessage>;
  const seconds = typeof time !== 'number' || time < 0 ? fallbackTime : time > MILLISECONDS_ABOVE ? time / 1000 : time;
  const tag: RecordTag = { stream, from: type === 'receive' ? 'server' : 'client', time: seconds };
  const text = typeof data === 'string' ? data : '';
  const fail = (closeCode: number, code: string, why: string): PcapRecord => ({ type: 'error', closeCode, code, message: `Cannot decode message: ${why}`, ...tag });
  if (opcode === 0x1) {
    // A browser decodes text before exporting it: a lone surrogate is what invalid UTF-8 left.
    const bytes = encodeUtf8(text);
    yield { type: 'message', kind: 'text', length: bytes.length, text, compressed: false, ...tag };
    if (!isWellFormed(text)) yield fail(1007, 'INVALID_UTF8', 'the text is not well-formed Unicode (RFC 6455 §8.1)');
    return;
  }
  const kind = opcode === 0x2 ? 'binary' : opcode === 0x8 ? 'close' : opcode === 0x9 ? 'ping' : opcode === 0xa ? 'pong' : undefined;
  if (kind === undefined) {
    yield fail(1002, 'RESERVED_OPCODE', `opcode ${String(opcode)} is not a message opcode (RFC 6455 §5.2)`);
    return;
  }
  const payload = decodeBase64(text);
  if (payload === undefined) {
    // The file, not the peer, is at fault: no close code.
    yield fail(0, 'INVALID_HAR_DATA', `the ${kind} payload is not base64`);
    return;
  }
  if (kind === 'close') {
    let record: MessageRecord = { type: 'message', kind: 'close', length: payload.length, code: null, reason: '', compressed: false };
    let problem: ProtocolError | undefined;
    try {
      const { code, reason } = decodeClosePayload(payload);
      record = { ...record, code: code ?? null, reason };
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      problem = error;
    }
    yield { ...record, ...tag };
    if (problem !== undefined) yield { type: 'error', closeCode: problem.closeCode, code: problem.code, message: problem.message, ...tag };
    return;
  }
  yield { type: 'message', kind, length: payload.length, base64: encodeBase64(payload), compressed: false, ...tag };
  if (kind !== 'binary' && payload.length > MAX_CONTROL_PAYLOAD) {
    yield fail(1002, 'CONTROL_PAYLOAD_TOO_LONG', `a ${kind} payload of ${payload.length} bytes is over 125 (RFC 6455 §5.5)`);
  }
}

/** No lone surrogate (String.prototype.isWellFormed, which Node 20.0 lacks). */
function isWellFormed(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}
