/**
 * Time-step loops differentiated with binomial checkpointing (Griewank & Walther's revolve): the
 * whole loop enters the tape as ONE atomic instruction holding only the initial state, the
 * parameters and the final state. The reverse sweep reconstructs the states it needs from at most
 * `snapshots` stored states, with the provably minimal number of recomputed steps, and reverses one
 * step at a time on a short tape of its own. Memory: snapshots × state + one step's tape, instead of
 * the whole trajectory's tape.
 */
import { type AtomicDefinition, callAtomic, type Plain } from '../atomic.js';
import { DomainError, describeValue, ShapeError } from '../errors.js';
import * as F from '../ops/functions.js';
import { jvpFloat, outputValues, type Recording, recordCall, vjpFloat } from '../recording.js';
import { addRunInput, beginTape, endTape, requireFinite } from '../tape/record.js';
import { Tape } from '../tape/tape.js';
import { Active, ActiveVec, type Value, type Vec } from '../tape/values.js';
import { vjp } from '../transforms.js';
import { OnlineCheckpointer } from './online.js';
import {
  firstSweepPositions,
  optimalForwardSteps,
  type RevolveStats,
  reverseLoop,
  reverseLoopFrom,
  snapshotsForBudget,
} from './revolve.js';

/** One time step: the next state from the state, the parameters and the step index. */
export type StepFunction = (state: Vec, params: Value, k: number) => Vec;

/** What a checkpointed loop did (filled in by its passes; pass an object in the options to read it). */
export interface CheckpointStats {
  /** Steps in the loop. */
  steps: number;
  /** Snapshots available (the initial state counts as one). */
  snapshots: number;
  /**
   * Steps recomputed by the last reverse sweep (forward evaluations beyond the reverse steps
   * themselves). For `checkpointedLoop` the forward run doubles as revolve's first sweep, so this is
   * `optimalRecomputedSteps − (steps − 1)`.
   */
  recomputedSteps: number;
  /** Revolve's provable minimum for (steps, snapshots), first sweep from x_0 included. */
  optimalRecomputedSteps: number;
  /** Largest number of states held at once by the last reverse sweep. */
  peakSnapshots: number;
  /** Bytes of those states. */
  peakSnapshotBytes: number;
  /** Largest single-step tape recorded by the last sweep (bytes). */
  peakStepTapeBytes: number;
  /** Instructions of that largest step tape. */
  stepTapeInstructions: number;
  /** Peak bytes the last reverse sweep held for this loop: snapshots plus the largest step tape. */
  peakBytes: number;
}

/** Options of `checkpointedLoop`. */
export interface CheckpointOptions {
  /** Number of states that may be held at once (≥ 1; the initial state counts as one). */
  readonly snapshots?: number;
  /** Alternatively a memory budget in bytes for the snapshots: snapshots = ⌊budget / (8 · state length)⌋. */
  readonly memoryBudget?: number;
  /** Parameters the step differentiates w.r.t. besides the state (a number or vector; default none). */
  readonly params?: Value;
  /** Filled in with what the passes did. */
  readonly stats?: CheckpointStats;
}

function emptyStats(): CheckpointStats {
  return {
    steps: 0,
    snapshots: 0,
    recomputedSteps: 0,
    optimalRecomputedSteps: 0,
    peakSnapshots: 0,
    peakSnapshotBytes: 0,
    peakStepTapeBytes: 0,
    stepTapeInstructions: 0,
    peakBytes: 0,
  };
}

function lengthOf(v: Value): number {
  return typeof v === 'number' || v instanceof Active ? 0 : v.length;
}

/** Checks a step's result: same length as the state, finite; names the step. */
function checkState(x: unknown, n: number, k: number, who: string): Float64Array {
  if (!(x instanceof Float64Array) || x.length !== n) {
    if (x instanceof Active || x instanceof ActiveVec || x instanceof Tape) {
      throw new ShapeError(
        `${who}: step ${k} result`,
        'a state computed from its arguments only',
        'an active value (the step closes over a value being differentiated: pass it in options.params)',
      );
    }
    throw new ShapeError(`${who}: step ${k} result`, `a state of length ${n} (the length of state0)`, describeValue(x));
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!))
      throw new DomainError(`${who}: state after step ${k}, entry ${i}`, 'a finite number', `number ${x[i]}`);
  }
  return x;
}

