// Heap held per idle connection of the sans-I/O engine, measured on the built package:
//
//   npm run build && node --expose-gc scripts/connection-memory.mjs
//
// Opens N server connections (each after a real handshake, one text message and one ping
// exchanged, output and events taken) and N client connections the same way, then divides the
// heap + ArrayBuffer growth after a full GC by N. Prints bytes per idle connection.
import { ClientConnection, ServerConnection, encodeMessage, encodePing } from '../dist/index.js';

if (typeof globalThis.gc !== 'function') {
  console.error('Run with node --expose-gc scripts/connection-memory.mjs');
  process.exit(2);
}
const N = 10_000;
const request = new TextEncoder().encode(
  'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
const response = new TextEncoder().encode(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
const settle = () => { globalThis.gc(); globalThis.gc(); };
const heap = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

function measure(title, open) {
  settle();
  const base = heap();
  const connections = [];
  for (let i = 0; i < N; i++) connections.push(open());
  settle();
  const perConnection = (heap() - base) / N;
  console.log(`${title}: ${Math.round(perConnection)} bytes of heap per idle connection (${N} open)`);
  return connections;
}

measure('ServerConnection, after handshake, a message and a ping', () => {
  const server = new ServerConnection({ pingInterval: 30_000 });
  server.handleDeadline(0);
  server.receive(request);
  server.events();
  server.accept();
  server.receive(encodeMessage('hello', { mask: true }));
  server.receive(encodePing('', { mask: true }));
  server.events();
  server.takeOutput();
  return server;
});
measure('ClientConnection, after handshake, a message and a ping', () => {
  const client = new ClientConnection({ url: 'ws://example.com/chat', key: 'dGhlIHNhbXBsZSBub25jZQ==' });
  client.handleDeadline(0);
  client.takeOutput();
  client.receive(response);
  client.receive(encodeMessage('hello'));
  client.receive(encodePing(''));
  client.send('hi');
  client.events();
  client.takeOutput();
  return client;
});
