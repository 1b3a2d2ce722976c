/**
 * Timing per BENCHMARKS.md "Timing method": warm up for at least 200 ms of calls (so V8 has
 * optimised), then take samples of k calls each, k chosen so that a sample lasts at least 30 ms
 * (k = 1 for slow operations), and report the median per-call time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How to time. */
export interface TimingOptions {
  /** Minimum warm-up, in ms of calls (at least two calls are made whatever the time). */
  readonly warmupMs: number;
  /** Number of samples; the median is reported. */
  readonly samples: number;
  /** Minimum duration of one sample, in ms: sets the number of calls per sample. */
  readonly minSampleMs: number;
}

/** The method of BENCHMARKS.md: ≥ 200 ms warm-up, 7 samples of ≥ 30 ms. */
export const FULL_TIMING: TimingOptions = { warmupMs: 200, samples: 7, minSampleMs: 30 };
/** A smoke run: shorter warm-up and fewer, shorter samples (figures are rougher, not comparable). */
export const QUICK_TIMING: TimingOptions = { warmupMs: 40, samples: 3, minSampleMs: 10 };

// A full garbage collection before each measurement, so that one operation's garbage (tapes of
// hundreds of MB) is not collected while the next one is timed. `--expose-gc` set at run time
// makes `gc` available to new contexts only, hence the vm detour.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Result of timing one operation. */
export interface Timing {
  /** Median per-call time over the samples, in ms. */
  readonly ms: number;
  /** Fastest and slowest sample, per call, in ms (the spread). */
  readonly minMs: number;
  readonly maxMs: number;
  /** Calls per sample. */
  readonly callsPerSample: number;
  readonly samples: number;
}

// Every result is stored here so that V8 cannot treat a timed call as dead code.
const sink: { last?: unknown } = {};

function timeCalls(op: () => unknown, k: number): number {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) sink.last = op();
  return performance.now() - t0;
}

/** Times `op` by the method above. */
export function measure(op: () => unknown, options: TimingOptions): Timing {
  collectGarbage();
  const start = performance.now();
  let calls = 0;
  while (calls < 2 || performance.now() - start < options.warmupMs) {
    sink.last = op();
    calls++;
  }
  // Calibrate k by growing it until one sample is long enough (these calls are more warm-up).
  let k = 1;
  for (;;) {
    const t = timeCalls(op, k);
    if (t >= options.minSampleMs) break;
    k = Math.ceil(k * Math.min(10, (1.2 * options.minSampleMs) / Math.max(t, 1e-3)));
  }
  const perCall: number[] = [];
  for (let s = 0; s < options.samples; s++) perCall.push(timeCalls(op, k) / k);
  return {
    ms: median(perCall),
    minMs: Math.min(...perCall),
    maxMs: Math.max(...perCall),
    callsPerSample: k,
    samples: options.samples,
  };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}
