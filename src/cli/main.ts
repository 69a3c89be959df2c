/**
 * The `wsframe` command line: explain, decode and encode frames, compute accept keys, read
 * captures. The one part of wsframe (with the examples) that uses Node APIs.
 *
 * Memory: `decode` and `pcap` stream their input and their output (64 KiB output blocks); what
 * they hold is bounded by the largest message (`--max-message`), the TCP reassembly window and one
 * input chunk, not by the input. `explain` holds its input (it is for hand-sized input) and one
 * frame's explanation at a time.
 */

import { closeSync, createReadStream, fstatSync, open, read, readFileSync, statSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { parseArgs } from 'node:util';
import {
  computeAcceptKey, decodeClosePayload, encodeFrame, encodeHeader, isValidCloseCode, ProtocolError, sha1, type MessageExtension,
} from '../index.ts';
import { decodeBase64, encodeBase64 } from '../bytes/base64.ts';
import { concatBytes } from '../bytes/_bytes.ts';
import { detectTextFormat, parseHex, parseTextInput, TextInputDecoder, toHex, UsageError } from '../capture/bytes.ts';
import { RFC_EXAMPLES } from '../capture/examples.ts';
import { StreamAnalyzer, type StreamRecord } from '../capture/analyze.ts';
import { explainFrameLines, type ExplainOptions } from './explain.ts';
import { parseFormat, recordLine, type OutputFormat } from './records.ts';
import { analyzeCapture } from './pcap.ts';
import { negotiatedExtensions, type DecodeAsTarget, type PcapRecord, type StreamNote } from '../capture/websocket.ts';
import { readKeyLogOption } from './tls/capture-layer.ts';
import type { TlsInfo } from './tls/decryptor.ts';
import { CaptureError } from '../capture/capture.ts';
import { JsonArrayWriter, Output, writeJsonLine, type TextSink } from './output.ts';
import { styleFor, type Style } from './style.ts';
import { TrafficStats, type StatsRecord } from '../capture/stats.ts';
import { statsLines } from './stats-text.ts';
import { harRecords } from '../capture/har.ts';

/** Where the CLI writes; injectable for tests. */
export interface CliIO {
  stdout: TextSink & { isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  readStdin(): Uint8Array;
  readFile(path: string): Uint8Array;
  /**
   * The file in chunks of at most 64 KiB as they can be read, and its size (0 when unknown).
   * `-` is standard input; a FIFO or `/dev/stdin` is read as it is written. With `reuse`, the
   * chunks may all be views of one buffer, each valid until the next is asked for.
   */
  openFile(path: string, options?: { reuse?: boolean }): { chunks: AsyncIterable<Uint8Array>; size: number };
}

/** The exit statuses of every command. */
export const EXIT_STATUS = {
  /** WebSocket data was found and all of it is valid (encode, accept: the result was printed). */
  VALID: 0,
  /** Violations were found: an invalid frame, message or handshake, a gap, a cut-off input. */
  VIOLATIONS: 1,
  /** Nothing decodable, a usage mistake, or input that cannot be read. */
  UNUSABLE: 2,
} as const;

const EXIT_STATUS_HELP = `Exit status:
  0  WebSocket data found, and all of it valid
  1  violations found (an invalid frame, message or handshake; bytes missing; input cut off)
  2  nothing decodable, a usage mistake, or input that cannot be read
`;

// Notes about TCP streams that are not WebSocket, before they are summed up in one line.
const MAX_NOTES = 20;
// Input bytes given to the stream analyzer at once: bounds the records one push returns.
const ANALYZE_CHUNK = 16 * 1024;
// Bytes read before deciding between raw bytes, hex and base64.
const DETECT_SAMPLE = 64 * 1024;
// Bytes per read of a file (pcap reads them all into one buffer).
const READ_CHUNK = 64 * 1024;

const HELP: Record<string, string> = {
  main: `wsframe: decode, explain and encode WebSocket (RFC 6455) frames

Usage: wsframe <command> [options]

Commands:
  explain [hex|base64]   every header bit of each frame, named and explained
  decode [file|-]        a byte stream into frames and messages, with verdicts
  pcap <file|->          WebSocket connections in a pcap/pcapng capture, both directions
  har <file|->           WebSocket messages a browser saved in a HAR file
  encode --opcode ...    build a frame and print it as hex
  accept <key>           the Sec-WebSocket-Accept value for a Sec-WebSocket-Key

Run 'wsframe <command> --help' for a command's options and examples.

${EXIT_STATUS_HELP}`,
  explain: `Usage: wsframe explain [hex|base64] [--input hex|base64] [--role client|server|auto] [--file path|-]
                       [--extensions <value>] [--xor]

Explains every frame in the input: each header byte in bits with each field named, the masking
key, the payload as sent and unmasked, and a verdict (valid, or the error with its close code).
With no input, explains the RFC 6455 §5.7 examples. The explanation is written frame by frame.
--extensions takes the Sec-WebSocket-Extensions value the server answered with: RSV1 is then
allowed on a message's first frame and each compressed message is shown inflated. --xor shows
the masking byte by byte: each payload byte, its key byte and the result, in hex and bits.

Examples:
  wsframe explain
  wsframe explain 818537fa213d7f9f4d5158 --xor
  wsframe explain c107f248cdc9c90700 --extensions permessage-deflate
  wsframe explain "iQVIZWxsbw==" --input base64
  echo 88 02 03 e8 | wsframe explain --file -

Exit status: 0 every frame valid, 1 an invalid or incomplete frame, 2 no input, unreadable input
or a usage mistake.
`,
  decode: `Usage: wsframe decode [file|-] [--input hex|base64|raw] [--role client|server|auto]
                      [--format text|json|ndjson] [--max-message <bytes>] [--extensions <value>]
                      [--max-payload <bytes>]

Decodes a byte stream (one direction of a connection) into frames and messages. --role server
decodes as a server reads (the bytes are a client's: frames must be masked); --role client as a
client reads (frames must not be masked); auto (the default) accepts both. --input defaults to
raw bytes for binary input and to hex or base64 (detected from the first 64 KiB) for text. JSON
fields use Wireshark's names (websocket.fin, websocket.opcode, websocket.payload_length, ...)
plus byte offsets. --extensions takes the Sec-WebSocket-Extensions value the server answered
with, to inflate permessage-deflate messages (with --role; auto reads them as a client's).
--max-payload cuts each frame's and message's payload in the output to that many bytes (the
lengths stay whole, and the record says truncated): a 1 MiB message need not be a 1.4 MB line.
Frames show at most 4096 payload bytes unless --max-payload says otherwise.
Input and output are streamed: memory is bounded by the largest message, not the input.

Examples:
  wsframe decode capture.bin --input raw --role server
  wsframe decode - --role client --extensions "permessage-deflate; server_no_context_takeover"
  echo 810548656c6c6f | wsframe decode - --format ndjson
  wsframe decode frames.hex --format json

Exit status: 0 frames found and all valid, 1 the stream breaks the protocol (or ends inside a
frame), 2 no bytes, unreadable input or a usage mistake.
`,
  pcap: `Usage: wsframe pcap <file|-> [--format text|json|ndjson] [--stream N] [--messages-only]
                   [--max-message <bytes>] [--max-payload <bytes>]
                   [--keylog <file>] [--decode-as [host:]port]... [--extensions <value>] [--stats]

Reads a libpcap or pcapng capture (Ethernet with VLAN tags, Linux SLL/SLL2, raw IP, BSD
loopback; IPv4 and IPv6), reassembles each TCP connection by sequence number, finds HTTP Upgrade
handshakes on any port and decodes both directions: client frames must be masked, server frames
must not. For each connection: the handshake (resource, subprotocol, extensions, whether the
accept value is right), then every frame and message in time order with verdicts. For each TCP
stream with data that is not decoded, a note on standard error says what it looks like (TLS,
HTTP/2, HTTP without an upgrade, frames without their handshake, not HTTP).

wss:// (TLS) connections are decrypted with the key log of --keylog FILE (else the file that
SSLKEYLOGFILE names), and with the key logs a pcapng carries in Decryption Secrets Blocks
(editcap --inject-secrets tls,keys.log) with no option: the NSS key log format that browsers and
curl (SSLKEYLOGFILE), Node (--tls-keylog) and Python (keylog_filename) write. TLS 1.3 and 1.2
with AES-GCM or ChaCha20-Poly1305; every record's tag is checked, and a connection whose key is
missing or wrong gets one note and is skipped. ALPN h2 (HTTP/2) is named, not decoded.

The capture is streamed, and '-' (or /dev/stdin, or a FIFO) is read as it is written, each
message printed as it completes: tcpdump -U -w - | wsframe pcap -. Memory is bounded by the
largest message and the reassembly window, not by the capture. --max-payload cuts payloads in
the output as decode's does. JSON records carry Wireshark's frame.number (the packet that
completed them) and field names (websocket.payload_length_ext_16, ..._ext_64, ...).

--stats prints statistics instead of the records: per connection and for all of them, messages
and bytes per direction and kind, frames, compressed bytes sent against inflated bytes, close
codes and reasons, duration, and ping->pong round trips (a pong with its ping's payload); as
{"type":"stats"} records in JSON and NDJSON (stream null for the overall one).

A capture that starts after the handshake is decoded with --decode-as [host:]port (Wireshark's
term; repeatable): connections with that endpoint are WebSocket and it is the server. Frame
boundaries are found by a strict scan (four consecutive frames whose lengths chain, masked
exactly when the client sent them, in message order), reported as a resync record where it
locks on; compressed messages are shown as such, not inflated, unless --extensions gives the
Sec-WebSocket-Extensions answer to assume. After bytes missing from a capture (a gap), the gap
is reported with its size, what it cut as lost (never decoded as valid), and decoding resumes
where the same scan locks on again; a gap makes the exit status 1.

Examples:
  wsframe pcap capture.pcapng
  wsframe pcap mid-connection.pcapng --decode-as 9001
  wsframe pcap capture.pcapng --stats --format ndjson
  wsframe pcap capture.pcapng --decode-as 10.0.0.2:80 --extensions permessage-deflate
  wsframe pcap capture.pcap --format ndjson --messages-only
  wsframe pcap capture.pcapng --stream 2 --format json
  wsframe pcap wss.pcapng --keylog keys.log
  tcpdump -i lo -U -w - port 9001 | wsframe pcap -

Exit status: 0 WebSocket connections found and all valid, 1 violations (an invalid frame,
message or handshake, bytes missing from the capture, a capture cut off), 2 no WebSocket
connection in the capture, not a capture, unreadable input or a usage mistake.
`,
  har: `Usage: wsframe har <file|-> [--format text|json|ndjson] [--stream N] [--stats]

Reads the WebSocket messages of a HAR file: the _webSocketMessages that Chrome DevTools (Network
panel, "Save all as HAR with content") and Playwright (recordHar) store with each WebSocket
entry. Each entry is a connection (stream N in the order of the file: the URL, status,
subprotocol, extensions, whether the accept value is right when the headers are there), then
its messages in order: sent ones are the client's. A HAR holds messages as the browser saw them
(inflated, without frame headers), so the verdicts are the ones a message allows: text that is
well-formed Unicode, ping/pong/close payloads of at most 125 bytes, close codes a peer may send
with a UTF-8 reason. Same output formats and records as pcap; --stats as pcap's (no frames).

Examples:
  wsframe har session.har
  wsframe har session.har --format ndjson --stream 0
  wsframe har session.har --stats

Exit status: 0 WebSocket messages found and all valid, 1 a violation (a message breaking a rule,
a wrong accept value), 2 no WebSocket entry, not a HAR file, unreadable input or a usage
mistake.
`,
  encode: `Usage: wsframe encode --opcode text|binary|ping|pong|close|continuation|<n>
                      [--payload <text> | --payload-hex <hex>] [--close-code <n>]
                      [--mask <8 hex digits>|--mask random] [--no-fin] [--rsv1] [--rsv2] [--rsv3] [--unsafe]

Prints the frame as hex. Refuses what RFC 6455 forbids a sender (a reserved opcode, a control
payload over 125 bytes, a fragmented control frame, a close payload of one byte, a close code
that may not be sent such as 1005, a close reason that is not UTF-8, --close-code on another
opcode) unless --unsafe.

Examples:
  wsframe encode --opcode text --payload Hello --mask 37fa213d
  wsframe encode --opcode close --close-code 1000 --payload bye
  wsframe encode --opcode 3 --unsafe

Exit status: 0 the frame was printed, 2 a usage mistake or a frame RFC 6455 forbids.
`,
  accept: `Usage: wsframe accept [--explain] <Sec-WebSocket-Key>

Prints the Sec-WebSocket-Accept value a server must answer with (RFC 6455 §4.2.2). --explain
shows every step: the key, the GUID appended, the SHA-1 of the result in hex, and its base64.

Examples:
  wsframe accept dGhlIHNhbXBsZSBub25jZQ==      # s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
  wsframe accept --explain dGhlIHNhbXBsZSBub25jZQ==

Exit status: 0 the value was printed, 2 a usage mistake.
`,
};

const OPCODES: Record<string, number> = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

/** Runs the CLI with `args` (without node and the script); resolves to the exit status. */
export async function main(args: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'pcap': return await pcapCommand(rest, io);
      case 'har': return await harCommand(rest, io);
      case 'explain': return await explainCommand(rest, io);
      case 'decode': return await decodeCommand(rest, io);
      case 'encode': return encodeCommand(rest, io);
      case 'accept': return acceptCommand(rest, io);
      case undefined: case '--help': case '-h': case 'help':
        io.stdout.write(HELP.main);
        return command === undefined ? EXIT_STATUS.UNUSABLE : EXIT_STATUS.VALID;
      default:
        throw new UsageError(`unknown command '${command}'. Run 'wsframe --help'.`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`wsframe: ${(error as Error).message}\n`);
      return EXIT_STATUS.UNUSABLE;
    }
    if (isUnreadable(error)) {
      io.stderr.write(`wsframe: cannot read ${(error as { path?: string }).path ?? 'input'}: ${(error as Error).message}\n`);
      return EXIT_STATUS.UNUSABLE;
    }
    throw error;
  }
}

