/**
 * The CLI's commands, driven in-process through `run` with captured output. Golden files live in
 * test/golden/; regenerate them with `UPDATE_GOLDEN=1 npx vitest run test/cli.node.test.ts` and review
 * the diff. Node-only: the CLI is a Node program by nature.
 */
import { expect, it } from 'vitest';
import { describeNode, importNode, isNode } from './_runtime.ts';
import { cli } from './_cli.ts';

const fs = isNode ? await importNode<typeof import('node:fs')>('node:fs') : undefined;

function golden(name: string, actual: string): void {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') fs!.writeFileSync(file, actual);
  expect(actual).toBe(fs!.readFileSync(file, 'utf8'));
}

describeNode('wsframe explain', () => {
  it('explains the RFC 6455 §5.7 examples when given no input', async () => {
    const { code, stdout } = (await cli(['explain']));
    expect(code).toBe(0);
    golden('explain-rfc.txt', stdout);
  });

  it('explains a masked close frame with a code and a reason', async () => {
    const { code, stdout } = (await cli(['explain', '88 85 37 fa 21 3d 34 12 43 44 52']));
    expect(stdout).toContain('status code 1000: Normal Closure');
    expect(code).toBe(0);
    golden('explain-close.txt', stdout);
  });

  it('gives the close code, stable code and RFC section of a violation and exits 1', async () => {
    const { code, stdout } = (await cli(['explain', '8800', '--role', 'server']));
    expect(code).toBe(1);
    expect(stdout).toContain('verdict: invalid: Cannot decode frame: a client-to-server frame must be masked');
    expect(stdout).toContain('close code 1002, MASK_REQUIRED, RFC 6455 §5.1');
  });

  it('explains a 64-bit length with the top bit set and stops there', async () => {
    const { code, stdout } = (await cli(['explain', '827f8000000000000000', '0102']));
    expect(code).toBe(1);
    golden('explain-msb.txt', stdout);
  });

  it('flags a continuation with nothing to continue and invalid UTF-8 across fragments', async () => {
    const { stdout } = (await cli(['explain', '80 00']));
    expect(stdout).toContain('close code 1002, UNEXPECTED_CONTINUATION, RFC 6455 §5.4');
    const split = (await cli(['explain', '01 01 e2 80 02 82 ac']));
    expect(split.code).toBe(0);
    expect(split.stdout).toContain('"€"');
    expect(split.stdout).toContain('(+1 bytes of a character continued in the next fragment)');
    const bad = (await cli(['explain', '01 01 e2 80 01 41']));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('close code 1007, INVALID_UTF8, RFC 6455 §8.1');
  });

  it('reads base64, and hex from a file or standard input', async () => {
    const fromBase64 = (await cli(['explain', 'iQVIZWxsbw==', '--input', 'base64']));
    expect(fromBase64.stdout).toContain('ping, unmasked, 5-byte payload');
    const fromStdin = (await cli(['explain', '--file', '-'], { stdin: '0x89 0x00\n' }));
    expect(fromStdin.stdout).toContain('ping, unmasked, 0-byte payload');
  });

  it('colours the output on a TTY and not with NO_COLOR', async () => {
    expect((await cli(['explain', '8100'], { tty: true })).stdout).toContain('\u001b[32mverdict: valid');
    expect((await cli(['explain', '8100'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await cli(['explain', '8100'])).stdout).not.toContain('\u001b[');
  });

  it('reports bad hex, an unreadable file and a truncated header clearly', async () => {
    expect((await cli(['explain', '81 0g']))).toMatchObject({ code: 2, stderr: "wsframe: Cannot read hex input: 'g' at digit 4 is not a hex digit\n" });
    expect((await cli(['explain', '810']))).toMatchObject({ code: 2, stderr: 'wsframe: Cannot read hex input: odd number of hex digits (3)\n' });
    const missing = (await cli(['explain', '--file', '/nonexistent/capture.hex']));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^wsframe: cannot read \/nonexistent\/capture.hex/);
    const cut = (await cli(['explain', '81']));
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('verdict: incomplete: the header needs at least 2 bytes, 1 left');
  });
});

describeNode('wsframe decode', () => {
  it('inflates permessage-deflate messages given the negotiated extensions (RFC 7692 §7.2.3.2 bytes)', async () => {
    // "Hello" compressed, then "Hello" again sharing the LZ77 window (context takeover).
    const wire = 'c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00';
    const { code, stdout } = await cli(['decode', '-', '--role', 'client', '--extensions', 'permessage-deflate', '--format', 'ndjson'], { stdin: wire });
    expect(code).toBe(0);
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((r) => r.type === 'message');
    expect(messages).toEqual([
      { type: 'message', kind: 'text', length: 5, text: 'Hello', compressed: true },
      { type: 'message', kind: 'text', length: 5, text: 'Hello', compressed: true },
    ]);
  });

  it('without the extension, the same bytes fail with 1002 RESERVED_BITS', async () => {
    const { code, stdout } = await cli(['decode', '-', '--role', 'client'], { stdin: 'c1 07 f2 48 cd c9 c9 07 00' });
    expect(code).toBe(1);
    expect(stdout).toContain('1002 RESERVED_BITS');
  });

  it('refuses an extensions value it cannot decode', async () => {
    expect(await cli(['decode', '-', '--extensions', 'x-unknown'], { stdin: '8100' })).toMatchObject({
      code: 2, stderr: "wsframe: --extensions 'x-unknown' negotiates no extension wsframe can decode\n",
    });
  });
});

describeNode('wsframe encode', () => {
  it('builds the RFC 6455 §5.7 masked "Hello"', async () => {
    expect((await cli(['encode', '--opcode', 'text', '--payload', 'Hello', '--mask', '37fa213d']))).toEqual({ code: 0, stdout: '818537fa213d7f9f4d5158\n', stderr: '' });
  });

  it('builds a close frame with a code and a reason, and a fragment with RSV1', async () => {
    expect((await cli(['encode', '--opcode', 'close', '--close-code', '1000', '--payload', 'bye'])).stdout).toBe('880503e8627965\n');
    expect((await cli(['encode', '--opcode', 'binary', '--payload-hex', '0102', '--no-fin', '--rsv1'])).stdout).toBe('42020102\n');
  });

  it('masks with a random key when asked', async () => {
    const out = (await cli(['encode', '--opcode', 'ping', '--mask', 'random'])).stdout;
    expect(out).toMatch(/^8980[0-9a-f]{8}\n$/);
  });

  it('refuses what RFC 6455 forbids unless --unsafe', async () => {
    expect((await cli(['encode', '--opcode', '3']))).toMatchObject({ code: 2, stderr: 'wsframe: Cannot encode frame: opcode 0x3 is reserved (use --unsafe to build it anyway)\n' });
    expect((await cli(['encode', '--opcode', 'ping', '--payload-hex', '00'.repeat(126)])).code).toBe(2);
    expect((await cli(['encode', '--opcode', '3', '--unsafe'])).stdout).toBe('8300\n');
    expect((await cli(['encode', '--opcode', 'close', '--no-fin', '--unsafe', '--mask', '01020304', '--payload-hex', 'ffff'])).stdout).toBe('088201020304fefd\n');
  });

  it('reports a bad opcode and a bad mask', async () => {
    expect((await cli(['encode', '--opcode', 'hello']))).toMatchObject({ code: 2, stderr: "wsframe: --opcode 'hello' is not a name or a number from 0 to 15\n" });
    expect((await cli(['encode', '--opcode', 'text', '--mask', '0102']))).toMatchObject({ code: 2, stderr: 'wsframe: --mask needs 8 hex digits (4 bytes), got 2 bytes\n' });
    expect((await cli(['encode']))).toMatchObject({ code: 2 });
  });
});

describeNode('wsframe accept and help', () => {
  it('computes the RFC 6455 §1.3 accept value', async () => {
    expect((await cli(['accept', 'dGhlIHNhbXBsZSBub25jZQ==']))).toEqual({ code: 0, stdout: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n', stderr: '' });
  });

  it('prints help with examples for every command, and fails on an unknown one', async () => {
    for (const command of ['explain', 'encode', 'accept']) {
      const { code, stdout } = (await cli([command, '--help']));
      expect(code).toBe(0);
      expect(stdout).toContain('Example');
    }
    expect((await cli(['--help'])).stdout).toContain('Commands:');
    expect((await cli(['frobnicate']))).toMatchObject({ code: 2, stderr: "wsframe: unknown command 'frobnicate'. Run 'wsframe --help'.\n" });
  });
});
