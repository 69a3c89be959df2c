/**
 * Echo servers under load, side by side: examples/echo-server.ts (wsframe/node) and a `ws`
 * server (with bufferutil), each in its own process, driven by the same load generator in this
 * process over loopback: `connections` raw TCP clients, each keeping `inFlight` masked binary
 * messages of `size` bytes outstanding, sending as many more as echoes arrived. Reports
 * messages/s, the server process's CPU time per message (user + system, from /proc: Linux) and
 * how busy the server and the load generator were (a load generator near 100 % limits both
 * servers alike and hides their difference). Not a test: numbers only.
 *
 *   npm run bench:echo -- [--seconds 10] [--rounds 3] [--connections 50] [--sizes 16,4096]
 *     [--in-flight 1,16] [--servers wsframe,ws] [--client-writes batched|each]
 *     [--node-args="--cpu-prof --cpu-prof-dir=prof"]
 *
 * `--client-writes batched` (the default) answers the echoes that arrived in one read with one
 * write, as a pipelining client does; `each` writes every message on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { median } from './_harness.ts';
import { WebSocketConnection } from '../src/adapters/_connection.ts';
import { createServerEngine } from '../src/adapters/_engines.ts';
import { createClientHandshake, encodeFrame } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    sizes: { type: 'string', default: '16,4096' },
    'in-flight': { type: 'string', default: '1,16' },
    servers: { type: 'string', default: 'wsframe,ws' },
    // Extra Node flags for the server processes, e.g. `--cpu-prof` to profile them.
    'node-args': { type: 'string', default: '' },
    rounds: { type: 'string', default: '3' },
    // batched: the echoes that arrived in one read are answered with one write (a pipelining
    // client; it also rewards a server that, like wsframe's adapters and unlike ws, answers one
    // read with one write); each: one write per message, as a client that sends as it goes.
    'client-writes': { type: 'string', default: 'batched' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const IN_FLIGHT = values['in-flight'].split(',').map(Number);
const NODE_ARGS = values['node-args'].split(' ').filter((arg) => arg !== '');
const ROUNDS = Number(values.rounds);
const CLIENT_WRITES = values['client-writes'];
if (CLIENT_WRITES !== 'batched' && CLIENT_WRITES !== 'each') throw new Error('--client-writes: batched or each');
const SECONDS = Number(values.seconds);
// The load generator counts bytes, it does not parse frames: a keepalive ping (wsframe's adapter
// pings every 30 s) would be miscounted and go unanswered.
if (!(SECONDS > 0 && SECONDS <= 25)) throw new Error('--seconds: more than 0, at most 25 (the servers ping after 30 s)');
const CONNECTIONS = Number(values.connections);
const CLOCK_TICKS = 100; // USER_HZ on Linux

const WS_SERVER = `
import { WebSocketServer } from 'ws';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
wss.on('listening', () => console.log('echo server listening on ws://127.0.0.1:' + wss.address().port + '/'));
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
process.on('SIGTERM', () => process.exit(0));
`;

async function startServer(command: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...command], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command[0]} did not start listening within 10 s`)), 10_000);
    child.once('exit', (code) => reject(new Error(`${command[0]} exited (${code}) before listening`)));
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const match = /listening on ws:\/\/[^:]+:(\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { child, port };
}

/** CPU seconds a process has used so far: user and system. */
function cpuSeconds(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
}

/**
 * Runs the load against the server on `port`; `onCount(true)` / `onCount(false)` are called where
 * counting starts and stops (after the handshakes and a 500 ms warm-up), to sample the server there.
 */