function isUnreadable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENXIO';
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

async function explainCommand(args: string[], io: CliIO): Promise<number> {
  if (wantsHelp(args, 'explain', io)) return EXIT_STATUS.VALID;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      input: { type: 'string' }, role: { type: 'string' }, file: { type: 'string' }, extensions: { type: 'string' }, xor: { type: 'boolean' },
    },
  });
  const style = styleFor(io.stdout, io.env);
  const role = roleOption(values.role);
  const explainOptions: ExplainOptions = { role, xor: values.xor, extensions: extensionsOption(values.extensions, role) };
  const format = inputFormat(values.input);
  const text = positionals.join(' ');
  const raw = values.file !== undefined ? readFileArgument(values.file, io) : text !== '' ? new TextEncoder().encode(text) : undefined;
  const output = new Output(io.stdout);
  if (raw === undefined) {
    for (const [i, example] of RFC_EXAMPLES.entries()) {
      output.write(`${i > 0 ? '\n' : ''}${style.bold(`== RFC 6455 §5.7: ${example.title}: ${example.hex}`)}\n\n`);
      await writeExplanation(parseHex(example.hex), style, explainOptions, output);
    }
    await output.flush();
    return EXIT_STATUS.VALID;
  }
  const input = decodeInput(raw, format);
  if (input.length === 0) throw new UsageError('no bytes to explain');
  const valid = await writeExplanation(input, style, explainOptions, output);
  await output.flush();
  return valid ? EXIT_STATUS.VALID : EXIT_STATUS.VIOLATIONS;
}

