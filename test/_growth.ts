/**
 * Timing harness of the linear-time tests (after noble-hashes' test/slow-dos.test.ts): how much
 * longer a function takes when its input grows 4x. Linear growth gives about 4x, quadratic about
 * 16x; the box is noisy, so medians of several runs and a threshold (8x) halfway between the two
 * in log scale. Each test file that uses it first shows it tells O(n) from O(n^2).
 */

export const GROWTH = 4;
// sqrt(4 * 16): the geometric middle between linear (4x) and quadratic (16x) growth.
export const THRESHOLD = 8;
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of one call of `fn(input)`. */
function timeOnce<T>(input: T, fn: (input: T) => unknown): number {
  const start = performance.now();
  fn(input);
  return performance.now() - start;
}

/**
 * How much longer `fn` takes on the input of size n * GROWTH than on size n: medians of runs
 * that alternate between the sizes, after a warm-up on both (Chromium measured the small size
 * before its JIT had optimised the loop, and the ratio came out at x1.7).
 */
export function growth<T>(make: (n: number) => T, n: number, fn: (input: T) => unknown, runs = RUNS): { ratio: number; small: number; large: number } {
  const smallInput = make(n);
  const largeInput = make(n * GROWTH);
  fn(smallInput);
  fn(largeInput);
  fn(smallInput);
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    smallTimes.push(timeOnce(smallInput, fn));
    largeTimes.push(timeOnce(largeInput, fn));
  }
  const small = median(smallTimes);
  const large = median(largeTimes);
  return { ratio: large / small, small, large };
}
