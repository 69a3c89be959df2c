/**
 * The `wsframe` command line: explain, decode and encode frames, compute accept keys, read
 * captures. The one part of wsframe (with the examples) that uses Node APIs.
 */

import { createReadStream, readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { computeAcceptKey, encodeFrame, encodeHeader } from '../index.ts';
import { parseHex, parseTextInput, toHex, UsageError } from './bytes.ts';
import { RFC_EXAMPLES } from './examples.ts';
import { StreamAnalyzer, type StreamRecord } from './analyze.ts';
import { explainFrames } from './explain.ts';
import { parseFormat, recordLine } from './records.ts';
import { analyzeCapture, negotiatedExtensions, type PcapRecord } from './pcap.ts';
import { CaptureError } from './capture.ts';
import { styleFor } from './style.ts';

/** Where the CLI writes; injectable for tests. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  readStdin(): Uint8Array;
  readFile(path: string): Uint8Array;
  /** The file in chunks of at most 1 MiB, and its size. */
  openFile(path: string): { chunks: AsyncIterable<Uint8Array>; size: number };
}

const HELP: Record<string, string> = {
  main: `wsframe: decode, explain and encode WebSocket (RFC 6455) frames

Usage: wsframe <command> [options]

Commands:
  explain [hex|base64]   every header bit of each frame, named and explained
  decode [file|-]        a byte stream into frames and messages, with verdicts
  pcap <file>            WebSocket connections in a pcap/pcapng capture, both directions
  encode --opcode ...    build a frame and print it as hex
  accept <key>           the Sec-WebSocket-Accept value for a Sec-WebSocket-Key

Run 'wsframe <command> --help' for a command's options and examples.
`,
  explain: `Usage: wsframe explain [hex|base64] [--input hex|base64] [--role client|server|auto] [--file path|-]

Explains every frame in the input: each header byte in bits with each field named, the masking
key, the payload as sent and unmasked, and a verdict (valid, or the error with its close code).
With no input, explains the RFC 6455 §5.7 examples.

Examples:
  wsframe explain
  wsframe explain 818537fa213d7f9f4d5158
  wsframe explain "iQVIZWxsbw==" --input base64
  echo 88 02 03 e8 | wsframe explain --file -
`,
  decode: `Usage: wsframe decode [file|-] [--input hex|base64|raw] [--role client|server|auto]
                      [--format text|json|ndjson] [--max-message <bytes>] [--extensions <value>]

Decodes a byte stream (one direction of a connection) into frames and messages. --role server
decodes as a server reads (the bytes are a client's: frames must be masked); --role client as a
client reads (frames must not be masked); auto (the default) accepts both. --input defaults to
raw bytes for binary files and to hex or base64 (detected) for text. JSON fields use Wireshark's
names (websocket.fin, websocket.opcode, websocket.payload_length, ...) plus byte offsets.
--extensions takes the Sec-WebSocket-Extensions value the server answered with, to inflate
permessage-deflate messages (with --role; auto reads them as a client's). Exit code 1 when the
stream breaks the protocol.

Examples:
  wsframe decode capture.bin --input raw --role server
  wsframe decode - --role client --extensions "permessage-deflate; server_no_context_takeover"
  echo 810548656c6c6f | wsframe decode - --format ndjson
  wsframe decode frames.hex --format json
`,
  pcap: `Usage: wsframe pcap <file> [--format text|json|ndjson] [--stream N] [--messages-only]
                   [--max-message <bytes>]

Reads a libpcap or pcapng capture (Ethernet with VLAN tags, Linux SLL/SLL2, raw IP, BSD
loopback; IPv4 and IPv6), reassembles each TCP connection by sequence number, finds HTTP Upgrade
handshakes on any port and decodes both directions: client frames must be masked, server frames
must not. For each connection: the handshake (resource, subprotocol, extensions, whether the
accept value is right), then every frame and message in time order with verdicts. The capture
is streamed; memory is bounded by the largest message. Exit code 1 when the capture is cut off.

Examples:
  wsframe pcap capture.pcapng
  wsframe pcap capture.pcap --format ndjson --messages-only
  wsframe pcap capture.pcapng --stream 2 --format json
`,
  encode: `Usage: wsframe encode --opcode text|binary|ping|pong|close|continuation|<n>
                      [--payload <text> | --payload-hex <hex>] [--close-code <n>]
                      [--mask <8 hex digits>|--mask random] [--no-fin] [--rsv1] [--rsv2] [--rsv3] [--unsafe]

Prints the frame as hex. Refuses what RFC 6455 forbids a sender (a reserved opcode, a control
payload over 125 bytes, a fragmented control frame) unless --unsafe.

Examples:
  wsframe encode --opcode text --payload Hello --mask 37fa213d
  wsframe encode --opcode close --close-code 1000 --payload bye
  wsframe encode --opcode 3 --unsafe
`,
  accept: `Usage: wsframe accept <Sec-WebSocket-Key>

Prints the Sec-WebSocket-Accept value a server must answer with (RFC 6455 §4.2.2).

Example:
  wsframe accept dGhlIHNhbXBsZSBub25jZQ==      # s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
`,
};

