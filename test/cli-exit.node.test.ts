/**
 * The CLI as a program in a pipeline: the exit status of every command (0 found and valid,
 * 1 violations, 2 nothing decodable / usage / unreadable input), output streamed in bounded
 * blocks instead of one string, `encode` refusing forbidden frames, a closed standard output
 * ending the real process quietly, and `pcap -` / a FIFO read while the capture is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { main, type CliIO } from '../src/cli/main.ts';
import { pcapFile } from './_capture-builder.ts';
import { REQUEST, RESPONSE, closeFromClient, enc, hello, packets } from './_ws-capture.ts';
import { cli } from './_cli.ts';

const folder = mkdtempSync(join(tmpdir(), 'wsframe-exit-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function captureFile(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

const conversation = (segments: Parameters<typeof packets>[1], port = 9001) =>
  packets({ client: ['10.0.0.1', 50000 + port], server: ['10.0.0.2', port] }, segments);
const validCapture = () => pcapFile(conversation([['c', REQUEST], ['s', RESPONSE], ['c', hello], ['c', closeFromClient]]), { linkType: 1 });

describe('exit statuses', () => {
  it('pcap: 0 for valid WebSocket traffic, 1 for a violation or a gap, 2 for none, not a capture or a usage mistake', async () => {
    expect((await cli(['pcap', captureFile('valid.pcap', validCapture())])).code).toBe(0);
    const violation = pcapFile(conversation([['c', REQUEST], ['s', RESPONSE], ['c', new Uint8Array([0x83, 0x80, 0, 0, 0, 0])]]), { linkType: 1 });
    expect((await cli(['pcap', captureFile('violation.pcap', violation)])).code).toBe(1);
    const gap = pcapFile(conversation([['c', REQUEST], ['s', RESPONSE], ['c', hello.subarray(0, 3)], ['c', hello.subarray(6), { at: REQUEST.length + 6 }]]), { linkType: 1 });
    expect((await cli(['pcap', captureFile('gap.pcap', gap)])).code).toBe(1);
    const plainHttp = pcapFile(conversation([['c', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'], ['s', 'HTTP/1.1 200 OK\r\n\r\n']], 80), { linkType: 1 });
    const none = await cli(['pcap', captureFile('http.pcap', plainHttp)]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('wsframe: no WebSocket connection in the capture\n');
    expect((await cli(['pcap', captureFile('valid.pcap', validCapture()), '--stream', '7'])).code).toBe(2);
    expect((await cli(['pcap'])).code).toBe(2);
    expect((await cli(['pcap', join(folder, 'missing.pcap')])).code).toBe(2);
  });

  it('decode: 0 for valid frames, 1 for a violation or a stream cut inside a frame, 2 for no bytes or bad input', async () => {
    expect((await cli(['decode', '-'], { stdin: '8100' })).code).toBe(0);
    expect((await cli(['decode', '-'], { stdin: '8300' })).code).toBe(1);
    expect((await cli(['decode', '-'], { stdin: '8105' })).code).toBe(1);
    expect(await cli(['decode', '-'], { stdin: '' })).toMatchObject({ code: 2, stderr: 'wsframe: no bytes to decode\n' });
    expect((await cli(['decode', '-'], { stdin: '81 0g' })).code).toBe(2);
    expect((await cli(['decode', '/nonexistent/frames.bin'])).code).toBe(2);
  });

  it('explain: 0 for valid frames, 1 for an invalid or incomplete one, 2 for no bytes or bad input', async () => {
    expect((await cli(['explain', '8100'])).code).toBe(0);
    expect((await cli(['explain', '8300'])).code).toBe(1);
    expect((await cli(['explain', '81'])).code).toBe(1);
    expect((await cli(['explain', '--file', '-'], { stdin: '' })).code).toBe(2);
    expect((await cli(['explain', 'zz', '--input', 'hex'])).code).toBe(2);
  });

  it('encode, accept and help: 0 when printed, 2 for a usage mistake', async () => {
    expect((await cli(['encode', '--opcode', 'text'])).code).toBe(0);
    expect((await cli(['encode', '--opcode', '3'])).code).toBe(2);
    expect((await cli(['accept', 'dGhlIHNhbXBsZSBub25jZQ=='])).code).toBe(0);
    expect((await cli(['accept'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli([])).code).toBe(2);
  });

  it('documents the exit statuses in every command\'s help', async () => {
    for (const command of ['explain', 'decode', 'pcap', 'encode', 'accept']) {
      expect((await cli([command, '--help'])).stdout).toMatch(/Exit status: 0 .*, 2 /s);
    }
    expect((await cli(['--help'])).stdout).toContain('Exit status:\n  0  WebSocket data found, and all of it valid\n  1  violations found');
  });
});

describe('encode refuses what RFC 6455 forbids a sender unless --unsafe', () => {
  // Regression: each of these printed a frame (880203ed, 880103, 8000) without --unsafe.
  it('refuses close code 1005, which only an API reports', async () => {
    expect(await cli(['encode', '--opcode', 'close', '--close-code', '1005'])).toEqual({
      code: 2, stdout: '', stderr: 'wsframe: Cannot encode frame: close code 1005 may not be sent in a close frame (RFC 6455 §7.4) (use --unsafe to build it anyway)\n',
    });
    expect((await cli(['encode', '--opcode', 'close', '--close-code', '1005', '--unsafe'])).stdout).toBe('880203ed\n');
  });

  it('refuses a one-byte close payload', async () => {
    expect(await cli(['encode', '--opcode', 'close', '--payload-hex', '03'])).toEqual({
      code: 2, stdout: '', stderr: 'wsframe: Cannot encode frame: a close payload of 1 byte is half a status code (RFC 6455 §5.5.1) (use --unsafe to build it anyway)\n',
    });
    expect((await cli(['encode', '--opcode', 'close', '--payload-hex', '03', '--unsafe'])).stdout).toBe('880103\n');
  });

  it('refuses an empty opcode, even with --unsafe', async () => {
    for (const opcode of ['', ' ', '1e1', '0b1', '16']) {
      expect(await cli(['encode', '--opcode', opcode, '--unsafe'])).toEqual({
        code: 2, stdout: '', stderr: `wsframe: --opcode '${opcode}' is not a name or a number from 0 to 15\n`,
      });
    }
    expect((await cli(['encode', '--opcode', '0x9'])).stdout).toBe('8900\n');
  });

  it('refuses a close reason that is not UTF-8 and --close-code on another opcode', async () => {
    const notUtf8 = await cli(['encode', '--opcode', 'close', '--payload-hex', '03e8ff']);
    expect(notUtf8.code).toBe(2);
    expect(notUtf8.stderr).toMatch(/^wsframe: Cannot encode frame: .*UTF-8.* \(use --unsafe to build it anyway\)\n$/);
    expect((await cli(['encode', '--opcode', 'text', '--close-code', '1000'])).code).toBe(2);
    expect((await cli(['encode', '--opcode', 'text', '--close-code', '1000', '--unsafe'])).stdout).toBe('810203e8\n');
    expect((await cli(['encode', '--opcode', 'close', '--close-code', '4000', '--payload', 'ok'])).stdout).toBe('88040fa06f6b\n');
    expect((await cli(['encode', '--opcode', 'close'])).stdout).toBe('8800\n');
  });
});

/** A CliIO whose input arrives chunk by chunk and whose output writes are recorded. */
function streamingIO(chunks: Uint8Array[], stdinText?: string) {
  const writes: { length: number; chunksRead: number }[] = [];
  let chunksRead = 0;
  let tail = '';
  const io: CliIO = {
    stdout: {
      write: (text: string) => {
        writes.push({ length: text.length, chunksRead });
        tail = (tail + text).slice(-2000);
        return true;
      },
    },
    stderr: { write: () => true },
    env: {},
    readStdin: () => enc(stdinText ?? ''),
    readFile: () => { throw new Error('not used'); },
    openFile: () => ({
      size: 0,
      chunks: (async function* () {
        for (const chunk of chunks) {
          chunksRead++;
          yield chunk;
        }
      })(),
    }),
  };
  return { io, writes, tail: () => tail };
}