/** Writes the explanation of every frame, a frame at a time; resolves to whether all were valid. */
async function writeExplanation(input: Uint8Array, style: Style, options: ExplainOptions, output: Output): Promise<boolean> {
  const frames = explainFrameLines(input, style, options);
  let next = frames.next();
  for (; next.done !== true; next = frames.next()) {
    output.write(`${next.value.join('\n')}\n`);
    await output.flushIfFull();
  }
  return next.value;
}

/** Writes records in one output format, as they come. */
class RecordWriter {
  readonly #format: OutputFormat;
  readonly #output: Output;
  readonly #json: JsonArrayWriter;
  readonly #line: (record: never) => string;

  constructor(format: OutputFormat, output: Output, line: (record: never) => string) {
    this.#format = format;
    this.#output = output;
    this.#json = new JsonArrayWriter(output);
    this.#line = line;
  }

  write(record: object): void {
    if (this.#format === 'json') this.#json.item(record);
    else if (this.#format === 'ndjson') writeJsonLine(this.#output, record);
    else this.#output.write(`${this.#line(record as never)}\n`);
  }

  end(): void {
    if (this.#format === 'json') this.#json.end();
  }
}

async function pcapCommand(args: string[], io: CliIO): Promise<number> {
  if (wantsHelp(args, 'pcap', io)) return EXIT_STATUS.VALID;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      format: { type: 'string' }, stream: { type: 'string' }, 'messages-only': { type: 'boolean' }, 'max-message': { type: 'string' },
      keylog: { type: 'string' },
      'max-payload': { type: 'string' }, 'decode-as': { type: 'string', multiple: true }, extensions: { type: 'string' },
      stats: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('pcap needs exactly one capture file (or - for standard input)');
  const format = usage(() => parseFormat(values.format));
  const onlyStream = streamOption(values.stream);
  const maxMessageLength = byteCount(values['max-message'], '--max-message');
  const maxShownPayload = byteCount(values['max-payload'], '--max-payload');
  const keyLog = readKeyLogOption(values.keylog, io);
  const decodeAs = values['decode-as']?.map(decodeAsOption);
  if (values.extensions !== undefined) {
    if (decodeAs === undefined) throw new UsageError('--extensions belongs to --decode-as (a handshake in the capture says what was negotiated)');
    extensionsOption(values.extensions, 'client');
  }
  // analyzeCapture keeps no view of a chunk it is done with: one read buffer serves the file.
  const { chunks, size } = io.openFile(positionals[0], { reuse: true });
  const style = styleFor(io.stdout, io.env);
  const output = new Output(io.stdout);
  let firstTime: number | undefined;
  const writer = new RecordWriter(format, output, (record: PcapRecord) => {
    firstTime ??= record.time;
    return pcapLine(record, firstTime, style);
  });
  let connections = 0;
  let violations = 0;
  const stats = values.stats === true ? new TrafficStats() : undefined;
  const emit = (record: PcapRecord) => {
    if (onlyStream !== undefined && record.stream !== onlyStream) return undefined;
    if (record.type === 'connection') connections++;
    if (isViolation(record)) violations++;
    if (stats !== undefined) stats.add(record);
    else if (values['messages-only'] !== true || record.type !== 'frame') writer.write(record);
    return output.full ? output.flush() : undefined;
  };
  let notes = 0;
  const onNote = (note: StreamNote) => {
    if (onlyStream !== undefined && note.stream !== onlyStream) return;
    if (++notes <= MAX_NOTES) io.stderr.write(`wsframe: stream ${note.stream} (${note.client} -> ${note.server}) not decoded: ${note.message}\n`);
  };
  const progress = makeProgress(io, size);
  let failure: CaptureError | undefined;
  try {
    // Whatever a chunk completed is written before the next is awaited: a live capture shows
    // each message as soon as the packet completing it is read.
    // Read chunks and payload arrays are reused: a record's deferred base64 stays right until the
    // tracker's next event, and every record is written before that event is handled.
    await analyzeCapture(progress.wrap(chunks, () => output.flush()), emit, {
      maxMessageLength, maxShownPayload, onNote, keyLog, decodeAs, decodeAsExtensions: values.extensions, deferBase64: true,
    });
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    failure = error;
  } finally {
    progress.done();
  }
  if (stats !== undefined) writeStats(stats, format, output, style);
  else writer.end();
  await output.flush();
  if (notes > MAX_NOTES) io.stderr.write(`wsframe: ${notes - MAX_NOTES} more TCP streams not decoded (notes shown for the first ${MAX_NOTES})\n`);
  if (failure !== undefined) {
    io.stderr.write(`wsframe: ${failure.message}\n`);
    return connections > 0 ? EXIT_STATUS.VIOLATIONS : EXIT_STATUS.UNUSABLE;
  }
  if (connections === 0) {
    io.stderr.write(`wsframe: no WebSocket connection in the capture${onlyStream === undefined ? '' : ` as stream ${onlyStream}`}\n`);
    return EXIT_STATUS.UNUSABLE;
  }
  return violations > 0 ? EXIT_STATUS.VIOLATIONS : EXIT_STATUS.VALID;
}

/** The statistics: per connection, then overall; ndjson and JSON as `{"type":"stats"}` records. */
function writeStats(stats: TrafficStats, format: OutputFormat, output: Output, style: Style): void {
  const writer = new RecordWriter(format, output, (record: StatsRecord) => statsLines(record, style).join('\n'));
  for (const record of stats.records()) writer.write(record);
  writer.end();
}

async function harCommand(args: string[], io: CliIO): Promise<number> {
  if (wantsHelp(args, 'har', io)) return EXIT_STATUS.VALID;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { format: { type: 'string' }, stream: { type: 'string' }, stats: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('har needs exactly one HAR file (or - for standard input)');
  const format = usage(() => parseFormat(values.format));
  const onlyStream = streamOption(values.stream);
  let har: unknown;
  try {
    har = JSON.parse(new TextDecoder().decode(readFileArgument(positionals[0], io)));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new UsageError(`${positionals[0]} is not a HAR file: ${error.message}`);
  }
  const style = styleFor(io.stdout, io.env);
  const output = new Output(io.stdout);
  let firstTime: number | undefined;
  const writer = new RecordWriter(format, output, (record: PcapRecord) => {
    firstTime ??= record.type === 'connection' ? undefined : record.time;
    return pcapLine(record, firstTime ?? record.time, style);
  });
  const stats = values.stats === true ? new TrafficStats() : undefined;
  let connections = 0;
  let violations = 0;
  for (const record of usage(() => [...harRecords(har)])) {
    if (onlyStream !== undefined && record.stream !== onlyStream) continue;
    if (record.type === 'connection') connections++;
    if (isViolation(record)) violations++;
    if (stats !== undefined) stats.add(record);
    else writer.write(record);
    await output.flushIfFull();
  }
  if (stats !== undefined) writeStats(stats, format, output, style);
  else writer.end();
  await output.flush();
  if (connections === 0) {
    io.stderr.write(`wsframe: no WebSocket entry in the HAR file${onlyStream === undefined ? '' : ` as stream ${onlyStream}`}\n`);
    return EXIT_STATUS.UNUSABLE;
  }
  return violations > 0 ? EXIT_STATUS.VIOLATIONS : EXIT_STATUS.VALID;
}

function streamOption(value: string | undefined): number | undefined {
  const stream = value === undefined ? undefined : Number(value);
  if (stream !== undefined && !(Number.isSafeInteger(stream) && stream >= 0)) throw new UsageError(`--stream '${value}' is not a stream number`);
  return stream;
}

/** Whether a record reports something wrong: an invalid frame or handshake, an error, a gap. */
function isViolation(record: PcapRecord): boolean {
  switch (record.type) {
    case 'connection': return record.status === 101 && (!record.acceptValid || record.handshakeError !== undefined);
    case 'frame': return record.verdict !== 'valid';
    case 'error': case 'gap': case 'lost': return true;
    default: return false;
  }
}

/** A `--decode-as [host:]port` value. */
function decodeAsOption(value: string): DecodeAsTarget {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) throw new UsageError(`--decode-as '${value}' is not [host:]port`);
  const host = match[1]?.replace(/^\[|\]$/g, '');
  return host === undefined ? { port } : { host, port };
}

function pcapLine(record: PcapRecord, firstTime: number, style: Style): string {
  if (record.type === 'connection' && record.decodeAs !== undefined) {
    return style.bold(`stream ${record.stream}: ${record.client} -> ${record.server} (no handshake in the capture) decoded as WebSocket`) +
      ` (--decode-as ${record.decodeAs}) extensions=${record.extensions ?? 'unknown: compressed messages are not inflated'}`;
  }
  if (record.type === 'connection') {
    const accept = record.acceptValid ? style.good('accept valid') : style.bad('accept INVALID');
    const problem = record.handshakeError === undefined ? '' : ` ${style.bad(`(${record.handshakeError.code}: ${record.handshakeError.message})`)}`;
    return style.bold(`stream ${record.stream}: ${record.client} -> ${record.server} GET ${record.resource} -> ${record.status}`) +
      ` protocol=${record.protocol ?? '-'} extensions=${record.extensions ?? '-'}${tlsText(record.tls)} ${accept}${problem}`;
  }
  const when = Number.isNaN(record.time) ? '         ?' : `+${(record.time - firstTime).toFixed(6)}`;
  const arrow = record.from === 'client' ? 'client->' : '<-server';
  let body: string;
  if (record.type === 'gap') body = style.bad(`gap     @${record.offset}: ${record.bytes} bytes missing from the capture`);
  else if (record.type === 'lost') body = style.bad(`lost    @${record.offset}: ${record.bytes} bytes (${record.what}): ${record.message}`);
  else if (record.type === 'resync') body = `${style.field('resync')}  @${record.offset}: locked on to frame boundaries (${record.frames} frames chained, ${record.skipped} bytes skipped)`;
  else body = recordLine(record, style);
  return `${when} #${record.stream} ${arrow} ${body}`;
}

/** ` tls=TLS1.3/TLS_AES_128_GCM_SHA256/alpn=http/1.1` for a decrypted connection, else nothing. */
function tlsText(tls: TlsInfo | undefined): string {
  return tls === undefined ? '' : ` tls=${tls.version.replace(' ', '')}/${tls.suite}/alpn=${tls.alpn ?? '-'}`;
}

function makeProgress(io: CliIO, size: number) {
  const enabled = io.stderr.isTTY === true && size > 4 * 1024 * 1024;
  let read = 0;
  let last = 0;
  return {
    /** The chunks, counting them for the progress line; `beforeRead` runs before each read. */
    async *wrap(chunks: AsyncIterable<Uint8Array>, beforeRead: () => Promise<void>): AsyncIterable<Uint8Array> {
      for await (const chunk of chunks) {
        read += chunk.length;
        const now = Date.now();
        if (enabled && now - last > 250) {
          last = now;
          io.stderr.write(`\r  read ${(read / 1048576).toFixed(1)} of ${(size / 1048576).toFixed(1)} MiB (${Math.floor((read / size) * 100)}%)`);
        }
        yield chunk;
        await beforeRead();
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

async function decodeCommand(args: string[], io: CliIO): Promise<number> {
  if (wantsHelp(args, 'decode', io)) return EXIT_STATUS.VALID;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      input: { type: 'string' }, role: { type: 'string' }, format: { type: 'string' }, 'max-message': { type: 'string' },
      extensions: { type: 'string' }, 'max-payload': { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new UsageError('decode takes one file (or - for standard input)');
  const format = usage(() => parseFormat(values.format));
  const maxMessageLength = byteCount(values['max-message'], '--max-message');
  const given = inputFormat(values.input);
  const role = roleOption(values.role);
  const extensions = extensionsOption(values.extensions, role);
  const maxShownPayload = byteCount(values['max-payload'], '--max-payload');
  const analyzer = new StreamAnalyzer({ role, maxMessageLength, extensions, maxShownPayload, maxShownMessage: maxShownPayload, deferBase64: true });
  const style = styleFor(io.stdout, io.env);
  const output = new Output(io.stdout);
  const writer = new RecordWriter(format, output, (record: StreamRecord) => recordLine(record, style));
  let errors = 0;
  let bytes = 0;
  const write = async (records: StreamRecord[]) => {
    for (const record of records) {
      if (record.type === 'error') errors++;
      writer.write(record);
      await output.flushIfFull();
    }
  };
  try {
    for await (const piece of decodedInput(io.openFile(positionals[0] ?? '-').chunks, given)) {
      bytes += piece.length;
      for (let at = 0; at < piece.length; at += ANALYZE_CHUNK) {
        await write(analyzer.push(piece.subarray(at, at + ANALYZE_CHUNK)));
      }
      // What a read completed is shown before the next read: a live pipe is decoded as it comes.
      await output.flush();
    }
    await write(analyzer.end());
  } finally {
    // What was decoded before a problem with the input is still shown.
    writer.end();
    await output.flush();
  }
  if (bytes === 0) {
    io.stderr.write('wsframe: no bytes to decode\n');
    return EXIT_STATUS.UNUSABLE;
  }
  return errors > 0 ? EXIT_STATUS.VIOLATIONS : EXIT_STATUS.VALID;
}

/**
 * The input's bytes as they are read: raw bytes, or hex / base64 text decoded as it streams. With
 * no `--input`, the first 64 KiB decide (so output starts after them or at the end of a shorter
 * input): printable text is hex or base64 (as `parseTextInput` detects), anything else raw bytes.
 */
async function* decodedInput(chunks: AsyncIterable<Uint8Array>, given: 'hex' | 'base64' | 'raw' | undefined): AsyncGenerator<Uint8Array> {
  let sample: Uint8Array[] = [];
  let sampled = 0;
  let decode: ((bytes: Uint8Array) => Uint8Array) | undefined;
  let end: () => Uint8Array = () => new Uint8Array(0);
  const choose = (first: Uint8Array) => {
    const format = given ?? (isText(first) ? detectTextFormat(new TextDecoder().decode(first)) : 'raw');
    if (format === 'raw') return (bytes: Uint8Array) => bytes;
    const decoder = new TextInputDecoder(format);
    end = () => decoder.end();
    const text = new TextDecoder();
    return (bytes: Uint8Array) => decoder.push(text.decode(bytes, { stream: true }));
  };
  for await (const chunk of chunks) {
    if (decode !== undefined) {
      yield decode(chunk);
      continue;
    }
    sample.push(chunk);
    sampled += chunk.length;
    if (given === undefined && sampled < DETECT_SAMPLE) continue;
    const first = concatBytes(sample, sampled);
    sample = [];
    decode = choose(first);
    yield decode(first);
  }
  if (decode === undefined) {
    const all = concatBytes(sample, sampled);
    decode = choose(all);
    yield decode(all);
  }
  yield end();
}

/**
 * The extensions a Sec-WebSocket-Extensions answer negotiates, for reading as `role` reads (auto:
 * as a client reads a server's frames).
 */
function extensionsOption(value: string | undefined, role: 'client' | 'server' | undefined): MessageExtension[] {
  if (value === undefined) return [];
  const extensions = usage(() => negotiatedExtensions(value, role === 'client' ? 'server' : 'client'));
  if (extensions.length === 0) throw new UsageError(`--extensions '${value}' negotiates no extension wsframe can decode`);
  return extensions;
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
  if (wantsHelp(args, 'encode', io)) return EXIT_STATUS.VALID;
  const { values } = parseArgs({
    args,
    options: {
      opcode: { type: 'string' }, payload: { type: 'string' }, 'payload-hex': { type: 'string' },
      'close-code': { type: 'string' }, mask: { type: 'string' }, 'no-fin': { type: 'boolean' },
      rsv1: { type: 'boolean' }, rsv2: { type: 'boolean' }, rsv3: { type: 'boolean' }, unsafe: { type: 'boolean' },
    },
  });
  if (values.opcode === undefined) throw new UsageError('encode needs --opcode (text, binary, ping, pong, close, continuation or 0-15)');
  const opcode = OPCODES[values.opcode] ?? (/^(?:\d{1,2}|0x[0-9a-f]{1,2})$/i.test(values.opcode) ? Number(values.opcode) : Number.NaN);
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new UsageError(`--opcode '${values.opcode}' is not a name or a number from 0 to 15`);
  if (values.payload !== undefined && values['payload-hex'] !== undefined) throw new UsageError('give --payload or --payload-hex, not both');
  const unsafe = values.unsafe === true;
  let payload = values['payload-hex'] !== undefined ? parseHex(values['payload-hex']) : new TextEncoder().encode(values.payload ?? '');
  if (values['close-code'] !== undefined) {
    const code = /^\d{1,5}$/.test(values['close-code']) ? Number(values['close-code']) : Number.NaN;
    if (!(code <= 65535)) throw new UsageError(`--close-code '${values['close-code']}' is not a number from 0 to 65535`);
    if (opcode !== 0x8 && !unsafe) throw new UsageError('--close-code belongs to a close frame (--opcode close) (use --unsafe to build it anyway)');
    const withCode = new Uint8Array(2 + payload.length);
    withCode[0] = code >> 8;
    withCode[1] = code & 0xff;
    withCode.set(payload, 2);
    payload = withCode;
  }
  if (opcode === 0x8 && !unsafe) checkClosePayload(payload);
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
  return EXIT_STATUS.VALID;
}

/**
 * RFC 6455 §5.5.1: a close payload is empty, or a status code a sender may use (§7.4) and a UTF-8
 * reason; what a receiver would fail the connection for is refused (1005 and 1006 are for APIs).
 */
function checkClosePayload(payload: Uint8Array): void {
  if (payload.length === 0) return;
  const hint = ' (use --unsafe to build it anyway)';
  if (payload.length === 1) throw new UsageError(`Cannot encode frame: a close payload of 1 byte is half a status code (RFC 6455 §5.5.1)${hint}`);
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) throw new UsageError(`Cannot encode frame: close code ${code} may not be sent in a close frame (RFC 6455 §7.4)${hint}`);
  try {
    decodeClosePayload(payload);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw new UsageError(`Cannot encode frame: ${error.message.replace(/^Cannot decode [^:]*: /, '')}${hint}`);
  }
}

// RFC 6455 §1.3: the GUID a server appends to the key.
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
// RFC 6455 §4.1: the key is 16 random bytes, base64-encoded.
const KEY_BYTES = 16;

function acceptCommand(args: string[], io: CliIO): number {
  if (wantsHelp(args, 'accept', io)) return EXIT_STATUS.VALID;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { explain: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('accept needs exactly one Sec-WebSocket-Key');
  const key = positionals[0];
  const accept = computeAcceptKey(key);
  if (values.explain !== true) {
    io.stdout.write(`${accept}\n`);
    return EXIT_STATUS.VALID;
  }
  const keyBytes = decodeBase64(key);
  const keyNote = keyBytes?.length === KEY_BYTES
    ? `(16 bytes in base64: ${toHex(keyBytes)})`
    : '(not 16 bytes of base64: a server must refuse it (RFC 6455 §4.2.1); the steps are the same)';
  const digest = sha1(new TextEncoder().encode(key + WEBSOCKET_GUID));
  io.stdout.write([
    `Sec-WebSocket-Key      ${key} ${keyNote}`,
    `+ GUID (RFC 6455 §1.3) ${WEBSOCKET_GUID}`,
    `= concatenated         ${key}${WEBSOCKET_GUID}`,
    `SHA-1 of its bytes     ${toHex(digest)}`,
    `base64 of the SHA-1    ${encodeBase64(digest)}`,
    `Sec-WebSocket-Accept: ${accept}`,
    '',
  ].join('\n'));
  return EXIT_STATUS.VALID;
}

/**
 * Standard output as a sink. On a file or a character device such as /dev/null, process.stdout
 * is a stream that turns each string into a Buffer and writes that with fs.writeSync: 139 MiB of
 * Buffers, garbage at once, for the pcap benchmark's JSON, which V8 collected late (2 to 3 MiB
 * more peak RSS). fs.writeSync with the string does the same write without them (Node encodes
 * into memory of its own, freed at once). A write error goes to process.stdout's 'error'
 * listeners, as the stream's own would. Terminals, pipes and sockets keep the stream.
 */
function standardOutput(): CliIO['stdout'] {
  const stream = process.stdout;
  let file: boolean;
  try {
    const info = fstatSync(STDOUT_FD);
    file = info.isFile() || (info.isCharacterDevice() && !isatty(STDOUT_FD));
  } catch {
    file = false;
  }
  if (!file) return stream;
  return {
    isTTY: false,
    write(text: string) {
      try {
        writeSync(STDOUT_FD, text);
      } catch (error) {
        stream.emit('error', error);
      }
      return true;
    },
  };
}

const STDOUT_FD = 1;

/** The process's real IO. */
export const processIO: CliIO = {
  stdout: standardOutput(),
  stderr: process.stderr,
  env: process.env,
  readStdin: () => readFileSync(0),
  readFile: (path) => readFileSync(path),
  openFile: (path, options) => {
    const reuse = options?.reuse === true;
    if (path === '-') {
      // A file given as standard input (wsframe pcap - < capture.pcap) is read like any file;
      // a pipe or terminal goes through process.stdin, which waits for it without blocking.
      const info = fstatSync(STDIN_FD);
      if (!reuse || !info.isFile()) return { size: 0, chunks: process.stdin };
      return { size: info.size, chunks: readIntoOneBuffer(STDIN_FD) };
    }
    const info = statSync(path);
    // A FIFO or character device (/dev/stdin) has no size: it is read as it is written.
    const size = info.isFile() ? info.size : 0;
    if (!reuse) return { size, chunks: createReadStream(path, { highWaterMark: READ_CHUNK }) };
    return { size, chunks: readIntoOneBuffer(path) };
  },
};

const STDIN_FD = 0;

/**
 * The bytes of a file (a path, or standard input's descriptor, left open) as they are read,
 * every chunk a view of one buffer. A fresh buffer per read is garbage once its packets are done,
 * and V8 collects such memory late: reading 100 MiB in fresh 64 KiB buffers, doing nothing else,
 * peaked at 25 MiB of them (Node 20). A plain `Uint8Array`, not a `Buffer`: a `Buffer`'s `slice`
 * is a view, and code that copies with `slice` must copy.
 */
async function* readIntoOneBuffer(file: string | number): AsyncGenerator<Uint8Array, void, undefined> {
  // Opened without blocking: a FIFO's open waits for its writer.
  const fd = typeof file === 'number' ? file : await new Promise<number>((resolve, reject) => {
    open(file, 'r', (error, opened) => (error === null ? resolve(opened) : reject(error)));
  });
  try {
    const buffer = new Uint8Array(READ_CHUNK);
    for (;;) {
      const bytesRead = await new Promise<number>((resolve, reject) => {
        read(fd, buffer, 0, buffer.length, null, (error, count) => (error === null ? resolve(count) : reject(error)));
      });
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    if (fd !== file) closeSync(fd);
  }
}
