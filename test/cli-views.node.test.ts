/**
 * Output size and the learner's views: `--max-payload` (payloads cut, lengths whole),
 * `explain --extensions` (RSV1 allowed, the inflated payload shown), `explain --xor` (masking
 * byte by byte) and `accept --explain` (every step of the accept value).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, encodeMessage } from '../src/index.ts';
import { toHex } from '../src/capture/bytes.ts';
import { pcapFile } from './_capture-builder.ts';
import { REQUEST, RESPONSE, enc, packets } from './_ws-capture.ts';
import { cli } from './_cli.ts';

const folder = mkdtempSync(join(tmpdir(), 'wsframe-views-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const ndjson = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line));

describe('--max-payload', () => {
  it('decode: a 1 MiB message is no longer a 1.4 MB line; the lengths stay whole', async () => {
    const message = encodeFrame({ opcode: 2, payload: new Uint8Array(1024 * 1024).fill(0xab) });
    const { code, stdout } = await cli(['decode', '-', '--input', 'hex', '--format', 'ndjson', '--max-payload', '4'], { stdin: toHex(message, '') });
    expect(code).toBe(0);
    expect(stdout.length).toBeLessThan(1000);
    const [frame, record] = ndjson(stdout);
    expect(frame).toMatchObject({ 'websocket.payload_length': 1048576, 'websocket.payload': 'abababab', payload_truncated: true });
    expect(record).toEqual({ type: 'message', kind: 'binary', length: 1048576, base64: 'q6urqw==', truncated: true, compressed: false });
  });

  it('cuts text between characters, never inside one', async () => {
    const frame = toHex(encodeFrame({ opcode: 1, payload: enc('hé€llo') }), '');
    const cut = async (max: number) => ndjson((await cli(['decode', '-', '--format', 'ndjson', '--max-payload', String(max)], { stdin: frame })).stdout)[1];
    expect(await cut(2)).toEqual({ type: 'message', kind: 'text', length: 9, text: 'h', compressed: false, truncated: true });
    expect(await cut(3)).toMatchObject({ text: 'hé', truncated: true });
    expect(await cut(6)).toMatchObject({ text: 'hé€', truncated: true });
    expect(await cut(9)).toEqual({ type: 'message', kind: 'text', length: 9, text: 'hé€llo', compressed: false });
  });

  it('pcap: payloads cut in frames and messages of both directions', async () => {
    const big = encodeMessage(new Uint8Array(50_000).fill(0x41), { mask: true });
    const path = join(folder, 'big.pcap');
    writeFileSync(path, pcapFile(packets({ client: ['10.0.0.1', 4000], server: ['10.0.0.2', 80] }, [
      ['c', REQUEST], ['s', RESPONSE], ['c', big], ['s', encodeFrame({ opcode: 1, payload: enc('x'.repeat(300)) })],
    ]), { linkType: 1 }));
    const { code, stdout } = await cli(['pcap', path, '--format', 'ndjson', '--max-payload', '3']);
    expect(code).toBe(0);
    const messages = ndjson(stdout).filter((record) => record.type === 'message');
    expect(messages).toMatchObject([
      { from: 'client', kind: 'binary', length: 50_000, base64: 'QUFB', truncated: true },
      { from: 'server', kind: 'text', length: 300, text: 'xxx', truncated: true },
    ]);
    expect((await cli(['pcap', path, '--max-payload', 'lots'])).stderr).toBe("wsframe: --max-payload 'lots' is not a byte count\n");
  });
});

describe('explain --extensions', () => {
  it('allows RSV1 and shows the inflated payload of c107f248cdc9c90700 (RFC 7692 §7.2.3.1)', async () => {
    // Regression: explain called RSV1 invalid, and --extensions was an unknown option.
    const plain = await cli(['explain', 'c107f248cdc9c90700']);
    expect(plain.code).toBe(1);
    const { code, stdout } = await cli(['explain', 'c107f248cdc9c90700', '--extensions', 'permessage-deflate']);
    expect(code).toBe(0);
    expect(stdout).toContain('RSV1 1: set (permessage-deflate uses it for a compressed message)');
    expect(stdout).toContain('payload inflated (permessage-deflate): 5 bytes');
    expect(stdout).toContain('"Hello"');
    expect(stdout).toContain('verdict: valid');
  });

  it('inflates a second message with the shared window, and says when inflating fails', async () => {
    const both = await cli(['explain', 'c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00', '--extensions', 'permessage-deflate', '--role', 'server']);
    expect(both.code).toBe(1); // unmasked frames read as a server's input: MASK_REQUIRED
    const asClient = await cli(['explain', 'c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00', '--extensions', 'permessage-deflate', '--role', 'client']);
    expect(asClient.code).toBe(0);
    expect(asClient.stdout.match(/"Hello"/g)).toHaveLength(2);
    const broken = await cli(['explain', 'c1 02 ff ff', '--extensions', 'permessage-deflate']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/verdict: invalid: .*\n {2}close code 1007/);
  });

  it('inflates a message compressed across fragments, and refuses RSV1 on a continuation frame', async () => {
    const fragmented = await cli(['explain', '41 03 f2 48 cd 80 04 c9 c9 07 00', '--extensions', 'permessage-deflate']);
    expect(fragmented.code).toBe(0);
    expect(fragmented.stdout).toMatch(/Frame 2 [^]*payload inflated \(permessage-deflate\): 5 bytes\n {4}"Hello"\n {2}verdict: valid/);
    const rsv1Continuation = await cli(['explain', '41 03 f2 48 cd c0 04 c9 c9 07 00', '--extensions', 'permessage-deflate']);
    expect(rsv1Continuation.code).toBe(1);
    expect(rsv1Continuation.stdout).toContain('close code 1002, RSV1_ON_CONTINUATION, RFC 7692 §6.1');
  });

  it('refuses an extension it cannot explain', async () => {
    expect(await cli(['explain', '8100', '--extensions', 'x-unknown'])).toMatchObject({
      code: 2, stderr: "wsframe: --extensions 'x-unknown' negotiates no extension wsframe can decode\n",
    });
  });
});

describe('explain --xor', () => {
  it('shows each payload byte, its key byte and the result (RFC 6455 §5.7 masked "Hello")', async () => {
    const { code, stdout } = await cli(['explain', '818537fa213d7f9f4d5158', '--xor']);
    expect(code).toBe(0);
    expect(stdout).toContain([
      '  masking, byte by byte (payload byte i XOR key byte i mod 4)',
      '    i  sent         key          unmasked',
      '    0  7f 01111111  37 00110111  48 01001000  H',
      '    1  9f 10011111  fa 11111010  65 01100101  e',
      '    2  4d 01001101  21 00100001  6c 01101100  l',
      '    3  51 01010001  3d 00111101  6c 01101100  l',
      '    4  58 01011000  37 00110111  6f 01101111  o',
    ].join('\n'));
    expect((await cli(['explain', '8100', '--xor'])).stdout).not.toContain('byte by byte');
  });
});

describe('accept --explain', () => {
  it('shows every step of the RFC 6455 §1.3 example', async () => {
    const { code, stdout } = await cli(['accept', '--explain', 'dGhlIHNhbXBsZSBub25jZQ==']);
    expect(code).toBe(0);
    expect(stdout).toBe([
      'Sec-WebSocket-Key      dGhlIHNhbXBsZSBub25jZQ== (16 bytes in base64: 74 68 65 20 73 61 6d 70 6c 65 20 6e 6f 6e 63 65)',
      '+ GUID (RFC 6455 §1.3) 258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
      '= concatenated         dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
      'SHA-1 of its bytes     b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea',
      'base64 of the SHA-1    s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      '',
    ].join('\n'));
  });

  it('warns when the key is not 16 bytes of base64, as a server must refuse it', async () => {
    const { code, stdout } = await cli(['accept', '--explain', 'short']);
    expect(code).toBe(0);
    expect(stdout).toContain('not 16 bytes of base64: a server must refuse it (RFC 6455 §4.2.1)');
  });
});
