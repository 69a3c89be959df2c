/**
 * The CLI's streamed output (src/cli/output.ts): records with long strings and deferred base64
 * payloads are written in pieces, yet byte for byte what JSON.stringify prints.
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../src/index.ts';
import { StreamAnalyzer, deferredPayload, type StreamRecord } from '../src/capture/analyze.ts';
import { JsonArrayWriter, Output, writeJsonLine } from '../src/cli/output.ts';

/** A sink that keeps each write apart. */
function collector() {
  const writes: string[] = [];
  return { writes, sink: { write: (text: string) => writes.push(text) } };
}

/** The records of one unmasked message carrying `payload`, its base64 deferred. */
function recordsOf(payload: string | Uint8Array): StreamRecord[] {
  return new StreamAnalyzer({ role: 'client', deferBase64: true }).push(encodeMessage(payload));
}

const PIECE = 48 * 1024;
// Text around the piece boundary: an emoji (a surrogate pair) straddling it, escapes, accents.
const texts = [
  'a'.repeat(PIECE - 1) + '😀' + 'b'.repeat(10),
  'é"\\\n\u0001\u2028'.repeat(30_000),
  `${'x'.repeat(PIECE * 2 - 1)}😀😀`,
  'short',
];
const payloads = [36 * 1024 - 1, 36 * 1024, 36 * 1024 + 2, 100_000, 16 * 1024].map((length) => new Uint8Array(length).map((_, i) => (i * 31) & 0xff));

describe('writeJsonLine and JsonArrayWriter', () => {
  const records = [
    ...texts.flatMap((text) => recordsOf(text)),
    ...payloads.flatMap((payload) => recordsOf(payload)),
    // Nested values and members JSON.stringify leaves out, next to a long string.
    { type: 'frame', verdict: { closeCode: 1002, code: 'X', message: 'y' }, skipped: undefined, list: [1, [2]], long: 'z'.repeat(PIECE), empty: {} },
  ];

  it('writes what JSON.stringify prints, whatever the record', () => {
    expect(records.filter((record) => deferredPayload(record) !== undefined)).toHaveLength(5);
    const { writes, sink } = collector();
    const output = new Output(sink);
    for (const record of records) writeJsonLine(output, record);
    void output.flush();
    expect(writes.join('')).toBe(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    const array = collector();
    const arrayOutput = new Output(array.sink);
    const writer = new JsonArrayWriter(arrayOutput);
    for (const record of records) writer.item(record);
    writer.end();
    void arrayOutput.flush();
    expect(array.writes.join('')).toBe(`${JSON.stringify(records, null, 2)}\n`);
  });

  it('writes a long record in blocks, never as one string of it', () => {
    const [, message] = recordsOf(new Uint8Array(1024 * 1024));
    const { writes, sink } = collector();
    const output = new Output(sink);
    writeJsonLine(output, message);
    void output.flush();
    expect(writes.join('').length).toBe(JSON.stringify(message).length + 1);
    // 1,398,104 characters of base64 in pieces of 49,152 (28 of them, then 21,848), each written
    // as it is (no block holds two): the first after the record's opening (61 characters), the
    // last gathered with the record's end and the newline (22).
    expect(writes.map((write) => write.length)).toEqual([61 + 49_152, ...Array(27).fill(49_152), 21_848 + 22]);
  });

  it('waits for drain after a piece of a long record found the stream full', async () => {
    const writes: string[] = [];
    let drain: (() => void) | undefined;
    const sink = {
      write: (text: string) => writes.push(text) > 3,
      once: (_: 'drain', listener: () => void) => (drain = listener),
    };
    const output = new Output(sink);
    writeJsonLine(output, recordsOf(new Uint8Array(400_000))[1]);
    expect(output.full).toBe(true);
    let flushed = false;
    const flushing = output.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    drain!();
    await flushing;
    expect(flushed).toBe(true);
    expect(writes.join('').length).toBe(JSON.stringify(recordsOf(new Uint8Array(400_000))[1]).length + 1);
  });

  it('does not wait for a drain that came before the flush', async () => {
    let needDrain = false;
    const sink = {
      // Only the pieces of base64 fill the stream.
      write: (text: string) => {
        if (text.length < 49_152) return true;
        needDrain = true;
        return false;
      },
      once: () => undefined,
      get writableNeedDrain() {
        return needDrain;
      },
    };
    const output = new Output(sink);
    writeJsonLine(output, recordsOf(new Uint8Array(400_000))[1]);
    expect(output.full).toBe(true);
    needDrain = false; // the stream emptied, and said so, before this flush
    await output.flush(); // a wait here would never end: the test would time out
    expect(output.full).toBe(false);
  }, 5000);
});
