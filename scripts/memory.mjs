// Memory figures of the stream decoders, measured on the built package:
//
//   npm run build && node --expose-gc scripts/memory.mjs
//
// 1. Big frame: a 256 MiB masked frame fed to FrameStreamDecoder in 64 KiB pieces; peak growth
//    of RSS and of heap + ArrayBuffer memory over the baseline must stay under 32 MiB, for the
//    decoder alone (unmaskInPlace) and for fresh unmasked copies once garbage is collected.
//    Also printed: the default mode without forced GC, at 256 MiB and 1 GiB.
// 2. Amplification: a flood of 1-byte fragments into one unfinished message; retained memory
//    (heap + ArrayBuffers after a full GC, minus the baseline) divided by the wire bytes must
//    stay at most 2x (ws was measured at about 15x in ws#2331).
//
// Exits non-zero when a bound is broken.
import { FrameStreamDecoder, MessageDecoder, encodeFrame, encodeHeader } from '../dist/index.js';

if (typeof globalThis.gc !== 'function') {
  console.error('Run with node --expose-gc scripts/memory.mjs');
  process.exit(2);
}
const MiB = 1024 * 1024;
const mib = (bytes) => `${(bytes / MiB).toFixed(2)} MiB`;
const settle = () => {
  globalThis.gc();
  globalThis.gc();
};
const used = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
};
let failed = false;

// 1. A big masked frame in 64 KiB pieces.
function bigFrame({ title, size, unmaskInPlace, gcEvery = 0 }) {
  const PIECE = 64 * 1024;
  const maskingKey = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
  const decoder = new FrameStreamDecoder({ role: 'server', maxPayloadLength: size, unmaskInPlace });
  const header = encodeHeader({ opcode: 0x2, payloadLength: size, maskingKey });
  // The payload is zeros, so its masked form is the key repeated; pieces start at multiples of 4.
  // One input buffer, re-masked before each push when unmasked in place: the only ArrayBuffers
  // allocated during the run are then the decoder's own.
  const chunk = new Uint8Array(PIECE);
  const mask = () => { for (let i = 0; i < PIECE; i++) chunk[i] = maskingKey[i & 3]; };
  mask();
  settle();
  const base = used();
  const peak = { rss: 0, heap: 0 };
  let received = 0;
  let bad = 0;
  let ends = 0;
  const start = performance.now();
  decoder.push(header);
  for (let sent = 0; sent < size; sent += PIECE) {
    if (unmaskInPlace) mask();
    decoder.push(chunk);
    for (const event of decoder) {
      if (event.type === 'payload') {
        received += event.data.length;
        if (event.data[0] !== 0 || event.data[event.data.length - 1] !== 0) bad++;
      } else if (event.type === 'end') {
        ends++;
      }
    }
    if (gcEvery > 0 && (sent + PIECE) % gcEvery === 0) globalThis.gc();
    const now = used();
    peak.rss = Math.max(peak.rss, now.rss - base.rss);
    peak.heap = Math.max(peak.heap, now.heap - base.heap);
  }
  const seconds = (performance.now() - start) / 1000;
  const ok = received === size && bad === 0 && ends === 1;
  console.log(`${title}: ${mib(received)} unmasked in ${seconds.toFixed(2)} s${ok ? '' : ' (WRONG OUTPUT)'}`);
  console.log(`  peak growth: RSS ${mib(peak.rss)}, heap + ArrayBuffers ${mib(peak.heap)}`);
  if (!ok) failed = true;
  return Math.max(peak.rss, peak.heap);
}
const own = bigFrame({ title: '256 MiB masked frame, 64 KiB pieces, unmaskInPlace (the decoder alone)', size: 256 * MiB, unmaskInPlace: true });
const collected = bigFrame({ title: '256 MiB masked frame, 64 KiB pieces, fresh unmasked copies, GC every 8 MiB', size: 256 * MiB, unmaskInPlace: false, gcEvery: 8 * MiB });
bigFrame({ title: '256 MiB masked frame, 64 KiB pieces, fresh unmasked copies, no forced GC', size: 256 * MiB, unmaskInPlace: false });
bigFrame({ title: '1 GiB masked frame, 64 KiB pieces, fresh unmasked copies, no forced GC', size: 1024 * MiB, unmaskInPlace: false });
console.log('  (without forced GC the peak is V8 collecting dead 64 KiB ArrayBuffers lazily: the same for any frame size)');
if (own >= 32 * MiB || collected >= 32 * MiB) failed = true;

// 2. Amplification under a flood of 1-byte fragments.
function flood({ title, role, masked, fragments, perChunk }) {
  const maskingKey = masked ? new Uint8Array([1, 2, 3, 4]) : undefined;
  const first = encodeFrame({ opcode: 0x2, fin: false, payload: new Uint8Array([0x61]), maskingKey });
  const next = encodeFrame({ opcode: 0x0, fin: false, payload: new Uint8Array([0x62]), maskingKey });
  const decoder = new MessageDecoder({ role, maxMessageLength: 1 << 30 });
  settle();
  const base = used();
  let wire = 0;
  let sent = 0;
  const chunk = new Uint8Array(perChunk * next.length);
  for (let i = 0; i < perChunk; i++) chunk.set(next, i * next.length);
  decoder.push(first);
  wire += first.length;
  sent++;
  while (sent < fragments) {
    const count = Math.min(perChunk, fragments - sent);
    decoder.push(chunk.slice(0, count * next.length));
    wire += count * next.length;
    sent += count;
    for (const _ of decoder) throw new Error('no event expected');
  }
  settle();
  const retained = used().heap - base.heap;
  const amplification = retained / wire;
  console.log(`${title}: ${fragments} fragments, ${mib(wire)} on the wire, ${mib(sent)} of payload`);
  console.log(`  retained after GC: ${mib(retained)} = ${amplification.toFixed(3)}x the wire bytes, ${(retained / sent).toFixed(2)} bytes per fragment (bound: 2x)`);
  if (amplification > 2) failed = true;
  return decoder; // keep it alive until measured
}
flood({ title: '1-byte masked fragments (client to server), 64 KiB chunks', role: 'server', masked: true, fragments: 4 * MiB, perChunk: 9362 });
flood({ title: '1-byte unmasked fragments (server to client), 64 KiB chunks', role: 'client', masked: false, fragments: 4 * MiB, perChunk: 21845 });
flood({ title: '1-byte masked fragments, one fragment per push', role: 'server', masked: true, fragments: MiB, perChunk: 1 });

process.exit(failed ? 1 : 0);
