/**
 * Strictly linear-time handshake parsing (ws shipped ReDoS bugs in exactly this code). Modelled on
 * noble-hashes' test/slow-dos.test.ts: first show the timing harness tells O(n) from O(n²) by
 * timing a deliberately quadratic head reader, then show that on 1 MB hostile heads the time per
 * byte of every parser stays flat as the input grows 8x. Ratios are medians of several runs, the
 * bounds are generous and a linear parser gets three attempts, for noisy shared machines.
 */
import { describe, expect, it } from 'vitest';
import { HttpHeadReader } from '../src/handshake/head.ts';
import { parseClientHandshake } from '../src/handshake/server.ts';
import { validateServerHandshake } from '../src/handshake/client.ts';
import { parseExtensions } from '../src/handshake/extensions.ts';
import { bytesOf, expectHandshakeError, RFC_KEY } from './_handshake.ts';

const SMALL = 128 * 1024;
const LARGE = 1024 * 1024;
const GROWTH = LARGE / SMALL;
// Time per byte at LARGE over time per byte at SMALL: about 1 for O(n), about GROWTH (8) for O(n²).
const MAX_LINEAR_RATIO = 3;
const MIN_QUADRATIC_RATIO = 4;
const SAMPLES = 5;
const ATTEMPTS = 3;
const MIN_SAMPLE_MS = 15;

const figures: string[] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Time per byte of `run(input)`, repeated until the sample lasts MIN_SAMPLE_MS. */
function sampleTimePerByte<T>(input: T, length: number, run: (input: T) => void): number {
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    run(input);
    iterations++;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_SAMPLE_MS);
  return elapsed / iterations / length;
}

/**
 * How much the time per byte grows from SMALL to LARGE inputs: the median of SAMPLES ratios,
 * each from a small and a large sample taken back to back, so that load from other processes
 * hits both sides of a ratio alike.
 */
function measureGrowth<T>(make: (size: number) => { input: T; length: number }, run: (input: T) => void) {
  const small = make(SMALL);
  const large = make(LARGE);
  run(small.input); // warm-up: JIT and the first allocations
  run(large.input);
  const ratios: number[] = [];
  const largePerByte: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const smallTime = sampleTimePerByte(small.input, small.length, run);
    const largeTime = sampleTimePerByte(large.input, large.length, run);
    ratios.push(largeTime / smallTime);
    largePerByte.push(largeTime);
  }
  return { ratio: median(ratios), nsPerByte: median(largePerByte) * 1e6 };
}

/**
 * The growth ratio, measured up to ATTEMPTS times while it is at or over `bound` (once for
 * `Infinity`), keeping the lowest: an O(n) parser gets under the bound in some attempt however
 * noisy the machine, an O(n²) one never does.
 */
function growth<T>(
  name: string,
  make: (size: number) => { input: T; length: number },
  run: (input: T) => void,
  bound = MAX_LINEAR_RATIO,
): number {
  let best = Number.POSITIVE_INFINITY;
  let nsPerByte = 0;
  for (let attempt = 0; attempt < ATTEMPTS && best >= bound; attempt++) {
    const measured = measureGrowth(make, run);
    if (measured.ratio < best) ({ ratio: best, nsPerByte } = measured);
  }
  figures.push(`${name}: per-byte ratio ${best.toFixed(2)} (1 MiB: ${nsPerByte.toFixed(2)} ns/byte)`);
  return best;
}

/** Fills `size` bytes by repeating `unit` after `prefix`, then appends `suffix`. */
function fill(prefix: string, unit: string, suffix: string, size: number): Uint8Array {
  const count = Math.max(1, Math.floor((size - prefix.length - suffix.length) / unit.length));
  return bytesOf(prefix + unit.repeat(count) + suffix);
}

const VALID_HEADERS = `Host: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${RFC_KEY}\r\nSec-WebSocket-Version: 13\r\n`;

