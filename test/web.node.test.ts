/**
 * The learner's page (web/), in real Chromium: built by `npm run web` into one HTML file, loaded
 * from disk (file://) under the strict Content-Security-Policy the build writes into it. Each
 * panel is used as a learner would (paste, click, drop a capture) and compared with the CLI: the
 * page and `wsframe explain` must show the same fields and verdicts for the RFC 6455 §5.7
 * examples, and the capture viewer the same messages as `wsframe pcap`'s analysis. Screenshots of
 * every panel go to test-results/web/ (git-ignored), to be looked at.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { RFC_EXAMPLES } from '../src/capture/examples.ts';
import type { PcapRecord } from '../src/capture/websocket.ts';
import { analyzeCapture } from '../src/cli/pcap.ts';
import { ACK, FIN, SYN, ethernet, ip, pcapFile, tcp, type PacketRecord, type SegmentInit } from './_capture-builder.ts';
import { cli } from './_cli.ts';
import { CHROMIUM, requirePeer } from './_peers.ts';

const withChromium = requirePeer('chromium');
const root = fileURLToPath(new URL('..', import.meta.url));
const shots = `${root}test-results/web/`;
const FIXTURES = ['websocket-echo-python-deflate.pcapng', 'websocket-echo-python-plain.pcapng'];

/**
 * A pcap of one WebSocket connection whose server sends `count` binary frames of 1400 bytes, one
 * per packet (8000 frames: 11.8 MB).
 */
function bigCapture(count: number): Uint8Array {
  const client = { src: '10.0.0.1', srcPort: 50000, dst: '10.0.0.2', dstPort: 80 };
  const server = { src: '10.0.0.2', srcPort: 80, dst: '10.0.0.1', dstPort: 50000 };
  const request = 'GET /big HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const response = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
  const frame = new Uint8Array(4 + 1400);
  frame.set([0x82, 126, 1400 >> 8, 1400 & 0xff]);
  let clientSeq = 1000;
  let serverSeq = 5000;
  const records: PacketRecord[] = [];
  const add = (init: SegmentInit) => records.push({ seconds: 1_700_000_000 + records.length, data: ethernet(ip(init)) });
  add({ ...client, seq: clientSeq++, flags: SYN });
  add({ ...server, seq: serverSeq++, ack: clientSeq, flags: SYN | ACK });
  add({ ...client, seq: clientSeq, ack: serverSeq, payload: request });
  clientSeq += request.length;
  add({ ...server, seq: serverSeq, ack: clientSeq, payload: response });
  serverSeq += response.length;
  for (let i = 0; i < count; i++) {
    add({ ...server, seq: serverSeq, ack: clientSeq, payload: frame });
    serverSeq += frame.length;
  }
  add({ ...server, seq: serverSeq, ack: clientSeq, flags: FIN | ACK });
  add({ ...client, seq: clientSeq, ack: serverSeq + 1, flags: FIN | ACK });
  return pcapFile(records, { linkType: 1 });
}

let browser: Browser | undefined;
let htmlPath = '';
let page: Page;
const problems: string[] = [];

/** The fields, summary and verdict of each frame the page shows in a container. */
async function shownFrames(page: Page, container: string): Promise<{ title: string; fields: string[]; verdict: string; text: string[] }[]> {
  return page.$$eval(`${container} .frame`, (frames) => frames.map((frame) => ({
    title: frame.querySelector('h3')!.textContent!,
    fields: [...frame.querySelectorAll('.fields button.field')].map((field) =>
      `${field.querySelector('.fname')!.textContent}${field.querySelector('.fdetail')!.textContent}`),
    verdict: (frame.querySelector('.verdict') as HTMLElement).innerText,
    text: [...frame.querySelectorAll('.text')].map((text) => (text as HTMLElement).innerText),
  })));
}

/** The same, from `wsframe explain`'s text. */
function cliFrames(text: string): { title: string; fields: string[]; verdict: string }[] {
  const frames: { title: string; fields: string[]; verdict: string }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('Frame ')) frames.push({ title: line, fields: [], verdict: '' });
    const frame = frames.at(-1);
    if (frame === undefined) continue;
    const tree = /[└]─+ (.*)$/.exec(line);
    const bytes = /^ {2}bytes \d+-\d+ {2}[0-9a-f ]+? {2}(.*)$/.exec(line);
    if (tree !== null) frame.fields.push(tree[1]);
    else if (bytes !== null) frame.fields.push(bytes[1]);
    else if (line.startsWith('  verdict: ')) frame.verdict = line.trim();
    else if (line.startsWith('  close code ')) frame.verdict += `\n${line.trim()}`;
  }
  return frames;
}

