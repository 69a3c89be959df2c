/**
 * Node's built-in WebSocket client (undici; `node --experimental-websocket` on Node 20) against
 * the example echo server. Usage: node --experimental-websocket node-websocket-client.mjs URL.
 * Prints the report of browserExchange() as JSON.
 */
import { browserExchange } from './browser-exchange.js';

const timer = setTimeout(() => {
  console.error('timed out');
  process.exit(2);
}, 20_000);
const report = await browserExchange(process.argv[2], { code: 4003, reason: 'bye ✓ from node' });
clearTimeout(timer);
console.log(JSON.stringify(report));
