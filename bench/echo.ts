/**
 * Echo servers under load, side by side: examples/echo-server.ts (wsframe/node) and a `ws`
 * server (with bufferutil), each in its own process, driven by the same load generator in this
 * process over loopback: `connections` raw TCP clients, each keeping `inFlight` masked binary
 * messages of `size` bytes outstanding, sending one more per echo received. Reports messages/s
 * and the server process's CPU time per message (from /proc, Linux). Not a test: numbers only.
 *
 *   npx esbuild bench/echo.ts --bundle --platform=node --format=esm --outfile=dist-bench/echo.mjs \
 *     --external:ws --external:bufferutil && node dist-bench/echo.mjs [--seconds 10] [--connections 50]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { createClientHandshake, encodeFrame } from '../src/index.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const CLOCK_TICKS = 100; // USER_HZ on Linux

const WS_SERVER = `
import { WebSocketServer } from 'ws';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
wss.on('listening', () => console.log('echo server listening on ws://127.0.0.1:' + wss.address().port + '/'));
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
`;

async function startServer(command: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, command, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const match = /listening on ws:\/\/[^:]+:(\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
  });
  return { child, port };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function load(port: number, size: number, inFlight: number): Promise<{ messages: number; seconds: number }> {
  const frame = encodeFrame({ opcode: 0x2, payload: new Uint8Array(size).fill(0x61), maskingKey: Uint8Array.of(1, 2, 3, 4) });
  const echoLength = size + (size < 126 ? 2 : 4);
  let counting = false;
  let messages = 0;
  const sockets: Socket[] = [];
  await Promise.all(Array.from({ length: CONNECTIONS }, () => new Promise<void>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    sockets.push(socket);
    let head = true;
    let pending = 0;
    socket.on('data', (chunk: Buffer) => {
      let bytes = chunk.length;
      if (head) {
        const end = chunk.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = false;
        bytes -= end + 4;
        for (let i = 0; i < inFlight; i++) socket.write(frame);
        resolve();
      }
      pending += bytes;
      const echoes = Math.floor(pending / echoLength);
      pending -= echoes * echoLength;
      if (counting) messages += echoes;
      for (let i = 0; i < echoes; i++) socket.write(frame);
    });
    socket.on('error', () => {});
    socket.write(createClientHandshake({ url: `ws://127.0.0.1:${port}/` }).request);
  })));
  await new Promise((resolve) => setTimeout(resolve, 500));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  counting = false;
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.destroy();
  return { messages, seconds };
}

const outdir = 'dist-bench';
await build({ entryPoints: ['examples/echo-server.ts'], bundle: true, platform: 'node', format: 'esm', outfile: `${outdir}/echo-server.mjs`, logLevel: 'warning' });
const { writeFileSync } = await import('node:fs');
writeFileSync(`${outdir}/ws-echo-server.mjs`, WS_SERVER);

const servers = {
  wsframe: [`${outdir}/echo-server.mjs`, '--port', '0', '--quiet', '--no-deflate'],
  ws: [`${outdir}/ws-echo-server.mjs`],
};
console.log(`# echo: ${CONNECTIONS} connections, loopback, ${SECONDS} s per case, Node ${process.version}`);
console.log('| size | in flight | server | messages/s | server CPU µs/message | ratio wsframe/ws (msg/s) |');
console.log('|---|---|---|---|---|---|');
for (const size of [16, 4096]) {
  for (const inFlight of [1, 16]) {
    const rates: Record<string, number> = {};
    for (const [name, command] of Object.entries(servers)) {
      const { child, port } = await startServer(command);
      const before = cpuSeconds(child.pid!);
      const { messages, seconds } = await load(port, size, inFlight);
      const cpu = cpuSeconds(child.pid!) - before;
      child.kill('SIGKILL');
      rates[name] = messages / seconds;
      const ratio = name === 'ws' ? (rates.wsframe / rates.ws).toFixed(2) : '';
      console.log(`| ${size} B | ${inFlight} | ${name} | ${Math.round(rates[name])} | ${((cpu / messages) * 1e6).toFixed(2)} | ${ratio} |`);
    }
  }
}