async function load(port: number, size: number, inFlight: number, onCount: (starting: boolean) => void): Promise<{ messages: number; seconds: number; loadCpu: number }> {
  const frame = encodeFrame({ opcode: 0x2, payload: new Uint8Array(size).fill(0x61), maskingKey: Uint8Array.of(1, 2, 3, 4) });
  // Up to `inFlight` frames back to back: the echoes that arrived in one read are answered with
  // one write, so that the load generator (one core of two) is not what limits the servers.
  const frames = Buffer.concat(Array.from({ length: inFlight }, () => frame));
  const echoLength = size + (size < 126 ? 2 : size < 65536 ? 4 : 10);
  let counting = false;
  let messages = 0;
  const sockets: Socket[] = [];
  await Promise.all(Array.from({ length: CONNECTIONS }, () => new Promise<void>((resolve) => {
    let head = true;
    let pending = 0;
    // Reads land in one buffer per connection, reused (nothing of them is kept).
    const socket = connect({
      host: '127.0.0.1',
      port,
      onread: {
        buffer: Buffer.alloc(65536),
        callback(bytes: number, buffer: Buffer): boolean {
          if (head) {
            const end = buffer.subarray(0, bytes).indexOf('\r\n\r\n');
            if (end === -1) return true;
            head = false;
            bytes -= end + 4;
            if (CLIENT_WRITES === 'each') for (let i = 0; i < inFlight; i++) socket.write(frame);
            else socket.write(frames);
            resolve();
          }
          pending += bytes;
          const echoes = Math.floor(pending / echoLength);
          pending -= echoes * echoLength;
          if (counting) messages += echoes;
          if (CLIENT_WRITES === 'each') for (let i = 0; i < echoes; i++) socket.write(frame);
          else if (echoes > 0) socket.write(frames.subarray(0, echoes * frame.length));
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    sockets.push(socket);
    socket.on('error', () => {});
    socket.write(createClientHandshake({ url: `ws://127.0.0.1:${port}/` }).request);
  })));
  await new Promise((resolve) => setTimeout(resolve, 500));
  onCount(true);
  counting = true;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  counting = false;
  const cpu = process.cpuUsage(cpuBefore);
  onCount(false);
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.destroy();
  return { messages, seconds, loadCpu: (cpu.user + cpu.system) / 1e6 / seconds };
}

const outdir = 'dist-bench';
await build({ entryPoints: ['examples/echo-server.ts'], bundle: true, platform: 'node', format: 'esm', outfile: `${outdir}/echo-server.mjs`, logLevel: 'warning' });
const { writeFileSync } = await import('node:fs');
writeFileSync(`${outdir}/ws-echo-server.mjs`, WS_SERVER);

const allServers: Record<string, string[]> = {
  wsframe: [`${outdir}/echo-server.mjs`, '--port', '0', '--quiet', '--no-deflate'],
  ws: [`${outdir}/ws-echo-server.mjs`],
};
const names = values.servers.split(',');
for (const name of names) if (!(name in allServers)) throw new Error(`--servers: unknown server ${name} (wsframe, ws)`);

interface Run { rate: number; user: number; system: number; serverBusy: number; loadBusy: number }

/** One server process under one load: messages/s, server CPU µs per message, busy shares. */
async function run(name: string, size: number, inFlight: number): Promise<Run> {
  const { child, port } = await startServer(allServers[name]);
  // Sampled over the counted window only (not the handshakes and the warm-up).
  let before = { user: 0, system: 0 };
  let after = before;
  const { messages, seconds, loadCpu } = await load(port, size, inFlight, (starting) => {
    if (starting) before = cpuSeconds(child.pid!);
    else after = cpuSeconds(child.pid!);
  });
  // SIGTERM, so that a server run with --cpu-prof writes its profile.
  child.kill(NODE_ARGS.length > 0 ? 'SIGTERM' : 'SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const user = after.user - before.user;
  const system = after.system - before.system;
  return { rate: messages / seconds, user: (user / messages) * 1e6, system: (system / messages) * 1e6, serverBusy: (user + system) / seconds, loadBusy: loadCpu };
}

const pct = (share: number): string => `${Math.round(share * 100)} %`;

console.log(`# echo: ${CONNECTIONS} connections, loopback, ${SECONDS} s per run, ${ROUNDS} round(s) per case (order alternating; medians), client writes ${CLIENT_WRITES}, Node ${process.version}`);
// The ratio columns are medians of each round's own ratio (both servers measured in the same
// round), not quotients of the medians beside them.
console.log('| size | in flight | server | messages/s | server CPU µs/message (user + system) | server busy | load generator busy | wsframe/ws messages/s (median of rounds) | ws/wsframe CPU per message (median of rounds) |');
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|');
for (const size of SIZES) {
  for (const inFlight of IN_FLIGHT) {
    const runs: Record<string, Run[]> = Object.fromEntries(names.map((name) => [name, []]));
    const ratios: { rate: number; cpu: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      const results: Record<string, Run> = {};
      for (const name of order) results[name] = await run(name, size, inFlight);
      for (const name of names) runs[name].push(results[name]);
      if (results.wsframe !== undefined && results.ws !== undefined) {
        ratios.push({ rate: results.wsframe.rate / results.ws.rate, cpu: (results.ws.user + results.ws.system) / (results.wsframe.user + results.wsframe.system) });
      }
    }
    for (const name of names) {
      const of = (key: keyof Run): number => median(runs[name].map((r) => r[key]));
      const [user, system] = [of('user'), of('system')];
      const ratio = name === names.at(-1) && ratios.length > 0
        ? [`${median(ratios.map((r) => r.rate)).toFixed(2)}x`, `${median(ratios.map((r) => r.cpu)).toFixed(2)}x`]
        : ['', ''];
      console.log(`| ${size} B | ${inFlight} | ${name} | ${Math.round(of('rate'))} | ${(user + system).toFixed(2)} (${user.toFixed(2)} + ${system.toFixed(2)}) | ${pct(of('serverBusy'))} | ${pct(of('loadBusy'))} | ${ratio[0]} | ${ratio[1]} |`);
    }
  }
}

/**
 * wsframe's own share of an echo: the adapter and the engine in this process, no socket; each
 * chunk written is wrapped in a Buffer as `socket.write` does. µs per message, best of 5 rounds.
 */
function inProcess(size: number): number {
  let written = 0;
  const connection = new WebSocketConnection(createServerEngine({}), {
    write(chunks) {
      for (const chunk of chunks) written += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).length;
    },
    bufferedAmount: 0,
    setReading() {},
    end() {},
    destroy() {},
  });
  connection.on('message', (data) => connection.send(data));
  connection.receive(createClientHandshake({ url: 'ws://127.0.0.1/' }).request);
  const frame = Buffer.from(encodeFrame({ opcode: 0x2, payload: new Uint8Array(size).fill(0x61), maskingKey: Uint8Array.of(1, 2, 3, 4) }));
  const count = 200_000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < count; i++) connection.receive(frame);
    best = Math.min(best, ((performance.now() - started) * 1000) / count);
  }
  if (written < count * 5 * size) throw new Error('the in-process echo did not echo');
  return best;
}

console.log(`wsframe's own work per echo (adapter + engine in-process, no socket): ${SIZES.map((size) => `${size} B ${inProcess(size).toFixed(2)} µs`).join(', ')}`);
