import { describe, expect, it } from 'vitest';
import { PayloadBuffers } from '../src/capture/_payload-buffers.ts';

describe('PayloadBuffers', () => {
  it('doubles what is needed, but not past the limit (the largest message allowed) unless more is needed', () => {
    expect(new PayloadBuffers().grow(undefined, 0, 3000).length).toBe(6000);
    expect(new PayloadBuffers().grow(undefined, 0, 3000, 5000).length).toBe(5000);
    expect(new PayloadBuffers().grow(undefined, 0, 10, 12).length).toBe(12);
    expect(new PayloadBuffers().grow(undefined, 0, 3000, 2000).length).toBe(3000);
  });

  it('grows from the bytes that arrived, keeping them, and gives the outgrown array back for reuse', () => {
    const buffers = new PayloadBuffers();
    const first = buffers.grow(undefined, 0, 10);
    expect(first.length).toBe(4096);
    first.set([1, 2, 3]);
    expect(buffers.grow(first, 3, 4096)).toBe(first);
    const second = buffers.grow(first, 3, 5000);
    expect(second.length).toBe(10_000);
    expect([...second.subarray(0, 4)]).toEqual([1, 2, 3, 0]);
    expect(buffers.freeBytes).toBe(4096);
    // The largest free array serves the next message, whatever it needs within it.
    buffers.give(second);
    expect(buffers.grow(undefined, 0, 1)).toBe(second);
    expect(buffers.grow(undefined, 0, 1)).toBe(first);
    expect(buffers.freeBytes).toBe(0);
  });

  it('makes a new array when no free one is long enough', () => {
    const buffers = new PayloadBuffers();
    const small = buffers.grow(undefined, 0, 100);
    buffers.give(small);
    const large = buffers.grow(undefined, 0, 5000);
    expect(large).not.toBe(small);
    expect(large.length).toBe(10_000);
    expect(buffers.freeBytes).toBe(4096);
  });

  it('keeps a lent array from reuse until reclaim()', () => {
    const buffers = new PayloadBuffers();
    const lent = buffers.grow(undefined, 0, 100);
    buffers.lend(lent);
    expect(buffers.freeBytes).toBe(0);
    expect(buffers.grow(undefined, 0, 100)).not.toBe(lent);
    buffers.reclaim();
    expect(buffers.freeBytes).toBe(4096);
    expect(buffers.grow(undefined, 0, 100)).toBe(lent);
  });

  it('keeps the two largest free arrays, since a message takes the largest', () => {
    const buffers = new PayloadBuffers();
    const [small, middle, large] = [100, 3000, 6000].map((needed) => buffers.grow(undefined, 0, needed));
    for (const array of [middle, small, large]) buffers.give(array);
    expect(buffers.freeBytes).toBe(12_000 + 6000);
    expect(buffers.grow(undefined, 0, 1)).toBe(large);
    expect(buffers.grow(undefined, 0, 1)).toBe(middle);
    expect(buffers.freeBytes).toBe(0);
  });

  it('keeps at most keepBytes of free arrays, the largest ones', () => {
    const buffers = new PayloadBuffers(20_000);
    const arrays = [100, 3000, 6000].map((needed) => buffers.grow(undefined, 0, needed));
    expect(arrays.map((array) => array.length)).toEqual([4096, 6000, 12_000]);
    for (const array of arrays) buffers.give(array);
    // 4096 + 6000 + 12 000 is over 20 000: the smallest goes.
    expect(buffers.freeBytes).toBe(18_000);
    expect(buffers.grow(undefined, 0, 1)).toBe(arrays[2]);
    expect(buffers.grow(undefined, 0, 1)).toBe(arrays[1]);
    // An array longer than keepBytes is never kept.
    buffers.give(new Uint8Array(30_000));
    expect(buffers.freeBytes).toBe(0);
  });
});
