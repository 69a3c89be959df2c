/**
 * The `wsframe` command line: explain, decode and encode frames, compute accept keys, read
 * captures. The one part of wsframe (with the examples) that uses Node APIs.
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { computeAcceptKey, encodeFrame, encodeHeader } from '../index.ts';
import { parseHex, parseTextInput, toHex, UsageError } from './bytes.ts';
import { RFC_EXAMPLES } from './examples.ts';
import { explainFrames } from './explain.ts';
import { styleFor } from './style.ts';

/** Where the CLI writes; injectable for tests. */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  readStdin(): Uint8Array;
  readFile(path: string): Uint8Array;
}

const HELP: Record<string, string> = {
  main: `wsframe: decode, explain and encode WebSocket (RFC 6455) frames

Usage: wsframe <command> [options]

Commands:
  explain [hex|base64]   every header bit of each frame, named and explained
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

/** Runs the CLI with `args` (without node and the script); returns the exit code. */
export function run(args: string[], io: CliIO): number {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'explain': return explainCommand(rest, io);
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

function readInput(positional: string | undefined, file: string | undefined, format: string | undefined, io: CliIO): Uint8Array | undefined {
  if (format !== undefined && format !== 'hex' && format !== 'base64' && format !== 'raw') {
    throw new UsageError(`--input must be hex, base64 or raw, not '${format}'`);
  }
  let raw: Uint8Array;
  if (file !== undefined) raw = file === '-' ? io.readStdin() : io.readFile(file);
  else if (positional !== undefined) raw = new TextEncoder().encode(positional);
  else return undefined;
  if (format === 'raw') return raw;
  return parseTextInput(new TextDecoder().decode(raw), format as 'hex' | 'base64' | undefined);
}

function explainCommand(args: string[], io: CliIO): number {
  if (wantsHelp(args, 'explain', io)) return 0;
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { input: { type: 'string' }, role: { type: 'string' }, file: { type: 'string' } },
  });
  const style = styleFor(io.stdout, io.env);
  const role = roleOption(values.role);
  const input = readInput(positionals.join(' ') || undefined, values.file, values.input, io);
  if (input === undefined) {
    const out: string[] = [];
    for (const example of RFC_EXAMPLES) {
      out.push(style.bold(`== RFC 6455 §5.7: ${example.title}: ${example.hex}`), '');
      out.push(...explainFrames(parseHex(example.hex), style, { role }).lines, '');
    }
    io.stdout.write(`${out.join('\n')}`);
    return 0;
  }
  if (input.length === 0) throw new UsageError('no bytes to explain');
  const { lines, valid } = explainFrames(input, style, { role });
  io.stdout.write(`${lines.join('\n')}\n`);
  return valid ? 0 : 1;
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
};