const OPCODES: Record<string, number> = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

/** Runs the CLI with `args` (without node and the script); resolves to the exit code. */
export async function main(args: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'pcap': return await pcapCommand(rest, io);
      case 'explain': return explainCommand(rest, io);
      case 'decode': return decodeCommand(rest, io);
      case 'encode': return encodeCommand(rest, io);
      case 'accept': return acceptCommand(rest, io);
      case undefined: case '--help': case '-h': case 'help':
        io.stdout.write(HELP.main);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'. Run 'wsframe --help'.`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`wsframe: ${(error as Error).message}\n`);
      return 2;
    }
    if ((error as { code?: string }).code === 'ENOENT' || (error as { code?: string }).code === 'EACCES' || (error as { code?: string }).code === 'EISDIR') {
      io.stderr.write(`wsframe: cannot read ${(error as { path?: string }).path ?? 'input'}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

function wantsHelp(args: string[], command: string, io: CliIO): boolean {
  if (!args.includes('--help') && !args.includes('-h')) return false;
  io.stdout.write(HELP[command]);
  return true;
}

function roleOption(value: string | undefined): 'client' | 'server' | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (value === 'client' || value === 'server') return value;
  throw new UsageError(`--role must be client, server or auto, not '${value}'`);
}

function inputFormat(value: string | undefined): 'hex' | 'base64' | 'raw' | undefined {
  if (value === undefined || value === 'hex' || value === 'base64' || value === 'raw') return value;
  throw new UsageError(`--input must be hex, base64 or raw, not '${value}'`);
}

/** The bytes of a file argument: `-` is standard input. */
function readFileArgument(path: string, io: CliIO): Uint8Array {
  return path === '-' ? io.readStdin() : io.readFile(path);
}

/** Input as given: raw bytes, or hex / base64 text (detected when `format` is undefined). */
function decodeInput(raw: Uint8Array, format: 'hex' | 'base64' | 'raw' | undefined): Uint8Array {
  return format === 'raw' ? raw : parseTextInput(new TextDecoder().decode(raw), format);
}

function explainCommand(args: string[], io: CliIO): number {
  if (wantsHelp(args, 'explain', io)) return 0;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { input: { type: 'string' }, role: { type: 'string' }, file: { type: 'string' } },
  });
  const style = styleFor(io.stdout, io.env);
  const role = roleOption(values.role);
  const format = inputFormat(values.input);
  const text = positionals.join(' ');
  const raw = values.file !== undefined ? readFileArgument(values.file, io) : text !== '' ? new TextEncoder().encode(text) : undefined;
  if (raw === undefined) {
    const out: string[] = [];
    for (const example of RFC_EXAMPLES) {
      out.push(style.bold(`== RFC 6455 §5.7: ${example.title}: ${example.hex}`), '');
      out.push(...explainFrames(parseHex(example.hex), style, { role }).lines, '');
    }
    io.stdout.write(`${out.join('\n')}`);
    return 0;
  }
  const input = decodeInput(raw, format);
  if (input.length === 0) throw new UsageError('no bytes to explain');
  const { lines, valid } = explainFrames(input, style, { role });
  io.stdout.write(`${lines.join('\n')}\n`);
  return valid ? 0 : 1;
}

async function pcapCommand(args: string[], io: CliIO): Promise<number> {
  if (wantsHelp(args, 'pcap', io)) return 0;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      format: { type: 'string' }, stream: { type: 'string' }, 'messages-only': { type: 'boolean' }, 'max-message': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('pcap needs exactly one capture file');
  const format = usage(() => parseFormat(values.format));
  const onlyStream = values.stream === undefined ? undefined : Number(values.stream);
  if (onlyStream !== undefined && !(Number.isSafeInteger(onlyStream) && onlyStream >= 0)) {
    throw new UsageError(`--stream '${values.stream}' is not a stream number`);
  }
  const maxMessageLength = byteCount(values['max-message'], '--max-message');
  const { chunks, size } = io.openFile(positionals[0]);
  const style = styleFor(io.stdout, io.env);
  const collected: PcapRecord[] = [];
  let firstTime: number | undefined;
  const emit = (record: PcapRecord) => {
    if (onlyStream !== undefined && record.stream !== onlyStream) return;
    if (values['messages-only'] === true && record.type === 'frame') return;
    if (format === 'json') collected.push(record);
    else if (format === 'ndjson') io.stdout.write(`${JSON.stringify(record)}\n`);
    else {
      firstTime ??= record.time;
      io.stdout.write(`${pcapLine(record, firstTime, style)}\n`);
    }
  };
  const progress = makeProgress(io, size);
  let failure: CaptureError | undefined;
  try {
    await analyzeCapture(progress.wrap(chunks), emit, { maxMessageLength });
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    failure = error;
  } finally {
    progress.done();
  }
  if (format === 'json') io.stdout.write(`${JSON.stringify(collected, null, 2)}\n`);
  if (failure !== undefined) {
    io.stderr.write(`wsframe: ${failure.message}\n`);
    return 1;
  }
  return 0;
}

function pcapLine(record: PcapRecord, firstTime: number, style: ReturnType<typeof styleFor>): string {
  if (record.type === 'connection') {
    const accept = record.acceptValid ? style.good('accept valid') : style.bad('accept INVALID');
    const problem = record.handshakeError === undefined ? '' : ` ${style.bad(`(${record.handshakeError.code}: ${record.handshakeError.message})`)}`;
    return style.bold(`stream ${record.stream}: ${record.client} -> ${record.server} GET ${record.resource} -> ${record.status}`) +
      ` protocol=${record.protocol ?? '-'} extensions=${record.extensions ?? '-'} ${accept}${problem}`;
  }
  const when = Number.isNaN(record.time) ? '         ?' : `+${(record.time - firstTime).toFixed(6)}`;
  const arrow = record.from === 'client' ? 'client->' : '<-server';
  const body = record.type === 'gap'
    ? style.bad(`gap     @${record.offset}: ${record.bytes} bytes missing from the capture; decoding of this direction stops`)
    : recordLine(record, style);
  return `${when} #${record.stream} ${arrow} ${body}`;
}

function makeProgress(io: CliIO, size: number) {
  const enabled = io.stderr.isTTY === true && size > 4 * 1024 * 1024;
  let read = 0;
  let last = 0;
  return {
    async *wrap(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
      for await (const chunk of chunks) {
        read += chunk.length;
        const now = Date.now();
        if (enabled && now - last > 250) {
          last = now;
          io.stderr.write(`\r  read ${(read / 1048576).toFixed(1)} of ${(size / 1048576).toFixed(1)} MiB (${Math.floor((read / size) * 100)}%)`);
        }
        yield chunk;
      }
    },
    done() {
      if (enabled) io.stderr.write('\r\u001b[K');
    },
  };
}

function byteCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!(Number.isSafeInteger(count) && count >= 0)) throw new UsageError(`${name} '${value}' is not a byte count`);
  return count;
}