describe('output is streamed in blocks, not built as one string', () => {
  it('decode --format ndjson: 1 MiB of empty pings is written while it is read, in blocks of about 64 KiB', async () => {
    // Regression: 4 MiB of empty pings took 37 s and 1.95 GB, then RangeError: Invalid string length.
    const pings = new Uint8Array(1024 * 1024);
    for (let i = 0; i < pings.length; i += 2) pings[i] = 0x89;
    const chunks = Array.from({ length: 16 }, (_, i) => pings.subarray(i * 65536, (i + 1) * 65536));
    const { io, writes, tail } = streamingIO(chunks);
    expect(await main(['decode', '-', '--input', 'raw', '--format', 'ndjson'], io)).toBe(0);
    expect(writes[0].chunksRead).toBeLessThan(4);
    // A block is written once it holds 64 KiB: at most 64 KiB and one record.
    expect(Math.max(...writes.map((write) => write.length))).toBeLessThan(65 * 1024);
    expect(tail()).toMatch(/"kind":"ping","length":0,"base64":"","compressed":false\}\n$/);
  }, 60_000);

  it('explain: 256 KiB of zeros (131072 frames) is written a block at a time', async () => {
    // Regression: 4 MiB of zeros took 171 s and 4.5 GB, then RangeError: Invalid string length.
    const { io, writes, tail } = streamingIO([]);
    io.readFile = () => new Uint8Array(256 * 1024);
    expect(await main(['explain', '--file', 'zeros.bin', '--input', 'raw'], io)).toBe(1);
    expect(writes.length).toBeGreaterThan(100);
    expect(Math.max(...writes.map((write) => write.length))).toBeLessThan(64 * 1024 + 2000);
    expect(tail()).toContain('Frame 131072 at byte 262142: continuation, FIN clear, unmasked, 0-byte payload');
  }, 60_000);

  it('decode shows the frames of each read before the next one when --input is given', async () => {
    const chunks = ['8100\n', '8102\n', '6869\n', '8900\n'].map((hex) => enc(hex));
    const { io, writes, tail } = streamingIO(chunks);
    expect(await main(['decode', '-', '--input', 'hex', '--format', 'ndjson'], io)).toBe(0);
    expect(writes.filter((write) => write.length > 0).map((write) => write.chunksRead)).toEqual([1, 3, 4]);
    expect(tail()).toContain('"text":"hi"');
  });

  it('decode --format json streams an array identical to JSON.stringify of all records', async () => {
    const frames = enc('81054865 6c6c6f 8900 88020 3e8');
    const whole = await cli(['decode', '-', '--format', 'json'], { stdin: new TextDecoder().decode(frames) });
    const records = JSON.parse(whole.stdout);
    expect(whole.stdout).toBe(`${JSON.stringify(records, null, 2)}\n`);
    expect(records.map((record: { type: string }) => record.type)).toEqual(['frame', 'message', 'frame', 'message', 'frame', 'message']);
    expect((await cli(['decode', '-', '--format', 'json'], { stdin: '81' })).stdout).toBe(`${JSON.stringify([{ type: 'error', closeCode: 1006, code: 'TRUNCATED', message: 'The stream ends inside the header of a frame that started at byte 0', offset: 0 }], null, 2)}\n`);
  });

  it('decode reads hex split anywhere across reads, 0x prefixes and separators included', async () => {
    const text = '0x81 0x05 48:65:6c:6c:6f 0x89 0x00';
    for (let cut = 0; cut <= text.length; cut++) {
      const { io, tail } = streamingIO([enc(text.slice(0, cut)), enc(text.slice(cut))]);
      expect(await main(['decode', '-', '--input', 'hex', '--format', 'ndjson'], io)).toBe(0);
      expect(tail()).toContain('"text":"Hello"');
      expect(tail()).toContain('"kind":"ping"');
    }
  });
});

