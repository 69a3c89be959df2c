import { describe, expect, it } from 'vitest';
import { TrackedBytes, checkInput, createRandom, fromHex, largestAllocation, nextInput } from '../fuzz/targets.ts';
import { Oracle, checkConnectionInput, nextConnectionInput } from '../fuzz/connection-target.ts';
import type { Connection, ConnectionEvent } from '../src/index.ts';
import { decodeFrame, encodeFrame } from '../src/wire/frame.ts';
import { importNode, itNodeBuiltins } from './_runtime.ts';

describe('fuzz driver', () => {
  it('finds nothing in a fixed-seed slice of 20,000 inputs', () => {
    const random = createRandom(20261121);
    const outcomes = new Set<string>();
    for (let run = 0; run < 20_000; run++) outcomes.add(checkInput(nextInput(random)));
    // The generator reaches acceptance, need-more and many rejection classes.
    const all = [...outcomes].join('|');
    for (const code of ['ok:', 'more', 'RESERVED_OPCODE', 'RESERVED_BITS', 'NON_MINIMAL_LENGTH', 'LENGTH_MSB_SET', 'MASK_REQUIRED', 'MASK_FORBIDDEN', 'PAYLOAD_TOO_LARGE', 'CONTROL_PAYLOAD_TOO_LONG', 'CONTROL_FRAME_FRAGMENTED']) {
      expect(all).toContain(code);
    }
  });

  itNodeBuiltins('replays every input kept in fuzz/corpus without a finding', async () => {
    const fs = await importNode<typeof import('node:fs')>('node:fs');
    const folder = new URL('../fuzz/corpus/', import.meta.url);
    const files = fs.readdirSync(folder).filter((name) => name.endsWith('.hex'));
    expect(files.length).toBeGreaterThan(20);
    for (const name of files) {
      const input = fromHex(fs.readFileSync(new URL(name, folder), 'utf8'));
      const check = name.startsWith('connection-') ? checkConnectionInput : checkInput;
      expect(() => check(input), name).not.toThrow();
    }
  });

  it('the oracle catches an allocation larger than the input', () => {
    const bytes = new TrackedBytes(4);
    TrackedBytes.largestAllocation = 0;
    bytes.slice(0, 4);
    expect(TrackedBytes.largestAllocation).toBe(4);
    expect(bytes.subarray(1)).toBeInstanceOf(TrackedBytes);
    expect(TrackedBytes.largestAllocation).toBe(4);
  });

  it('the oracle accepts a valid frame and names it by opcode and header length', () => {
    const frame = encodeFrame({ opcode: 1, payload: new Uint8Array(3), maskingKey: new Uint8Array(4) });
    expect(checkInput(frame)).toBe('ok:1:6|ok:1:6|MASK_FORBIDDEN|ok:1:6');
  });
});

describe('fuzz oracle allocation tracking', () => {
  it('measures `new Uint8Array(n)` made by the code under test, and slices of tracked inputs', () => {
    const masked = encodeFrame({ opcode: 2, payload: new Uint8Array(100), maskingKey: new Uint8Array(4) });
    expect(largestAllocation(() => decodeFrame(masked))).toBe(100);
    expect(largestAllocation(() => new Uint8Array(5000))).toBe(5000);
    const tracked = new TrackedBytes(64);
    expect(largestAllocation(() => tracked.slice(0, 10))).toBe(10);
    expect(new Uint8Array(1)).toBeInstanceOf(Uint8Array);
  });
});

describe('connection fuzz target', () => {
  it('finds nothing in a fixed-seed slice of 2,000 connection inputs', () => {
    const random = createRandom(20261207);
    const outcomes = new Set<string>();
    for (let run = 0; run < 2000; run++) outcomes.add(checkConnectionInput(nextConnectionInput(random)));
    // The generator reaches both roles' handshake failures and timeouts, clean closes, the
    // peer's violations (ProtocolError codes) and every deadline.
    const all = [...outcomes].join('|');
    for (const outcome of ['server:1000:clean', 'client:1000:clean', 'server:1005:clean', 'client:1005:clean', 'server:1002:RESERVED_OPCODE',
      'client:1002:MASK_FORBIDDEN', 'server:1002:MASK_REQUIRED', 'server:1007:INVALID_UTF8', 'server:1006:REJECTED',
      'server:1006:INVALID_HEADER', 'client:1006:INVALID_HEADER', ':handshake', ':pong', ':close', 'server:1006:-:|', 'client:1006:-:|']) {
      expect(all + '|', outcome).toContain(outcome);
    }
  });

  /** A stand-in connection whose events, output and state a test sets. */
  function fakeConnection() {
    const fake = {
      role: 'server' as const,
      state: 'open' as Connection['state'],
      transportShouldClose: false,
      pending: [] as ConnectionEvent[],
      output: [] as Uint8Array[],
      events(): ConnectionEvent[] {
        const events = fake.pending;
        fake.pending = [];
        return events;
      },
      takeOutput(): Uint8Array[] {
        const output = fake.output;
        fake.output = [];
        return output;
      },
    };
    return { fake, oracle: new Oracle(fake as unknown as Connection) };
  }
  const close: ConnectionEvent = { type: 'close', code: 1000, reason: '', wasClean: true };

  it('the oracle catches an event after close', () => {
    const { fake, oracle } = fakeConnection();
    fake.pending = [close];
    fake.state = 'closed';
    fake.transportShouldClose = true;
    oracle.after('receive', false);
    fake.pending = [{ type: 'text', data: 'late' }];
    expect(() => oracle.after('receive', false)).toThrow('event text after close');
  });

  it('the oracle catches output beyond its bound, and output after closed', () => {
    const { fake, oracle } = fakeConnection();
    oracle.received = 100;
    fake.output = [new Uint8Array(3 * 100 + 1024)];
    oracle.after('receive', false);
    fake.output = [new Uint8Array(1)];
    expect(() => oracle.after('receive', false)).toThrow('1325 bytes written for 100 received (bound 1324)');
    const other = fakeConnection();
    other.fake.state = 'closed';
    other.fake.pending = [close];
    other.oracle.after('receiveEnd', false);
    other.fake.output = [new Uint8Array(2)];
    expect(() => other.oracle.after('send', true)).toThrow("send wrote 2 bytes after 'closed'");
  });

  it('the oracle catches a move the transition table does not list, and transportShouldClose going back', () => {
    const { fake, oracle } = fakeConnection();
    fake.state = 'connecting';
    expect(() => oracle.after('receive', false)).toThrow('state open -> connecting');
    const other = fakeConnection();
    other.fake.transportShouldClose = true;
    other.oracle.after('handleDeadline', false);
    other.fake.transportShouldClose = false;
    expect(() => other.oracle.after('handleDeadline', false)).toThrow('transportShouldClose went back to false');
  });
});