function decodeCommand(args: string[], io: CliIO): number {
  if (wantsHelp(args, 'decode', io)) return 0;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      input: { type: 'string' }, role: { type: 'string' }, format: { type: 'string' }, 'max-message': { type: 'string' },
      extensions: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new UsageError('decode takes one file (or - for standard input)');
  const format = usage(() => parseFormat(values.format));
  const maxMessageLength = byteCount(values['max-message'], '--max-message');
  const given = inputFormat(values.input);
  const raw = readFileArgument(positionals[0] ?? '-', io);
  const bytes = decodeInput(raw, given ?? (isText(raw) ? undefined : 'raw'));
  const role = roleOption(values.role);
  const extensions = values.extensions === undefined ? [] : usage(() => negotiatedExtensions(values.extensions!, role === 'client' ? 'server' : 'client'));
  if (values.extensions !== undefined && extensions.length === 0) {
    throw new UsageError(`--extensions '${values.extensions}' negotiates no extension wsframe can decode`);
  }
  const analyzer = new StreamAnalyzer({ role, maxMessageLength, extensions });
  const records: StreamRecord[] = [...analyzer.push(bytes), ...analyzer.end()];
  writeRecords(records, format, io);
  return records.some((record) => record.type === 'error') ? 1 : 0;
}