withChromium.describe('the learner\'s page', () => {
  beforeAll(async () => {
    const build = spawnSync(process.execPath, [`${root}web/build.mjs`], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    htmlPath = build.stdout.trimEnd().split('\n').at(-1)!;
    mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Every CSP violation the page causes, read at the end (an init script runs outside the page's CSP).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { violations: string[] }).violations = seen;
      document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.effectiveDirective} ${event.blockedURI}`));
    });
    await page.goto(pathToFileURL(htmlPath).href);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  withChromium.it('npm run web prints the absolute path of one self-contained HTML file with a strict CSP', () => {
    expect(isAbsolute(htmlPath)).toBe(true);
    const html = readFileSync(htmlPath, 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+='; style-src 'sha256-[A-Za-z0-9+/]+=';/);
    // Self-contained: no external script, style, font or image.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+rel="stylesheet"|url\(|@import|https?:\/\/(?!example\.com|server\.example\.com|no-color)/);
  });

  withChromium.it('the CSP is enforced: an injected inline script does not run, and the page itself reports no violation', async () => {
    const report = await page.evaluate(() => new Promise<{ ran: boolean; directive: string }>((resolve) => {
      document.addEventListener('securitypolicyviolation', (event) => {
        resolve({ ran: (window as unknown as { injected?: boolean }).injected === true, directive: event.effectiveDirective });
      }, { once: true });
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    }));
    expect(report).toEqual({ ran: false, directive: 'script-src-elem' });
    // Chromium's report of the refused script is the one expected console error.
    const expected = (problem: string) => problem.startsWith('console error: Executing inline script violates');
    expect(problems.filter(expected).length).toBe(1);
    problems.splice(0, problems.length, ...problems.filter((problem) => !expected(problem)));
    expect(problems).toEqual([]);
    await page.evaluate(() => (window as unknown as { violations: string[] }).violations.splice(0));
  });

  withChromium.it('Explain: each pasted RFC 6455 §5.7 example shows the fields and verdict that wsframe explain prints', async () => {
    await page.click('#tab-explain');
    for (const example of RFC_EXAMPLES) {
      await page.fill('#explain-input', example.hex);
      const shown = await shownFrames(page, '#explain-output');
      const { stdout } = await cli(['explain', example.hex]);
      const expected = cliFrames(stdout);
      expect(shown.length, example.title).toBe(expected.length);
      // The CLI draws byte 0's bits from the right (opcode first); the page lists fields in wire order.
      const sorted = (frames: { title: string; fields: string[]; verdict: string }[]) =>
        frames.map(({ title, fields, verdict }) => ({ title, fields: [...fields].sort(), verdict }));
      expect(sorted(shown)).toEqual(sorted(expected));
      expect(expected.flatMap((frame) => frame.fields).length).toBeGreaterThan(6);
    }
    // What a learner should see, spelled out for two of them.
    await page.fill('#explain-input', '81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const [masked] = await shownFrames(page, '#explain-output');
    expect(masked.title).toBe('Frame 1 at byte 0: text, masked, 5-byte payload');
    expect(masked.fields).toEqual([
      'FIN 1: the final fragment of a message', 'RSV1 0', 'RSV2 0', 'RSV3 0', 'opcode 0x1: text frame: UTF-8 text',
      'MASK 1: the payload is masked (client to server)', 'payload length 5 (7-bit form: lengths 0-125 fit in this field)',
      'masking key: payload byte i is XORed with key byte i mod 4',
    ]);
    expect(masked.text).toEqual(['"Hello"']);
    expect(masked.verdict).toBe('verdict: valid');
    await page.fill('#explain-input', '82 7f 00 00 00 00 00 01 00 00');
    const [big] = await shownFrames(page, '#explain-output');
    expect(big.fields.at(-1)).toBe('64-bit extended payload length 65536');
    expect(big.verdict).toBe('verdict: incomplete: 65536 more payload bytes were announced than given');
  });

  withChromium.it('Explain: the examples menu, base64 input, a violation with its close code, and deflate when negotiated', async () => {
    await page.selectOption('#explain-example', '2');
    expect((await shownFrames(page, '#explain-output')).map((frame) => frame.text.join())).toEqual(['"Hel"', '"lo"']);
    await page.fill('#explain-input', 'iQVIZWxsbw==');
    expect((await shownFrames(page, '#explain-output'))[0].title).toBe('Frame 1 at byte 0: ping, unmasked, 5-byte payload');
    await page.fill('#explain-input', '83 00');
    expect((await shownFrames(page, '#explain-output'))[0].verdict).toBe(
      'verdict: invalid: Cannot decode frame: opcode 0x3 is reserved\nclose code 1002, RESERVED_OPCODE, RFC 6455 §5.2');
    await page.fill('#explain-input', 'c1 07 f2 48 cd c9 c9 07 00');
    expect((await shownFrames(page, '#explain-output'))[0].verdict).toContain('close code 1002, RESERVED_BITS, RFC 6455 §5.2');
    await page.check('#explain-deflate');
    const [inflated] = await shownFrames(page, '#explain-output');
    expect(inflated.verdict).toBe('verdict: valid');
    expect(inflated.text).toEqual(['"Hello"']);
    expect(await page.textContent('#explain-output .payload:last-of-type .plabel')).toBe('payload inflated (permessage-deflate): 5 bytes');
    await page.uncheck('#explain-deflate');
    await page.fill('#explain-input', 'zz');
    expect(await page.textContent('#explain-error')).toContain('Cannot read');
  });

  withChromium.it('Explain: a field lights up its bytes and bits, a byte lights up its fields, by mouse and by keyboard', async () => {
    await page.fill('#explain-input', '81 85 37 fa 21 3d 7f 9f 4d 51 58');
    await page.hover('#explain-output button.field[data-key="opcode"]');
    expect(await page.$$eval('#explain-output .byte.hl', (bytes) => bytes.map((b) => b.getAttribute('data-i')))).toEqual(['0']);
    expect(await page.$$eval('#explain-output .bit.hl', (bits) => bits.length)).toBe(4);
    await page.hover('#explain-output button.field[data-key="maskingKey"]');
    expect(await page.$$eval('#explain-output .byte.hl', (bytes) => bytes.map((b) => b.getAttribute('data-i')))).toEqual(['2', '3', '4', '5']);
    await page.focus('#explain-output .byte[data-i="7"]');
    expect(await page.$$eval('#explain-output button.field.hl .fname', (fields) => fields.map((f) => f.textContent))).toEqual(['payload unmasked']);
    await page.focus('#explain-output .byte[data-i="1"]');
    expect(await page.$$eval('#explain-output button.field.hl .fname', (fields) => fields.map((f) => f.textContent))).toEqual(['MASK', 'payload length']);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-i'))).toBe('2');
    await page.hover('#explain-output button.field[data-key="maskingKey"]');
    await page.screenshot({ path: `${shots}explain.png`, fullPage: true });
    // The README's picture (docs/web-page.png is a copy): the masking key lit in the hex view.
    await page.setViewportSize({ width: 1000, height: 1100 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.hover('#explain-output button.field[data-key="maskingKey"]');
    await page.screenshot({ path: `${shots}readme.png` });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.mouse.move(0, 0);
  });

  withChromium.it('Build: clicking FIN, MASK, a key and a text payload builds the masked text frame; strict peers flag bad choices', async () => {
    await page.click('#tab-build');
    await page.selectOption('#build-opcode', '1');
    await page.click('label[for="build-mask"]');
    await page.fill('#build-key', '37 fa 21 3d');
    await page.click('label[for="build-payload-text"]');
    await page.fill('#build-payload', 'Hello');
    expect(await page.textContent('#build-bytes')).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect((await shownFrames(page, '#build-output'))[0].verdict).toBe('verdict: valid');
    await page.screenshot({ path: `${shots}build.png`, fullPage: true });
    // A server must reject an unmasked client frame.
    await page.click('label[for="build-mask"]');
    expect(await page.textContent('#build-bytes')).toBe('81 05 48 65 6c 6c 6f');
    expect((await shownFrames(page, '#build-output'))[0].verdict).toContain('close code 1002, MASK_REQUIRED, RFC 6455 §5.1');
    await page.selectOption('#build-role', 'client');
    expect((await shownFrames(page, '#build-output'))[0].verdict).toBe('verdict: valid');
    // A fragmented ping, RSV bits without an extension, a reserved opcode.
    await page.selectOption('#build-opcode', '9');
    await page.click('label[for="build-fin"]');
    expect(await page.textContent('#build-bytes')).toBe('09 05 48 65 6c 6c 6f');
    expect((await shownFrames(page, '#build-output'))[0].verdict).toContain('close code 1002, CONTROL_FRAME_FRAGMENTED, RFC 6455 §5.5');
    await page.click('label[for="build-fin"]');
    await page.click('label[for="build-rsv2"]');
    expect((await shownFrames(page, '#build-output'))[0].verdict).toContain('close code 1002, RESERVED_BITS');
    await page.click('label[for="build-rsv2"]');
    await page.selectOption('#build-opcode', '3');
    expect((await shownFrames(page, '#build-output'))[0].verdict).toContain('close code 1002, RESERVED_OPCODE');
    // Hex payloads, a 126-byte ping and a bad masking key.
    await page.selectOption('#build-opcode', '9');
    await page.click('label[for="build-payload-hex"]');
    await page.fill('#build-payload', '00'.repeat(126));
    expect((await page.textContent('#build-bytes'))!.startsWith('89 7e 00 7e 00')).toBe(true);
    expect((await shownFrames(page, '#build-output'))[0].verdict).toContain('close code 1002, CONTROL_PAYLOAD_TOO_LONG, RFC 6455 §5.5');
    await page.click('label[for="build-mask"]');
    await page.fill('#build-key', '37fa21');
    expect(await page.textContent('#build-error')).toBe('A masking key is 4 bytes (8 hex digits), not 3');
  });

  withChromium.it('Mask: the payload, the key and the result byte by byte', async () => {
    await page.click('#tab-mask');
    await page.fill('#mask-payload', 'Hello');
    await page.fill('#mask-key', '37fa213d');
    expect(await page.textContent('#mask-result')).toBe('7f 9f 4d 51 58');
    const rows = await page.$$eval('#mask-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));
    expect(rows[0]).toEqual(['0', '48 01001000', '37 (key[0]) 00110111', '7f 01111111']);
    expect(rows[4]).toEqual(['4', '6f 01101111', '37 (key[0]) 00110111', '58 01011000']);
    await page.screenshot({ path: `${shots}mask.png`, fullPage: true });
  });

  withChromium.it('Handshake: the accept key step by step, and the validators\' verdicts on a request and a response', async () => {
    await page.click('#tab-handshake');
    const steps = await page.$$eval('#hs-steps .stepvalue', (values) => values.map((value) => value.textContent));
    expect(steps).toEqual([
      'dGhlIHNhbXBsZSBub25jZQ==', 'dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11',
      'b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
    ]);
    expect(await page.textContent('#hs-request-result .verdict')).toContain('A valid opening handshake');
    expect(await page.textContent('#hs-response-result .verdict')).toContain('A valid answer');
    await page.screenshot({ path: `${shots}handshake.png`, fullPage: true });
    const response = await page.inputValue('#hs-response');
    await page.fill('#hs-response', response.replace('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    expect(await page.textContent('#hs-response-result .closecode')).toMatch(/^HTTP \d{3}, [A-Z_]+$/);
    expect(await page.textContent('#hs-response-result')).toContain('Sec-WebSocket-Accept');
    const request = await page.inputValue('#hs-request');
    await page.fill('#hs-request', request.replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8'));
    expect(await page.textContent('#hs-request-result .closecode')).toMatch(/^HTTP 426, /);
    await page.fill('#hs-request', request);
    await page.fill('#hs-response', response);
  });

  withChromium.it('Capture: a dropped compressed capture and a chosen plain one show the messages wsframe pcap finds', async () => {
    await page.click('#tab-capture');
    for (const [i, name] of FIXTURES.entries()) {
      const bytes = readFileSync(`${root}test/fixtures/${name}`);
      const records: PcapRecord[] = [];
      await analyzeCapture([bytes], (record) => records.push(record));
      const expected = records.filter((r) => r.type === 'message').length;
      expect(expected).toBeGreaterThan(0);
      if (i === 0) {
        // Dropped, as from a file manager: a DataTransfer holding the file.
        const transfer = await page.evaluateHandle(({ data, fileName }) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(data)], fileName));
          return transfer;
        }, { data: [...bytes], fileName: name });
        await page.dispatchEvent('#capture-drop', 'dragover', { dataTransfer: transfer });
        await page.dispatchEvent('#capture-drop', 'drop', { dataTransfer: transfer });
      } else {
        await page.setInputFiles('#capture-file', `${root}test/fixtures/${name}`);
      }
      await page.waitForFunction((file) => document.getElementById('capture-status')!.textContent!.startsWith(`${file}:`), name);
      const connections = records.filter((r) => r.type === 'connection');
      expect(await page.$$eval('button.connection', (buttons) => buttons.length)).toBe(connections.length);
      // Every connection's messages, in order, as the CLI's analysis has them.
      for (const connection of connections) {
        await page.click(`button.connection[data-stream="${connection.stream}"]`);
        const shown = await page.$$eval('table.messages tbody tr', (rows) => rows.map((row) => [...row.children].slice(1, 5)
          .map((cell) => (cell.querySelector('.full') ?? cell).textContent)));
        const want = records.filter((r): r is Extract<PcapRecord, { type: 'message' | 'error' }> =>
          (r.type === 'message' || r.type === 'error') && r.stream === connection.stream)
          .map((r) => r.type === 'message'
            ? [r.from, r.kind, `${r.length}${r.compressed ? ' (inflated)' : ''}`, r.kind === 'text' ? JSON.stringify(r.text) : expect.any(String)]
            : [r.from, 'error', '', expect.any(String)]);
        expect(shown).toEqual(want);
      }
      if (i === 0) {
        expect(connections.some((c) => c.type === 'connection' && c.extensions?.includes('permessage-deflate'))).toBe(true);
        expect(await page.$$eval('table.messages td', (cells) => cells.some((cell) => cell.textContent!.endsWith('(inflated)')))).toBe(true);
        // A compressed frame's details: explained with its connection's deflate context, inflated.
        await page.click(`button.connection[data-stream="${connections[0].stream}"]`);
        await page.click('table.frameslist button.framebutton >> nth=2');
        const [detail] = await shownFrames(page, '.framedetail');
        expect(detail.verdict).toBe('verdict: valid');
        await page.screenshot({ path: `${shots}capture.png`, fullPage: true });
      }
    }
    await page.setInputFiles('#capture-file', { name: 'not-a-capture.pcap', mimeType: 'application/octet-stream', buffer: Buffer.from('hello, world, not a capture') });
    await page.waitForFunction(() => !document.getElementById('capture-error')!.hidden);
    expect(await page.textContent('#capture-error')).toContain('UNKNOWN_FORMAT');
  });

  withChromium.it('Capture: an 11.8 MB capture is read in slices: the progress bar moves and the page keeps running timers meanwhile', async () => {
    await page.click('#tab-capture');
    const count = 8000;
    const file = bigCapture(count);
    // A timer in the page: if the read froze the page, it could not fire until the read ended.
    await page.evaluate(() => {
      const state = window as unknown as { ticks: number; timer: unknown };
      state.ticks = 0;
      state.timer = setInterval(() => state.ticks++, 1);
    });
    await page.setInputFiles('#capture-file', { name: 'big.pcap', mimeType: 'application/vnd.tcpdump.pcap', buffer: Buffer.from(file) });
    const progress = new Set<number>();
    let ticksWhileReading = 0;
    for (;;) {
      const state = await page.evaluate(() => ({
        status: document.getElementById('capture-status')!.textContent!,
        value: (document.getElementById('capture-progress') as HTMLProgressElement).value,
        ticks: (window as unknown as { ticks: number }).ticks,
      }));
      if (state.status.startsWith('big.pcap:')) break;
      progress.add(state.value);
      ticksWhileReading = state.ticks;
    }
    await page.evaluate(() => clearInterval((window as unknown as { timer: number }).timer));
    expect([...progress].filter((value) => value > 0 && value < 1).length).toBeGreaterThan(2);
    expect(ticksWhileReading).toBeGreaterThan(2);
    expect(await page.textContent('#capture-status')).toBe(`big.pcap: pcap, ${count + 6} packets, 1 WebSocket connection`);
    expect(await page.$$eval('table.messages tbody tr', (rows) => rows.length)).toBe(1000);
    expect(await page.textContent('#capture-connection')).toContain(`${count} messages: the first 1000 are shown`);
  }, 60_000);

  withChromium.it('reads at phone width and in dark mode, keyboard first: tabs move with the arrow keys', async () => {
    await page.click('#tab-explain');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-build');
    expect(await page.isVisible('#panel-build')).toBe(true);
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-capture');
    await page.keyboard.press('Home');
    await page.selectOption('#explain-example', '1');
    await page.setViewportSize({ width: 390, height: 844 });
    // Nothing wider than the phone: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${shots}explain-phone.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.screenshot({ path: `${shots}explain-dark.png`, fullPage: false });
    const unlabelled = await page.$$eval('input, select, textarea', (controls) => controls
      .filter((control) => (control as HTMLInputElement).labels?.length === 0 && !control.getAttribute('aria-label')).map((control) => control.id));
    expect(unlabelled).toEqual([]);
    expect(problems).toEqual([]);
    // The core tries WebAssembly (SIMD masking) and, refused by the page's CSP, falls back to plain
    // JavaScript without a console message: that attempt is the only violation allowed.
    const violations = await page.evaluate(() => (window as unknown as { violations: string[] }).violations);
    expect(violations.filter((violation) => violation !== 'script-src wasm-eval')).toEqual([]);
  });
});