/**
 * One plain step x_{k+1} = step(x_k, p, k), evaluated on a throwaway tape: the tape's memory comes
 * from the chunk pool, whereas evaluating on plain Float64Arrays allocates a fresh array per op
 * (measured: 2× slower on the heat step, mostly allocation and garbage collection).
 */
function plainStep(step: StepFunction, x: Float64Array, p: Plain | undefined, k: number, who: string): Float64Array {
  const t = beginTape();
  let y: unknown;
  try {
    const xs = new ActiveVec(t, addRunInput(t, x), x.length);
    y = step(xs, (p ?? 0) as Value, k);
    if (t.hasOuter)
      y = t; // the step captured a value being differentiated: reported by checkState
    else if (y instanceof ActiveVec && y.tape === t) y = y.value;
  } finally {
    endTape(t);
    t.recycle();
  }
  return checkState(y, x.length, k, who);
}

/** The step as a function of one packed vector [state, params] (views, no copies). */
function packedStep(step: StepFunction, n: number, m: number, k: number) {
  return (v: ActiveVec): Vec => step(v.slice(0, n), m === 0 ? 0 : m < 0 ? v.at(n) : v.slice(n, n + m), k);
}

function pack(x: Float64Array, p: Plain | undefined): Float64Array {
  if (p === undefined) return x;
  const m = typeof p === 'number' ? 1 : p.length;
  const v = new Float64Array(x.length + m);
  v.set(x);
  if (typeof p === 'number') v[x.length] = p;
  else v.set(p, x.length);
  return v;
}

function recordStep(step: StepFunction, x: Float64Array, p: Plain | undefined, k: number, who: string): Recording {
  const m = p === undefined ? 0 : typeof p === 'number' ? -1 : p.length;
  return recordCall(packedStep(step, x.length, m, k), pack(x, p), [], who);
}

function noteTape(stats: CheckpointStats, rec: Recording): void {
  const st = rec.tape.stats();
  if (st.usedBytes > stats.peakStepTapeBytes) {
    stats.peakStepTapeBytes = st.usedBytes;
    stats.stepTapeInstructions = st.instructions;
  }
}

/** How a loop is run forward once (its value rule): the final state and what the reverse sweep may reuse. */
interface ForwardRun {
  readonly x: Float64Array;
  readonly steps: number;
  /** Snapshots kept online during the run (while loops), usable by ONE reverse sweep. */
  online?: OnlineCheckpointer<Float64Array> | undefined;
  /** States at revolve's first-sweep positions, kept by the run (offline loops): the reverse skips that sweep. */
  readonly known?: ReadonlyMap<number, Float64Array>;
}

interface LoopConfig {
  readonly who: string;
  readonly step: StepFunction;
  readonly n: number;
  readonly snapshots: number;
  readonly stats: CheckpointStats;
  /** Runs the loop forward on plain values. */
  run(x0: Float64Array, p: Plain | undefined): ForwardRun;
}