describe('the wsframe process in a pipeline', () => {
  let bin: string;
  beforeAll(async () => {
    bin = join(folder, 'wsframe.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url))],
      bundle: true, platform: 'node', format: 'esm', outfile: bin, logLevel: 'warning',
    });
  });

  it('ends quietly with status 0 when standard output is closed (wsframe pcap x | head -1)', async () => {
    // Regression: Error: write EPIPE … Unhandled 'error' event, exit 1.
    const segments: Parameters<typeof packets>[1] = [['c', REQUEST], ['s', RESPONSE]];
    for (let i = 0; i < 20_000; i++) segments.push(['c', hello]);
    const path = captureFile('many.pcap', pcapFile(conversation(segments), { linkType: 1 }));
    const shell = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" pcap "${path}" | head -1`], { encoding: 'utf8' });
    const child = spawn(process.execPath, [bin, 'pcap', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data) => (stderr += data));
    const firstLine = await new Promise<string>((resolve) => {
      child.stdout.once('data', (data: Buffer) => {
        child.stdout.destroy();
        resolve(data.toString().split('\n')[0]);
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(firstLine).toMatch(/^stream 0: 10\.0\.0\.1:59001 -> 10\.0\.0\.2:9001 GET \/chat\?room=1 -> 101/);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(shell.stdout).toMatch(/^stream 0: [^\n]*\n$/);
    expect(shell.stderr).toBe('');
  }, 60_000);

  it('writes the same bytes to a file as to a pipe, and ends with status 2 on a full disk (/dev/full)', () => {
    const capture = captureFile('file-output.pcap', validCapture());
    const piped = spawnSync(process.execPath, [bin, 'pcap', capture, '--format', 'json'], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toContain('"text": "Hello"');
    const out = join(folder, 'out.json');
    const file = openSync(out, 'w');
    const toFile = spawnSync(process.execPath, [bin, 'pcap', capture, '--format', 'json'], { stdio: ['ignore', file, 'pipe'], encoding: 'utf8' });
    closeSync(file);
    expect([toFile.status, toFile.stderr]).toEqual([0, '']);
    expect(readFileSync(out, 'utf8')).toBe(piped.stdout);
    if (!existsSync('/dev/full')) return;
    const full = openSync('/dev/full', 'w');
    const toFull = spawnSync(process.execPath, [bin, 'pcap', capture, '--format', 'json'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    closeSync(full);
    expect(toFull.status).toBe(2);
    expect(toFull.stderr).toMatch(/^wsframe: cannot write the output: ENOSPC/);
  });

  it('reads a capture from standard input with pcap -', () => {
    const result = spawnSync(process.execPath, [bin, 'pcap', '-', '--messages-only'], { input: validCapture(), encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('#0 client-> message text 5 bytes "Hello"');
  });

  it('reads a file given as standard input (pcap - < file) as it reads the file by name', () => {
    const capture = captureFile('stdin-file.pcap', validCapture());
    const byName = spawnSync(process.execPath, [bin, 'pcap', capture, '--format', 'ndjson'], { encoding: 'utf8' });
    const input = openSync(capture, 'r');
    const asInput = spawnSync(process.execPath, [bin, 'pcap', '-', '--format', 'ndjson'], { stdio: [input, 'pipe', 'pipe'], encoding: 'utf8' });
    closeSync(input);
    expect([asInput.status, asInput.stderr]).toEqual([0, '']);
    expect(asInput.stdout).toBe(byName.stdout);
    expect(asInput.stdout).toContain('"text":"Hello"');
  });

  it('reads a FIFO as it is written and prints each message as soon as its packet is read', async () => {
    const fifo = join(folder, 'live.fifo');
    spawnSync('mkfifo', [fifo]);
    const whole = validCapture();
    const records = conversation([['c', REQUEST], ['s', RESPONSE], ['c', hello], ['c', closeFromClient]]);
    // Everything up to and including the packet with "Hello", then (later) the rest.
    const upToHello = pcapFile(records.slice(0, 5), { linkType: 1 }).length;
    const child = spawn(process.execPath, [bin, 'pcap', fifo, '--format', 'ndjson', '--messages-only'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const sawHello = new Promise<void>((resolve) => {
      child.stdout.on('data', (data) => {
        stdout += data;
        if (stdout.includes('"text":"Hello"')) resolve();
      });
    });
    const writer = openSync(fifo, 'w');
    writeSync(writer, whole.subarray(0, upToHello));
    await sawHello; // the writer is still open: the message was printed while the capture is live
    expect(stdout).not.toContain('"kind":"close"');
    writeSync(writer, whole.subarray(upToHello));
    closeSync(writer);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).kind ?? JSON.parse(line).type)).toEqual(['connection', 'text', 'close']);
  }, 30_000);
});