function writeRecords(records: object[], format: 'text' | 'json' | 'ndjson', io: CliIO): void {
  if (format === 'json') io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
  else if (format === 'ndjson') io.stdout.write(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  else {
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(records.map((record) => `${recordLine(record as StreamRecord, style)}\n`).join(''));
  }
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Printable ASCII and whitespace only: hex or base64 text rather than raw frames. */
function isText(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte > 0x7e || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) return false;
  return bytes.length > 0;
}

function encodeCommand(args: string[], io: CliIO): number {
  if (wantsHelp(args, 'encode', io)) return 0;
  const { values } = parseArgs({
    args,
    options: {
      opcode: { type: 'string' }, payload: { type: 'string' }, 'payload-hex': { type: 'string' },
      'close-code': { type: 'string' }, mask: { type: 'string' }, 'no-fin': { type: 'boolean' },
      rsv1: { type: 'boolean' }, rsv2: { type: 'boolean' }, rsv3: { type: 'boolean' }, unsafe: { type: 'boolean' },
    },
  });
  if (values.opcode === undefined) throw new UsageError('encode needs --opcode (text, binary, ping, pong, close, continuation or 0-15)');
  const opcode = OPCODES[values.opcode] ?? Number(values.opcode);
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new UsageError(`--opcode '${values.opcode}' is not a name or a number from 0 to 15`);
  if (values.payload !== undefined && values['payload-hex'] !== undefined) throw new UsageError('give --payload or --payload-hex, not both');
  let payload = values['payload-hex'] !== undefined ? parseHex(values['payload-hex']) : new TextEncoder().encode(values.payload ?? '');
  if (values['close-code'] !== undefined) {
    const code = Number(values['close-code']);
    if (!Number.isInteger(code) || code < 0 || code > 65535) throw new UsageError(`--close-code '${values['close-code']}' is not a number from 0 to 65535`);
    const withCode = new Uint8Array(2 + payload.length);
    withCode[0] = code >> 8;
    withCode[1] = code & 0xff;
    withCode.set(payload, 2);
    payload = withCode;
  }
  let maskingKey: Uint8Array | undefined;
  if (values.mask === 'random') maskingKey = crypto.getRandomValues(new Uint8Array(4));
  else if (values.mask !== undefined) {
    maskingKey = parseHex(values.mask);
    if (maskingKey.length !== 4) throw new UsageError(`--mask needs 8 hex digits (4 bytes), got ${maskingKey.length} bytes`);
  }
  const frame = { opcode, payload, fin: values['no-fin'] !== true, rsv1: values.rsv1, rsv2: values.rsv2, rsv3: values.rsv3, maskingKey };
  let bytes: Uint8Array;
  if (values.unsafe === true) {
    const header = encodeHeader({ ...frame, payloadLength: payload.length });
    bytes = new Uint8Array(header.length + payload.length);
    bytes.set(header);
    bytes.set(payload, header.length);
    if (maskingKey !== undefined) {
      for (let i = 0; i < payload.length; i++) bytes[header.length + i] ^= maskingKey[i & 3];
    }
  } else {
    try {
      bytes = encodeFrame(frame);
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw new UsageError(`${error.message} (use --unsafe to build it anyway)`);
      throw error;
    }
  }
  io.stdout.write(`${toHex(bytes, '')}\n`);
  return 0;
}

function acceptCommand(args: string[], io: CliIO): number {
  if (wantsHelp(args, 'accept', io)) return 0;
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('accept needs exactly one Sec-WebSocket-Key');
  io.stdout.write(`${computeAcceptKey(positionals[0])}\n`);
  return 0;
}

/** The process's real IO. */
export const processIO: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: () => readFileSync(0),
  readFile: (path) => readFileSync(path),
  openFile: (path) => ({ size: statSync(path).size, chunks: createReadStream(path, { highWaterMark: 1024 * 1024 }) }),
};