/** The atomic that stands for a whole checkpointed loop on the enclosing tape. */
function loopDefinition(cfg: LoopConfig): AtomicDefinition<ForwardRun> {
  const { who, step, n, snapshots: s, stats } = cfg;
  const advance = (x: Float64Array, p: Plain | undefined, k: number): Float64Array => plainStep(step, x, p, k, who);
  return {
    name: who,
    value: (inputs) => {
      const r = cfg.run(inputs[0] as Float64Array, inputs[1]);
      stats.steps = r.steps;
      stats.optimalRecomputedSteps = r.steps > 0 ? optimalForwardSteps(r.steps, s) : 0;
      return { outputs: [r.x === inputs[0] ? r.x.slice() : r.x], state: r };
    },
    vjp: (inputs, _outputs, [ybar], run) => {
      const p = inputs[1];
      let lambda = (ybar as Float64Array).slice();
      const pbar = p === undefined ? undefined : new Float64Array(typeof p === 'number' ? 1 : p.length);
      stats.peakStepTapeBytes = 0;
      const hooks = {
        advance: (x: Float64Array, k: number) => advance(x, p, k),
        reverseStep: (k: number, x: Float64Array) => {
          const rec = recordStep(step, x, p, k, who);
          try {
            noteTape(stats, rec);
            const g = vjpFloat(rec, [lambda]);
            lambda = g.slice(0, n);
            if (pbar !== undefined) for (let i = 0; i < pbar.length; i++) pbar[i]! += g[n + i]!;
          } finally {
            rec.tape.recycle();
          }
        },
      };
      // Snapshots kept online serve one sweep; later sweeps (more directions) use offline revolve.
      const online = run.online;
      run.online = undefined;
      const x0 = inputs[0] as Float64Array;
      let r: RevolveStats;
      if (online !== undefined) r = online.reverse(run.steps, hooks);
      else if (run.known !== undefined) r = reverseLoopFrom(run.steps, s, x0, run.known, hooks);
      else r = reverseLoop(run.steps, s, x0, hooks);
      stats.recomputedSteps = r.forwardSteps;
      stats.peakSnapshots = r.peakSnapshots;
      stats.peakSnapshotBytes = r.peakSnapshots * n * 8;
      stats.peakBytes = stats.peakSnapshotBytes + stats.peakStepTapeBytes;
      if (pbar === undefined) return [lambda];
      return [lambda, typeof p === 'number' ? pbar[0]! : pbar];
    },
    jvp: (inputs, _outputs, tangents, run) => {
      // Forward mode needs no storage: carry (state, tangent) through the steps.
      let x = inputs[0] as Float64Array;
      const p = inputs[1];
      let xdot = tangents[0] as Float64Array;
      const pdot = tangents[1];
      for (let k = 0; k < run.steps; k++) {
        const rec = recordStep(step, x, p, k, who);
        try {
          xdot = jvpFloat(rec, [pack(xdot, pdot)]);
          x = checkState(outputValues(rec), n, k, who);
        } finally {
          rec.tape.recycle();
        }
      }
      return [xdot];
    },
    // Under an enclosing differentiation (second order): the loop unrolled through the nesting-aware
    // transforms. Correct, but without the memory saving (the enclosing tape holds every step).
    vjpGeneric: (_G, inputs, _outputs, [ybar]) => {
      const steps = stats.steps;
      const m = inputs.length > 1 ? (lengthOf(inputs[1]!) === 0 ? -1 : lengthOf(inputs[1]!)) : 0;
      const unrolled = (v: ActiveVec): Vec => {
        let x: Vec = v.slice(0, n);
        const pv: Value = m === 0 ? 0 : m < 0 ? v.at(n) : v.slice(n, n + m);
        for (let k = 0; k < steps; k++) x = step(x, pv, k);
        return x;
      };
      const [, pullback] = vjp(unrolled as never, F.concat(inputs) as never);
      const g = (pullback as (u: Value) => Value)(ybar!) as Vec;
      const res: Value[] = [F.slice(g, 0, n)];
      if (m < 0) res.push(g instanceof ActiveVec ? g.at(n) : g[n]!);
      else if (m > 0) res.push(F.slice(g, n, n + m));
      return res;
    },
  };
}

function checkLoopArgs(step: unknown, state0: unknown, who: string): void {
  if (typeof step !== 'function') throw new ShapeError(`${who}: step`, 'a function', describeValue(step));
  if (!(state0 instanceof Float64Array || state0 instanceof ActiveVec) || state0.length === 0) {
    throw new ShapeError(`${who}: state0`, 'a non-empty Float64Array or active vector', describeValue(state0));
  }
  if (state0 instanceof Float64Array) requireFinite(state0, `${who}: state0`);
}

/** What both loops share: name, step, state length, snapshot count and the stats object. */
function loopBase(step: StepFunction, state0: Vec, options: CheckpointOptions, who: string): Omit<LoopConfig, 'run'> {
  const n = state0.length;
  const snapshots = snapshotCount(options, n, who);
  const stats = Object.assign(options.stats ?? ({} as CheckpointStats), emptyStats(), { snapshots });
  return { who, step, n, snapshots, stats };
}

/** Records the loop as one atomic when anything is active, else just runs it. */
function runLoop(cfg: LoopConfig, state0: Vec, params: Value | undefined): Vec {
  const inputs: Value[] = params === undefined ? [state0] : [state0, params];
  if (!inputs.some((v) => v instanceof Active || v instanceof ActiveVec)) {
    const r = cfg.run(state0 as Float64Array, params as Plain | undefined);
    cfg.stats.steps = r.steps;
    return r.x === state0 ? r.x.slice() : r.x;
  }
  return callAtomic(loopDefinition(cfg) as AtomicDefinition<unknown>, inputs)[0] as Vec;
}