/** A request whose one hostile header makes it fail only after everything was read. */
function request(hostile: (size: number) => Uint8Array): (size: number) => { input: Uint8Array; length: number } {
  return (size) => {
    const input = hostile(size);
    return { input, length: input.length };
  };
}

// [name, make input of about `size` bytes, expected status, expected code]
const HOSTILE_REQUESTS: Array<[string, (size: number) => Uint8Array, number, string]> = [
  ['one huge header value', (n) => fill('GET / HTTP/1.1\r\nX-Huge: ', 'a', '\r\n\r\n', n), 400, 'MISSING_HOST'],
  ['many tiny headers', (n) => fill('GET / HTTP/1.1\r\n', 'a:b\r\n', '\r\n', n), 400, 'MISSING_HOST'],
  ['many distinct tiny headers', (n) => {
    let text = 'GET / HTTP/1.1\r\n';
    for (let i = 0; text.length < n; i++) text += `h${i}:\r\n`;
    return bytesOf(`${text}\r\n`);
  }, 400, 'MISSING_HOST'],
  ['endless whitespace inside a subprotocol list (the ws ReDoS shape)', (n) =>
    fill(`GET / HTTP/1.1\r\n${VALID_HEADERS}Sec-WebSocket-Protocol: a`, ' ', 'b\r\n\r\n', n), 400, 'INVALID_PROTOCOL'],
  ['endless whitespace around a value', (n) =>
    fill(`GET / HTTP/1.1\r\n${VALID_HEADERS}X-Pad: `, ' \t', 'x \t \r\nSec-WebSocket-Protocol: [\r\n\r\n', n), 400, 'INVALID_PROTOCOL'],
  ['a long subprotocol list with a duplicate at the end', (n) => {
    let list = '';
    for (let i = 0; list.length < n; i++) list += `p${i}, `;
    return bytesOf(`GET / HTTP/1.1\r\n${VALID_HEADERS}Sec-WebSocket-Protocol: ${list}p0\r\n\r\n`);
  }, 400, 'INVALID_PROTOCOL'],
  ['a long Connection list without upgrade', (n) =>
    fill('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: ', 'keep-alive, , ', 'close\r\n\r\n', n), 400, 'INVALID_CONNECTION'],
  ['a long extensions list that fails at its end', (n) =>
    fill(`GET / HTTP/1.1\r\n${VALID_HEADERS}Sec-WebSocket-Extensions: `, 'x; a; b="c d" , ', 'x;\r\n\r\n', n), 400, 'INVALID_EXTENSIONS'],
  ['a huge request target', (n) => fill('GET /', 'a', ' HTTP/1.0\r\n\r\n', n), 505, 'UNSUPPORTED_HTTP_VERSION'],
];

describe('the timing harness', () => {
  it('tells a quadratic head reader (re-concatenates and re-scans per push) from a linear one', () => {
    const CHUNK = 4096;
    // What not to do: keep one growing buffer, and search all of it again after every push.
    const quadraticRead = (stream: Uint8Array): number => {
      let buffer = new Uint8Array(0);
      for (let offset = 0; offset < stream.length; offset += CHUNK) {
        const next = new Uint8Array(buffer.length + Math.min(CHUNK, stream.length - offset));
        next.set(buffer);
        next.set(stream.subarray(offset, offset + CHUNK), buffer.length);
        buffer = next;
        for (let i = 3; i < buffer.length; i++) {
          if (buffer[i - 3] === 13 && buffer[i - 2] === 10 && buffer[i - 1] === 13 && buffer[i] === 10) return i;
        }
      }
      return -1;
    };
    const linearRead = (stream: Uint8Array): number => {
      const reader = new HttpHeadReader({ maxHeadLength: Number.POSITIVE_INFINITY });
      for (let offset = 0; offset < stream.length; offset += CHUNK) {
        if (reader.push(stream.subarray(offset, offset + CHUNK)) !== undefined) return offset;
      }
      return -1;
    };
    const make = (size: number) => {
      const input = fill('GET / HTTP/1.1\r\nX: ', 'a', '\r\n\r\n', size);
      return { input, length: input.length };
    };
    expect(quadraticRead(make(SMALL).input)).toBe(make(SMALL).length - 1);
    expect(linearRead(make(SMALL).input)).toBeGreaterThan(0);
    const quadratic = growth('control: quadratic head reader', make, quadraticRead, Number.POSITIVE_INFINITY);
    const linear = growth('HttpHeadReader in 4 KiB pushes, no limit', make, linearRead);
    expect(quadratic).toBeGreaterThan(MIN_QUADRATIC_RATIO);
    expect(linear).toBeLessThan(MAX_LINEAR_RATIO);
  });
});

