#!/usr/bin/env node
// What TLS decryption adds to `wsframe pcap`: the same WebSocket traffic captured twice with
// dumpcap on lo, once over ws:// and once over wss:// (TLS 1.3, TLS_AES_128_GCM_SHA256, or
// --tls12 / --chacha20), about 100 MB each, then each analysed (analyzeCapture, the code behind
// `wsframe pcap`) several times; prints the best times and their ratio. Needs dumpcap and root.
//   node scripts/tls-bench.mjs [--mb 100] [--runs 5] [--tls12] [--chacha20] [--keep DIR]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import WebSocket, { WebSocketServer } from 'ws';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '5' }, tls12: { type: 'boolean' }, chacha20: { type: 'boolean' }, keep: { type: 'string' } } });
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'wsframe-tls-bench-'));
const FIXTURES = new URL('../test/fixtures/', import.meta.url).pathname;
const key = readFileSync(`${FIXTURES}tls/ecdsa-key.pem`);
const cert = readFileSync(`${FIXTURES}tls/ecdsa-cert.pem`);
const PORT = 39519;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const bundle = join(dir, 'analyze.mjs');
await build({
  stdin: { contents: "export { analyzeCapture } from './src/cli/pcap.ts'; export { KeyLog } from './src/cli/tls/keylog.ts';", resolveDir: new URL('..', import.meta.url).pathname, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning',
});
const { analyzeCapture, KeyLog } = await import(bundle);

/** Echo traffic of about `mb` MB in both directions together: messages of 1 B to 64 KiB. */
async function traffic(url, options) {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  await once(ws, 'open');
  const target = Number(values.mb) * 1e6 / 2;
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pool = Buffer.alloc(65536, 'wsframe benchmark ');
  for (let sent = 0; sent < target;) {
    const batch = [];
    for (let i = 0; i < 32; i++) {
      const size = random() < 0.5 ? 1 + Math.floor(random() * 200) : 1 + Math.floor(random() * 65536);
      batch.push(once(ws, 'message'));
      ws.send(pool.subarray(0, size), { binary: random() < 0.5 });
      sent += size;
      await batch.at(-1);
    }
  }
  ws.close(1000);
  await once(ws, 'close');
}

async function capture(name, run) {
  const file = join(dir, name);
  const dumpcap = spawn('dumpcap', ['-q', '-i', 'lo', '-B', '64', '-f', `tcp port ${PORT}`, '-w', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(1500);
  await run();
  await sleep(1000);
  dumpcap.kill('SIGTERM');
  await once(dumpcap, 'exit');
  return file;
}

const keyLogFile = join(dir, 'keys.log');
writeFileSync(keyLogFile, '');
const echo = (wss) => wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));

const plainServer = createHttpServer();
echo(new WebSocketServer({ server: plainServer, perMessageDeflate: false }));
plainServer.listen(PORT, '127.0.0.1');
await once(plainServer, 'listening');
const plainFile = await capture('plain.pcapng', () => traffic(`ws://127.0.0.1:${PORT}/`, {}));
plainServer.close();

const tlsServer = createHttpsServer({ key, cert });
tlsServer.on('keylog', (line) => appendFileSync(keyLogFile, line));
echo(new WebSocketServer({ server: tlsServer, perMessageDeflate: false }));
tlsServer.listen(PORT, '127.0.0.1');
await once(tlsServer, 'listening');
const suite = values.tls12
  ? { maxVersion: 'TLSv1.2', ciphers: values.chacha20 ? 'ECDHE-ECDSA-CHACHA20-POLY1305' : 'ECDHE-ECDSA-AES128-GCM-SHA256' }
  : { minVersion: 'TLSv1.3', ciphers: values.chacha20 ? 'TLS_CHACHA20_POLY1305_SHA256' : 'TLS_AES_128_GCM_SHA256' };
const tlsFile = await capture('tls.pcapng', () => traffic(`wss://127.0.0.1:${PORT}/`, { ca: cert, servername: 'localhost', ...suite }));
tlsServer.close();

async function time(file, keyLog) {
  const bytes = readFileSync(file);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 1048576) }, (_, i) => bytes.subarray(i * 1048576, (i + 1) * 1048576));
  let messages = 0;
  let best = Infinity;
  for (let run = 0; run < Number(values.runs); run++) {
    messages = 0;
    const start = process.hrtime.bigint();
    await analyzeCapture(chunks, (record) => { if (record.type === 'message') messages++; }, { keyLog });
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { best, messages, size: statSync(file).size };
}

const keyLog = new KeyLog();
keyLog.addText(readFileSync(keyLogFile, 'utf8'));
const plain = await time(plainFile, new KeyLog());
const tls = await time(tlsFile, keyLog);
const mb = (bytes) => (bytes / 1e6).toFixed(1);
console.log(`node ${process.version}, best of ${values.runs} runs, analyzeCapture (wsframe pcap) on captures of the same echo traffic`);
console.log(`ws://  ${mb(plain.size)} MB, ${plain.messages} messages: ${plain.best.toFixed(3)} s`);
console.log(`wss:// ${mb(tls.size)} MB, ${tls.messages} messages (${suite.ciphers}): ${tls.best.toFixed(3)} s`);
console.log(`decryption adds ${((tls.best / plain.best - 1) * 100).toFixed(1)}% (ratio ${(tls.best / plain.best).toFixed(2)})`);
if (plain.messages !== tls.messages) console.log(`WARNING: message counts differ (${plain.messages} vs ${tls.messages})`);
if (values.keep === undefined) rmSync(dir, { recursive: true });