/**
 * Runs `state_{k+1} = step(state_k, params, k)` for k = 0 … nSteps − 1 and returns the final state.
 * Inside a differentiation the loop is one instruction and its reverse sweep uses binomial
 * checkpointing (revolve) with `snapshots` stored states (or as many as `memoryBudget` allows),
 * recomputing the minimal number of steps for (nSteps, snapshots). The step must get everything it
 * differentiates from its arguments (state and `params`), not from closures over active values.
 */
export function checkpointedLoop(
  step: StepFunction,
  state0: Vec,
  nSteps: number,
  options: CheckpointOptions = {},
): Vec {
  const who = 'checkpointedLoop';
  checkLoopArgs(step, state0, who);
  if (!(Number.isInteger(nSteps) && nSteps >= 0))
    throw new DomainError(`${who}: nSteps`, 'an integer ≥ 0', describeValue(nSteps));
  const base = loopBase(step, state0, options, who);
  const s = base.snapshots;
  const cfg: LoopConfig = {
    ...base,
    run: (x0, p) => {
      // The forward run that produces the result doubles as revolve's first sweep: it keeps the
      // (at most s) states that sweep would store, and the reverse sweep starts from them.
      const keep = new Set(firstSweepPositions(nSteps, s));
      const known = new Map<number, Float64Array>();
      let x = x0;
      for (let k = 0; k < nSteps; k++) {
        if (keep.has(k)) known.set(k, x);
        x = plainStep(step, x, p, k, who);
      }
      return { x, steps: nSteps, known };
    },
  };
  return runLoop(cfg, state0, options.params);
}

function snapshotCount(options: CheckpointOptions, n: number, who: string): number {
  if (options.snapshots !== undefined && options.memoryBudget !== undefined) {
    throw new ShapeError(`${who}: options`, 'either snapshots or memoryBudget', 'both');
  }
  if (options.memoryBudget !== undefined) {
    const b = options.memoryBudget;
    if (!(Number.isFinite(b) && b > 0))
      throw new DomainError(`${who}: options.memoryBudget`, 'a positive number of bytes', describeValue(b));
    const s = snapshotsForBudget(8 * n, b);
    if (s < 1)
      throw new DomainError(`${who}: options.memoryBudget`, `at least ${8 * n} bytes (one state)`, `${b} bytes`);
    return s;
  }
  const s = options.snapshots ?? 20;
  if (!(Number.isInteger(s) && s >= 1))
    throw new DomainError(`${who}: options.snapshots`, 'an integer ≥ 1', describeValue(s));
  return s;
}

/**
 * A loop whose length is not known in advance: steps while `more(state, k)` is true (at most
 * `maxSteps`, default 10^7), keeping snapshots online as it goes (thinned so the reverse sweep's
 * recomputation stays near the offline optimum; see checkpoint/online.ts for the measured bound).
 * Same step contract and options as `checkpointedLoop`; `stats.steps` tells how many steps ran.
 */
export function checkpointedWhile(
  step: StepFunction,
  state0: Vec,
  more: (state: Float64Array, k: number) => boolean,
  options: CheckpointOptions & { readonly maxSteps?: number } = {},
): Vec {
  const who = 'checkpointedWhile';
  checkLoopArgs(step, state0, who);
  if (typeof more !== 'function') throw new ShapeError(`${who}: more`, 'a function', describeValue(more));
  const maxSteps = options.maxSteps ?? 1e7;
  if (!(Number.isInteger(maxSteps) && maxSteps >= 0)) {
    throw new DomainError(`${who}: options.maxSteps`, 'an integer ≥ 0', describeValue(maxSteps));
  }
  const base = loopBase(step, state0, options, who);
  const s = base.snapshots;
  const cfg: LoopConfig = {
    ...base,
    run: (x0, p) => {
      const online = new OnlineCheckpointer<Float64Array>(s);
      let x = x0;
      let k = 0;
      while (k < maxSteps && more(x, k)) {
        online.push(x, k);
        x = plainStep(step, x, p, k, who);
        k++;
      }
      return { x, steps: k, online };
    },
  };
  return runLoop(cfg, state0, options.params);
}