describe('parseClientHandshake on hostile heads', () => {
  for (const [name, make, status, code] of HOSTILE_REQUESTS) {
    it(`rejects ${name} (1 MB) with ${status} ${code}, in time linear in its length`, () => {
      const huge = make(LARGE);
      expect(huge.length).toBeGreaterThanOrEqual(LARGE - 64);
      expectHandshakeError(() => parseClientHandshake(huge), status, code);
      expectHandshakeError(() => new HttpHeadReader().push(huge), 431, 'HEAD_TOO_LARGE');
      const ratio = growth(`parseClientHandshake, ${name}`, request(make), (input) => {
        try {
          parseClientHandshake(input);
        } catch {
          // rejected, as asserted above
        }
      });
      expect(ratio).toBeLessThan(MAX_LINEAR_RATIO);
    });
  }
});

describe('the other parsers on hostile input', () => {
  it('HttpHeadReader fed 16 bytes at a time stays linear', () => {
    const ratio = growth(
      'HttpHeadReader, 16-byte pushes of a head with no end',
      (size) => {
        const input = fill('GET / HTTP/1.1\r\n', 'a:b\r\n', '', size);
        return { input, length: input.length };
      },
      (input) => {
        const reader = new HttpHeadReader({ maxHeadLength: Number.POSITIVE_INFINITY });
        for (let offset = 0; offset < input.length; offset += 16) reader.push(input.subarray(offset, offset + 16));
      },
    );
    expect(ratio).toBeLessThan(MAX_LINEAR_RATIO);
  });

  it('validateServerHandshake rejects a 1 MB response of endless whitespace in linear time', () => {
    const make = (size: number) => {
      const input = fill(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept:',
        ' ',
        'x\r\n\r\n',
        size,
      );
      return { input, length: input.length };
    };
    expectHandshakeError(() => validateServerHandshake(make(LARGE).input, { key: RFC_KEY }), 502, 'INVALID_ACCEPT');
    const ratio = growth('validateServerHandshake, whitespace-padded accept', make, (input) => {
      try {
        validateServerHandshake(input, { key: RFC_KEY });
      } catch {
        // rejected, as asserted above
      }
    });
    expect(ratio).toBeLessThan(MAX_LINEAR_RATIO);
  });

  it('parseExtensions stays linear on long lists, long quoted strings and escapes', () => {
    const make = (size: number) => {
      // RFC 6455 §9.1: a quoted value is a token once unescaped, so the escapes are of tchars.
      const unit = 'permessage-deflate; client_max_window_bits; a="\\!\\#\\~x\\|" ,, ';
      const input = unit.repeat(Math.floor(size / unit.length));
      return { input, length: input.length };
    };
    expect(parseExtensions(make(LARGE).input).length).toBeGreaterThan(10_000);
    const ratio = growth('parseExtensions, long list', make, (input) => parseExtensions(input));
    expect(ratio).toBeLessThan(MAX_LINEAR_RATIO);
  });
});

describe('the linear-time figures', () => {
  it('are reported (this runs last in the file)', () => {
    expect(figures.length).toBeGreaterThan(0);
    console.log(
      `handshake linear-time figures (bound ${MAX_LINEAR_RATIO} for O(n); O(n²) would be about ${GROWTH}):\n  ${figures.join('\n  ')}`,
    );
  });
});
