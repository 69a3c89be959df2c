/**
 * The measuring part of `npm run bench`: contenders of one case run side by side, interleaved over
 * rounds (the order rotates each round), so a machine that drifts by 2x within seconds moves all
 * of them together; a ratio is the median of the per-round ratios, never a ratio of medians.
 * Runs under Node, Deno and Bun (performance.now only).
 */

/** One way of doing the work of a case. `run` does one operation; its result is kept alive. */
export interface Contender {
  name: string;
  run: () => unknown;
  /** References for this row instead of the case's. */
  vs?: string[];
}

/** A workload measured for several contenders. */
export interface Case {
  group: string;
  name: string;
  /** What one operation processes, in `unit`s (bytes, frames, calls …). */
  unitsPerOp: number;
  unit: 'B/s' | 'frames/s' | 'calls/s' | 'msgs/s';
  contenders: Contender[];
  /** Contenders every row is compared with (ratio = row / reference, per round). */
  references: string[];
  /** Checked once before timing: throws when a contender computes the wrong thing. */
  verify?: () => void;
  /** A row of the issue's table: `contender` / `reference` should be at least `min`. */
  target?: Target;
}

/** What a table row should reach. */
export interface Target {
  contender: string;
  reference: string;
  /** Lowest acceptable ratio of medians-of-ratios. */
  min: number;
  /** Highest acceptable spread of the contender (±half the range / median), when it matters. */
  maxSpread?: number;
  /** Other contenders whose ratio to `reference` the row shows too. */
  also?: string[];
}

export interface CaseResult {
  group: string;
  case: string;
  unit: string;
  target?: Target;
  contenders: {
    name: string;
    /** Units per second, one per round. */
    rates: number[];
    median: number;
    /** (max - min) / median over the rounds. */
    spread: number;
    /** reference name -> median of per-round ratios. */
    ratios: Record<string, number>;
  }[];
}

export interface RunOptions {
  rounds: number;
  /** Target duration of one timed sample, in milliseconds. */
  sampleMs: number;
  /** Called after each case. */
  onResult?: (result: CaseResult) => void;
}

let sink: unknown;
/** Keeps results reachable so no engine can drop the work. */
export function consume(value: unknown): void {
  sink = value;
}

function timeOps(run: () => unknown, ops: number): number {
  const start = performance.now();
  for (let i = 0; i < ops; i++) sink = run();
  return performance.now() - start;
}

/** Operations per sample so that one sample lasts about `sampleMs`. */
function calibrate(run: () => unknown, sampleMs: number): number {
  let ops = 1;
  for (;;) {
    const elapsed = timeOps(run, ops);
    if (elapsed >= sampleMs / 4 || ops >= 1 << 24) {
      return Math.max(1, Math.round((ops * sampleMs) / Math.max(elapsed, 1e-3)));
    }
    ops *= 4;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Measures one case: warm-up and calibration per contender, then interleaved rounds. */
export function runCase(benchCase: Case, options: RunOptions): CaseResult {
  benchCase.verify?.();
  const { contenders } = benchCase;
  // Warm-up doubles as calibration: each contender gets as many ops as fill one sample.
  const ops = contenders.map((c) => {
    calibrate(c.run, options.sampleMs);
    return calibrate(c.run, options.sampleMs);
  });
  const rates: number[][] = contenders.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + round) % contenders.length;
      const elapsed = timeOps(contenders[i].run, ops[i]);
      rates[i].push((ops[i] * benchCase.unitsPerOp) / (elapsed / 1000));
    }
  }
  consume(sink);
  const result: CaseResult = {
    group: benchCase.group,
    case: benchCase.name,
    unit: benchCase.unit,
    target: benchCase.target,
    contenders: contenders.map((c, i) => {
      const m = median(rates[i]);
      const ratios: Record<string, number> = {};
      const target = benchCase.target;
      const references = [...(c.vs ?? benchCase.references)];
      if (target !== undefined && !references.includes(target.reference)) references.push(target.reference);
      for (const reference of references) {
        const r = contenders.findIndex((x) => x.name === reference);
        if (r < 0 || r === i) continue;
        ratios[reference] = median(rates[i].map((rate, round) => rate / rates[r][round]));
      }
      return { name: c.name, rates: rates[i], median: m, spread: (Math.max(...rates[i]) - Math.min(...rates[i])) / m, ratios };
    }),
  };
  options.onResult?.(result);
  return result;
}

/**
 * One result from several runs of the same case (`--repeat`): the rounds of all runs together,
 * so medians and per-round ratios cover minutes of a drifting machine, not seconds.
 */
export function mergeResults(runs: CaseResult[]): CaseResult {
  const [first] = runs;
  return {
    ...first,
    contenders: first.contenders.map((c, i) => {
      const rates = runs.flatMap((run) => run.contenders[i].rates);
      const m = median(rates);
      const ratios: Record<string, number> = {};
      for (const reference of Object.keys(c.ratios)) {
        const r = first.contenders.findIndex((x) => x.name === reference);
        const referenceRates = runs.flatMap((run) => run.contenders[r].rates);
        ratios[reference] = median(rates.map((rate, round) => rate / referenceRates[round]));
      }
      return { name: c.name, rates, median: m, spread: (Math.max(...rates) - Math.min(...rates)) / m, ratios };
    }),
  };
}

const SI = ['', 'k', 'M', 'G', 'T'];
/** 1234567 -> "1.23 M". */
export function formatRate(value: number): string {
  let i = 0;
  while (value >= 1000 && i < SI.length - 1) {
    value /= 1000;
    i++;
  }
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${SI[i]}`;
}

/** The results as a Markdown table: one row per contender, ratios against the references. */
export function formatTable(results: CaseResult[]): string {
  const lines = ['| group | case | contender | median | spread | ratios |', '|---|---|---|---:|---:|---|'];
  for (const result of results) {
    for (const c of result.contenders) {
      const ratios = Object.entries(c.ratios).map(([name, r]) => `${r.toFixed(2)}x ${name}`).join(', ');
      lines.push(
        `| ${result.group} | ${result.case} | ${c.name} | ${formatRate(c.median)}${result.unit} | ±${(c.spread * 50).toFixed(0)}% | ${ratios} |`,
      );
    }
  }
  return lines.join('\n');
}

/** The table rows among `results`: each target with the measured ratio, spread and verdict. */
export function formatTargets(results: CaseResult[]): string {
  const lines = ['| row | wsframe | ratio | target | met | others |', '|---|---|---:|---|---|---|'];
  for (const result of results) {
    const target = result.target;
    if (target === undefined) continue;
    const find = (name: string) => result.contenders.find((c) => c.name === name);
    const ours = find(target.contender);
    const ratio = ours?.ratios[target.reference];
    if (ours === undefined || ratio === undefined) continue;
    const spread = ours.spread / 2;
    const met = ratio >= target.min && (target.maxSpread === undefined || spread <= target.maxSpread);
    const goal = `>= ${target.min}x ${target.reference}${target.maxSpread === undefined ? '' : `, spread <= ±${target.maxSpread * 100}%`}`;
    const others = (target.also ?? []).map((name) => {
      const r = find(name)?.ratios[target.reference];
      return r === undefined ? '' : `${name} ${r.toFixed(2)}x`;
    }).filter(Boolean).join('; ');
    lines.push(`| ${result.case} | ${target.contender} | ${ratio.toFixed(2)}x (±${(spread * 100).toFixed(0)}%) | ${goal} | ${met ? 'yes' : 'no'} | ${others} |`);
  }
  return lines.join('\n');
}
