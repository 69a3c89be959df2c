import { describe, expect, it } from 'vitest';
import { TrackedBytes, checkInput, createRandom, fromHex, largestAllocation, nextInput } from '../fuzz/targets.ts';
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
      expect(() => checkInput(input), name).not.toThrow();
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
