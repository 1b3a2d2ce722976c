/**
 * Compiled programs: a recording's instruction stream split into fused kernels (runs of elementwise
 * vector instructions, see `analyze.ts`) and interpreted stretches (the interpreter's own loops over
 * instruction ranges), with the same three sweeps as the interpreter — value replay, forward
 * (p directions), reverse (q directions) — and bitwise the same results.
 *
 * Kernels are JavaScript generated with `new Function` from the tape's data (`codegen.ts`). Where
 * code generation is not allowed (a content-security policy without `unsafe-eval`), compiling falls
 * back to the interpreter with one warning. `setCompilation(false)` turns every compiled program
 * off (the interpreter runs), and `compileRecording(rec, { enabled: false })` never compiles.
 *
 * The value kernels write only the outputs something outside their run reads: intermediates that
 * live only inside a run stay locals, and their slots hold stale values after a compiled replay.
 * Code that reads the tape's slots directly after a compiled replay calls `materialize()` first
 * (the recording helpers do when they fall back to the interpreter).
 */

import type { BinarySpec, UnarySpec } from '../ops/spec.js';
import { OP_CONCAT, OP_CONST_RUN, OP_INPUT_RUN, SPECS } from '../ops/table.js';
import type { Recording } from '../recording.js';
import { forwardSweep } from '../sweeps/forward.js';
import { replayRange, replayValues } from '../sweeps/replay.js';
import { reverseRange } from '../sweeps/reverse.js';
import { giveSweepBuffer, takeSweepBuffer } from '../tape/pool.js';
import { E_AUX, E_LEN, E_OUT, EXT } from '../tape/tape.js';
import { type Analysis, analyze, forEachRead, type Run } from './analyze.js';
import {
  type DirectForward,
  forwardKernel,
  type KernelSource,
  reverseKernel,
  type SpecTable,
  UNROLL,
  valueKernel,
} from './codegen.js';
import { type LanePlan, laneColumns, laneKernel, planLanes } from './lanes.js';
import { type AccumulationPlan, planAccumulation } from './order.js';
import { type AdjointPlan, planAdjoints, planTangents, type TangentPlan } from './tangent-plan.js';

/** Figures about a compiled program (compile cost, what was fused). */
export interface CompileStats {
  /** Runs turned into fused kernels. */
  readonly runs: number;
  /** Instructions inside them, and instructions left to the interpreter. */
  readonly fusedInstructions: number;
  readonly interpretedInstructions: number;
  /** Run outputs kept in locals (never written to the slot arrays) and run outputs stored. */
  readonly locals: number;
  readonly stored: number;
  /** Locals whose (expensive) values the value sweep writes anyway, for the derivative sweeps to load. */
  readonly saved: number;
  /** Slot elements whose values the value sweep no longer writes (the other locals' lengths summed). */
  readonly localElements: number;
  /** Analysis time and code generation time so far (kernels for new p or q are made on first use), ms. */
  analysisMs: number;
  codegenMs: number;
  /** Kernels generated so far. */
  kernels: number;
  /** Kernels not made because their source was too large for V8 to optimize (the interpreter runs). */
  tooLarge: number;
  /** Input uses whose adjoint contributions are buffered to keep the interpreter's order (per q made). */
  bufferedUses: number;
  /** Slot intervals accumulated directly thanks to the (0 + c1) + c2 = (0 + c2) + c1 argument. */
  swappedIntervals: number;
  /** Gathers fused into runs (indirect loads; their adjoints scatter into the source). */
  readonly gathers: number;
  /**
   * True when `gradient` runs one fused kernel (value, adjoints, the copy of x and its check in one
   * pass): the whole function is one run over its input vector closed by the sum that is its output.
   */
  fusedGradient: boolean;
  /**
   * True once a forward sweep went straight from the seeds to the output block (the function is its
   * input, constants and concatenations of both, then one run making the output vector).
   */
  directForward: boolean;
  /**
   * Slots per direction of the planned forward sweep's tangent arena (0 until one ran; compare
   * with the tape's slot count, which the unplanned sweep's tangent array spans).
   */
  tangentArena: number;
  /** The same for the planned reverse sweep's adjoint arena. */
  adjointArena: number;
  /** True when kernels were made (compilation enabled, not nested, code generation allowed). */
  compiled: boolean;
  /** True when code generation failed (a content-security policy): the interpreter runs instead. */
  fallback: boolean;
}

/** Options of `compileRecording` and `RecordedFunction.compile`. */
export interface CompileOptions {
  /** false: do not compile (the interpreter keeps running). Default true. */
  readonly enabled?: boolean;
  /**
   * Store the values of expensive fused intermediates (exp, log, pow …) in the value sweep and load
   * them in the derivative sweeps instead of evaluating them again (default false: on the
   * gradient benchmarks the extra store streams cost about what the second evaluation saves, and
   * the one-pass gradient kernels, which compute every value once anyway, do not apply). Worth it
   * where every replay is followed by a forward sweep: a sparse Jacobian of the Bratu residual
   * (one `exp` per element) saves about 1.2 primal per evaluation.
   */
  readonly saveExpensive?: boolean;
  /**
   * Plan the forward sweep's tangent memory over the runs (`tangent-plan.ts`; default true). false
   * keeps the tape-sized tangent array — for comparisons.
   */
  readonly planMemory?: boolean;
}

/** What the recording helpers need from a compiled program. */
export interface CompiledSweeps {
  readonly stats: CompileStats;
  /** True when the compiled sweeps may run now (compiled, globally enabled, not in debug mode). */
  usable(): boolean;
  /** Value replay from the input slots' current contents. */
  replay(): void;
  /** Forward sweep, p directions (dot slot-major, inputs seeded). */
  forward(dot: Float64Array, p: number): void;
  /** Reverse sweep, q directions (adj slot-major, outputs seeded, everything else 0). */
  reverse(adj: Float64Array, q: number, clear: boolean): void;
  /** Writes every slot's value after a compiled replay (for code reading the tape directly). */
  materialize(): void;
  /**
   * The gradient at x in one pass, when the whole function is one fused run over its input vector
   * closed by the sum that is its output: writes the output value into its slot (and x into the
   * input slots when the tape has recorded comparisons to check; otherwise the tape keeps its old
   * point and replays before any other sweep), and returns ∇f(x) in a new array — or the index of
   * x's first non-finite entry (the caller throws), or undefined when the function does not have
   * that shape (or x is not a Float64Array of the input's length).
   */
  fusedGradient(x: Float64Array): Float64Array | number | undefined;
  /**
   * The forward sweep straight from the seeds to the output block (result[i·p + k], into `out` when
   * given), when the function is its input (with constants and concatenations of both) followed by
   * one run that makes the output vector; undefined otherwise (the caller sweeps a tangent array).
   */
  forwardDirect(seeds: readonly Float64Array[], out?: Float64Array): Float64Array | undefined;
  /**
   * The forward sweep with a planned tangent arena (`tangent-plan.ts`), when everything after the
   * input and constants is fused runs: the output block (result[i·p + k], into `out` when given),
   * or undefined when the function does not have that shape (the caller sweeps a tangent array).
   */
  forwardPlanned(seeds: readonly Float64Array[], out?: Float64Array): Float64Array | undefined;
  /**
   * The clearing reverse sweep with a planned adjoint arena (the mirror of `forwardPlanned`): the input's
   * adjoints (result[j·q + k]) for the output cotangents `seeds`, or undefined when the tape does not have
   * that shape.
   */
  reversePlanned(seeds: readonly Float64Array[]): Float64Array | undefined;
  /**
   * Element Jacobians (`lanes.ts`), when the function has the direct-forward shape: per lane (an
   * input access of the output's run whose derivative reaches the output), the input element each
   * output row reads (−1: a constant). Undefined when the shape does not allow it.
   */
  laneColumns(): Int32Array[] | undefined;
  /**
   * Replays the values from the input slots' contents and writes each lane's derivative of output
   * row i to values[P[a][i]] (where P[a][i] ≥ 0), in one pass. True when done; false when a
   * multiplier was not finite (the values are replayed, `values` is partly written: the caller
   * sweeps the ordinary way); undefined when not available (nothing was done).
   */
  laneJacobian(values: Float64Array, P: readonly Int32Array[]): boolean | undefined;
}

// Core is typed without DOM or Node libraries: the two host facilities used here, declared.
interface Host {
  readonly performance?: { now(): number };
  readonly console?: { warn(message: string): void };
}
const host = globalThis as Host;
const now = (): number => (host.performance !== undefined ? host.performance.now() : Date.now());

let enabledGlobally = true;
let warned = false;

/**
 * Turns compiled kernels on or off for every compiled function (default on). Off, the interpreter
 * runs; results are bitwise the same either way.
 */
export function setCompilation(on: boolean): void {
  enabledGlobally = on;
}

/** Whether compiled kernels are on (see setCompilation). */
export function isCompilationEnabled(): boolean {
  return enabledGlobally;
}

/** The function constructor used for kernels (replaced by tests to simulate a CSP without unsafe-eval). */
let makeFunction: (names: string[], body: string) => (...args: unknown[]) => unknown = (names, body) =>
  new Function(...names, body) as (...args: unknown[]) => unknown;

/** @internal Test hook: replaces the function constructor (undefined restores `new Function`). */
export function setFunctionConstructorForTests(
  f: ((names: string[], body: string) => (...args: unknown[]) => unknown) | undefined,
): void {
  makeFunction = f ?? ((names, body) => new Function(...names, body) as (...args: unknown[]) => unknown);
  warned = false;
}

const specTable: SpecTable = (name) => {
  const op = Number(name.slice(1, -1));
  const kind = name[name.length - 1];
  if (name[0] === 'U') {
    const s = SPECS[op] as UnarySpec;
    return kind === 'v' ? s.value : s.d;
  }
  const s = SPECS[op] as BinarySpec;
  return kind === 'v' ? s.value : kind === 'a' ? s.da : s.db;
};

type Kernel = (V: Float64Array, K: Float64Array, X?: Float64Array) => unknown;

/** Kernel sources longer than this are not compiled (see Program.makeIfSmall). */
export const MAX_KERNEL_CHARS = 70_000;
interface TailGradient {
  /** Index of the last run's step; the tail (the interpreted step after it), if any. */
  readonly runStep: number;
  readonly sumSlot: number;
  readonly tail:
    | { readonly i0: number; readonly i1: number; readonly curBefore: number; readonly curAfter: number }
    | undefined;
  /** Slot ranges the tail reads (their adjoints are zeroed after the speculative tail reverse). */
  readonly tailReads: readonly [number, number][];
  /** The last run's value + reverse kernel (q = 1). */
  readonly kernel: Kernel;
}
type GradientKernel = (V: Float64Array, K: Float64Array, G: Float64Array, X: Float64Array) => number;

class CodegenUnavailable extends Error {}

class Program implements CompiledSweeps {
  readonly stats: CompileStats;
  private readonly analysis: Analysis;
  private readonly value: Kernel[];
  private readonly valueAll: (Kernel | undefined)[];
  private readonly fwd: Map<number, Kernel | null>[];
  private readonly rev: Map<string, Kernel | null>[];
  private readonly plans: Map<number, AccumulationPlan>[];
  private failed = false;
  /** Some local slots are stale (a compiled replay ran since the last full one). */
  private lean = false;
  /**
   * The last replay was a lane kernel's: besides the locals, the saved intermediates and the
   * concatenations before the run are stale (`settle()` replays before any other sweep).
   */
  private partial = false;
  /** The fused gradient kernel: undefined until first asked for, null when the shape does not allow it. */
  private gradKernel: GradientKernel | null | undefined;
  /** Its exact twin (the interpreter's zero tests), run when the branch-free one returns −2. */
  private gradExact: GradientKernel | undefined;
  /** The fused gradient kernels copy x into the tape only for the recorded comparisons' check. */
  private get gradCopies(): boolean {
    return this.rec.tape.cmpCode.length > 0;
  }

  constructor(
    private readonly rec: Recording,
    enabled: boolean,
    saveExpensive: boolean,
    private readonly planMemory = true,
  ) {
    const t0 = now();
    const t = rec.tape;
    this.analysis = enabled ? analyze(rec, saveExpensive) : { steps: [], runs: [], inputReads: [], nInstr: t.nInstr };
    const runs = this.analysis.runs;
    let fused = 0;
    let locals = 0;
    let stored = 0;
    let localElements = 0;
    let saved = 0;
    let gathers = 0;
    for (const rn of runs) {
      fused += rn.members.length;
      for (const m of rn.members) {
        if (m.kind === 'gather') gathers++;
        if (m.stored) stored++;
        else {
          locals++;
          if (m.saved) saved++;
          else localElements += rn.L;
        }
      }
    }
    this.stats = {
      runs: runs.length,
      fusedInstructions: fused,
      interpretedInstructions: t.nInstr - fused,
      locals,
      stored,
      saved,
      localElements,
      analysisMs: now() - t0,
      codegenMs: 0,
      kernels: 0,
      tooLarge: 0,
      bufferedUses: 0,
      swappedIntervals: 0,
      gathers,
      fusedGradient: false,
      directForward: false,
      tangentArena: 0,
      adjointArena: 0,
      compiled: enabled,
      fallback: false,
    };
    this.value = [];
    this.valueAll = runs.map(() => undefined);
    this.fwd = runs.map(() => new Map());
    this.rev = runs.map(() => new Map());
    this.plans = runs.map(() => new Map());
    if (!enabled) {
      this.failed = true;
      return;
    }
    try {
      for (const rn of runs) this.value.push(this.make(valueKernel(rn, specTable, false)));
      // The gradient's kernels are made now, so the first call does not pay for them: the one-pass
      // kernels where the function's shape allows, else the reverse kernels (q = 1) of every run.
      this.gradKernel = this.makeGradientKernel();
      if (this.gradKernel === null && !this.failed) this.tailGradient = this.makeTailGradient();
      this.stats.fusedGradient = (this.gradKernel !== null || this.tailGradient !== null) && !this.failed;
      // (The one-pass kernels cover the last run; its reverse kernel is made on first use elsewhere.)
      const tailStep = this.tailGradient ? this.analysis.steps[this.tailGradient.runStep] : undefined;
      const fusedIndex = this.gradKernel ? runs.length - 1 : tailStep?.kind === 'run' ? tailStep.index : -1;
      for (let k = 0; k < runs.length; k++) {
        if (k === fusedIndex) this.plan(k, 1);
        else this.reverseKernel(k, 1, true);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  private make(src: KernelSource): Kernel {
    const t0 = now();
    let f: Kernel;
    try {
      f = makeFunction(src.names, src.body)(...src.values) as Kernel;
    } catch (e) {
      throw new CodegenUnavailable(e instanceof Error ? e.message : String(e));
    } finally {
      this.stats.codegenMs += now() - t0;
    }
    this.stats.kernels++;
    return f;
  }

  private fail(e: unknown): void {
    if (!(e instanceof CodegenUnavailable)) throw e;
    this.failed = true;
    this.stats.fallback = true;
    this.stats.compiled = false;
    if (!warned) {
      warned = true;
      host.console?.warn(
        `@wengert/core: code generation unavailable (${e.message}); compiled functions use the interpreter`,
      );
    }
  }

  usable(): boolean {
    return !this.failed && enabledGlobally;
  }

  replay(): void {
    const t = this.rec.tape;
    this.partial = false;
    if (!this.usable()) {
      replayValues(t);
      this.lean = false;
      return;
    }
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    for (const s of this.analysis.steps) {
      if (s.kind === 'interp') replayRange(t, s.i0, s.i1, s.curBefore);
      else this.value[s.index]!(V, K);
    }
    this.lean = this.stats.localElements > 0;
  }

  /** After a lane kernel: the ordinary compiled replay, so every sweep finds what it reads. */
  private settle(): void {
    if (this.partial) this.replay();
  }

  materialize(): void {
    if (this.partial) {
      replayValues(this.rec.tape);
      this.partial = false;
      this.lean = false;
      return;
    }
    if (!this.lean) return;
    const t = this.rec.tape;
    if (this.failed) replayValues(t);
    else {
      try {
        const V = t.slots.flat!;
        const K = t.consts.flat!;
        this.analysis.runs.forEach((rn, k) => {
          let f = this.valueAll[k];
          if (f === undefined) f = this.valueAll[k] = this.make(valueKernel(rn, specTable, true));
          f(V, K);
        });
      } catch (e) {
        this.fail(e);
        replayValues(t);
      }
    }
    this.lean = false;
  }

  forward(dot: Float64Array, p: number): void {
    this.settle();
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    for (const s of this.analysis.steps) {
      if (s.kind === 'interp') {
        forwardSweep(t, dot, p, s.i0, s.i1, s.curBefore);
        continue;
      }
      const fast = p <= UNROLL ? this.forwardKernel(s.index, p, true) : null;
      if (fast !== null && fast(V, K, dot) === true) continue;
      // p beyond the unrolled kernels, or a multiplier was not finite: the exact kernel (the
      // interpreter's zero tests) redoes the run — or the interpreter, for a kernel too large.
      const exact = this.forwardKernel(s.index, p, false);
      if (exact !== null) exact(V, K, dot);
      else {
        this.materialize();
        forwardSweep(t, dot, p, s.run.i0, s.run.i1, s.run.curBefore);
      }
    }
  }

  private tangentPlan: TangentPlan | null | undefined;
  private readonly plannedKernels = new Map<string, Kernel | null>();

  forwardPlanned(seeds: readonly Float64Array[], out?: Float64Array): Float64Array | undefined {
    const p = seeds.length;
    if (!this.usable() || p < 1 || p > UNROLL) return undefined;
    if (this.tangentPlan === undefined)
      this.tangentPlan = this.planMemory ? (planTangents(this.rec, this.analysis) ?? null) : null;
    const plan = this.tangentPlan;
    if (plan === null) return undefined;
    const kernels = new Map<number, [Kernel, Kernel]>();
    try {
      for (const st of plan.steps) {
        if (st.kind !== 'run') continue;
        const fast = this.plannedKernel(st.index, p, true, plan);
        const exact = this.plannedKernel(st.index, p, false, plan);
        if (fast === null || exact === null) return undefined; // too large: the tangent-array sweep
        kernels.set(st.index, [fast, exact]);
      }
    } catch (e) {
      this.fail(e);
      return undefined;
    }
    this.settle();
    this.stats.tangentArena = plan.size;
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    // Not zeroed: every place is written (seeds, or its run's outputs) before it is read.
    const dot = takeSweepBuffer(plan.size * p, false);
    const n = this.rec.inLen;
    for (let k = 0; k < p; k++) {
      const v = seeds[k]!;
      for (let j = 0, d = k; j < n; j++, d += p) dot[d] = v[j]!;
    }
    for (const [off, len] of plan.zeros) dot.fill(0, off * p, (off + len) * p);
    for (const st of plan.steps) {
      if (st.kind === 'copy') dot.copyWithin(st.dst * p, st.src * p, (st.src + st.len) * p);
      else if (st.kind === 'run') {
        const [fast, exact] = kernels.get(st.index)!;
        if (fast(V, K, dot) !== true) exact(V, K, dot);
      }
    }
    const rows = plan.outputs;
    const res = out ?? new Float64Array(rows.length * p);
    for (let i = 0; i < rows.length; i++) {
      const a = rows[i]! * p;
      for (let k = 0; k < p; k++) res[i * p + k] = dot[a + k]!;
    }
    giveSweepBuffer(dot, false);
    return res;
  }

  private adjointPlan: AdjointPlan | null | undefined;
  private readonly plannedReverse = new Map<string, Kernel | null>();

  reversePlanned(seeds: readonly Float64Array[]): Float64Array | undefined {
    const q = seeds.length;
    if (!this.usable() || q < 1 || q > UNROLL) return undefined;
    if (this.adjointPlan === undefined)
      this.adjointPlan = this.planMemory ? (planAdjoints(this.rec, this.analysis) ?? null) : null;
    const plan = this.adjointPlan;
    if (plan === null) return undefined;
    const kernels = new Map<number, Kernel>();
    try {
      for (const st of plan.steps) {
        if (st.kind !== 'run') continue;
        const key = `${st.index}:${q}`;
        let f = this.plannedReverse.get(key);
        if (f === undefined) {
          const rn = this.analysis.runs[st.index]!;
          f = this.makeIfSmall(
            reverseKernel(rn, specTable, q, true, this.plan(st.index, q), false, undefined, false, plan.map),
          );
          this.plannedReverse.set(key, f);
        }
        if (f === null) return undefined; // too large: the slot-sized sweep
        kernels.set(st.index, f);
      }
    } catch (e) {
      this.fail(e);
      return undefined;
    }
    this.settle();
    this.stats.adjointArena = plan.size;
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    // Clean (zeroed) and left clean: every place is cleared by its consumer, the input and the constants here.
    const adj = takeSweepBuffer(plan.size * q, true);
    const outs = plan.outputs;
    for (let k = 0; k < q; k++) {
      const u = seeds[k]!;
      for (let i = 0; i < outs.length; i++) adj[outs[i]! * q + k] += u[i]!;
    }
    for (const st of plan.steps) {
      if (st.kind === 'run') kernels.get(st.index)!(V, K, adj);
      else if (st.kind === 'copy') {
        const s0 = st.src * q;
        const d0 = st.dst * q;
        for (let e = 0; e < st.len * q; e++) adj[d0 + e] += adj[s0 + e]!;
      } else adj.fill(0, st.at * q, (st.at + st.len) * q);
    }
    const n = this.rec.inLen;
    const res = adj.slice(plan.input * q, (plan.input + n) * q);
    adj.fill(0, plan.input * q, (plan.input + n) * q);
    for (const [off, len] of plan.zeros) adj.fill(0, off * q, (off + len) * q);
    giveSweepBuffer(adj, true);
    return res;
  }

  private plannedKernel(k: number, p: number, fast: boolean, plan: TangentPlan): Kernel | null {
    const key = `${k}:${fast ? -p : p}`;
    let f = this.plannedKernels.get(key);
    if (f === undefined) {
      f = this.makeIfSmall(forwardKernel(this.analysis.runs[k]!, specTable, p, fast, undefined, plan.map));
      this.plannedKernels.set(key, f);
    }
    return f;
  }

  /** A forward kernel, or null when its source is beyond MAX_KERNEL_CHARS (the interpreter runs). */
  private forwardKernel(k: number, p: number, fast: boolean): Kernel | null {
    const key = fast ? -p : p;
    let f = this.fwd[k]!.get(key);
    if (f === undefined) {
      f = this.makeIfSmall(forwardKernel(this.analysis.runs[k]!, specTable, p, fast));
      this.fwd[k]!.set(key, f);
    }
    return f;
  }

  /**
   * make(src), or null for a source beyond MAX_KERNEL_CHARS: V8 does not optimize functions that
   * large (measured: the Asian option's 324-member run, forward p = 4 at 62 K characters runs 3.5×
   * faster than the interpreter, p = 6 at 86 K characters 5× slower; reverse q = 2 at 87 K, 4× slower).
   */
  private makeIfSmall(src: KernelSource): Kernel | null {
    if (src.body.length > MAX_KERNEL_CHARS) {
      this.stats.tooLarge++;
      return null;
    }
    return this.make(src);
  }

  reverse(adj: Float64Array, q: number, clear: boolean): void {
    this.settle();
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    const steps = this.analysis.steps;
    for (let n = steps.length - 1; n >= 0; n--) {
      const s = steps[n]!;
      if (s.kind === 'interp') reverseRange(t, adj, q, clear, s.i0, s.i1, s.curAfter);
      else {
        const f = q <= UNROLL ? this.reverseKernel(s.index, q, clear) : null;
        if (f !== null) f(V, K, adj);
        else this.reverseByInterpreter(s.run, adj, q, clear);
      }
    }
  }

  /** A run swept by the interpreter (q beyond the unrolled kernels): its values written out first. */
  private reverseByInterpreter(rn: Run, adj: Float64Array, q: number, clear: boolean): void {
    this.materialize();
    reverseRange(this.rec.tape, adj, q, clear, rn.i0, rn.i1, rn.curAfter);
  }

  fusedGradient(x: Float64Array): Float64Array | number | undefined {
    const rec = this.rec;
    if (!this.usable() || x.length !== rec.inLen) return undefined;
    if (this.gradKernel === undefined) this.gradKernel = this.makeGradientKernel();
    const f = this.gradKernel;
    if (f === null || f === undefined) {
      if (this.tailGradient === null) return undefined;
      this.settle();
      return this.gradientWithTail(x);
    }
    const t = rec.tape;
    const G = new Float64Array(rec.inLen);
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    let bad = f(V, K, G, x);
    if (bad === -2) {
      // A non-finite partial or input: the exact kernel from the start (it names a bad x[i]).
      G.fill(0);
      bad = this.gradExact!(V, K, G, x);
    }
    this.lean = true;
    // Without recorded comparisons the kernel reads X only and does not copy it into the tape (a
    // pass over memory saved): the tape keeps its old point, with f(x) in the output slot for
    // valueAndGradient; any other sweep replays first (a coherent state at the old point), and
    // every caller moves the tape before sweeping it anyway.
    if (!this.gradCopies) this.partial = true;
    return bad >= 0 ? bad : G;
  }

  /**
   * The gradient when the last run R is closed by a sum S whose value only a scalar tail reads
   * (the Asian option: price = e^(−rT) · S / paths), with R's value and reverse sweeps in one kernel.
   * The reverse sweep needs S's adjoint before R's loop, and the tail's reverse needs S's value:
   *
   * 1. x is checked and written; the steps before R replay; the tail replays with S stale.
   * 2. The tail's reverse gives S's adjoint g, right although S is stale: the tail is linear in
   *    S (its instructions reading S or values made from it are scalar add, sub, neg, or mul by an
   *    untainted factor), so g depends on untainted values only. Everything else that reverse
   *    wrote is wrong: the adjoints of the slots the tail reads are zeroed again (they were 0).
   * 3. The fused kernel: R's values (S written) and R's reverse from g.
   * 4. The tail replays (now right) and its reverse runs again, exactly as the interpreter's;
   *    S's adjoint must come out as g again, bit for bit (checked: otherwise the whole reverse
   *    sweep is redone the ordinary way). R's contributions came before the tail's here and after
   *    them in the interpreter: the slots R's reverse adds to and those the tail reads are
   *    disjoint (checked at compile time), so no slot sees a different order.
   * 5. The steps before R run their reverse sweeps, and the input adjoints are the gradient.
   */
  private gradientWithTail(x: Float64Array): Float64Array | number {
    const rec = this.rec;
    const plan = this.tailGradient!;
    const n = rec.inLen;
    for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) return i;
    const t = rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    V.set(x, rec.inSlot);
    const steps = this.analysis.steps;
    for (let k = 0; k < plan.runStep; k++) {
      const st = steps[k]!;
      if (st.kind === 'interp') replayRange(t, st.i0, st.i1, st.curBefore);
      else this.value[st.index]!(V, K);
    }
    const adj = takeSweepBuffer(t.slots.size);
    const S = plan.sumSlot;
    const out = rec.outSlots[0]!;
    const tail = plan.tail;
    let g = 1;
    if (tail !== undefined) {
      replayRange(t, tail.i0, tail.i1, tail.curBefore);
      adj[out] += 1;
      reverseRange(t, adj, 1, true, tail.i0, tail.i1, tail.curAfter);
      g = adj[S]!;
      for (const [lo, hi] of plan.tailReads) adj.fill(0, lo, hi);
    }
    adj[S] = tail !== undefined ? g : adj[S]! + 1;
    plan.kernel(V, K, adj);
    if (tail !== undefined) {
      replayRange(t, tail.i0, tail.i1, tail.curBefore);
      adj[out] += 1;
      reverseRange(t, adj, 1, true, tail.i0, tail.i1, tail.curAfter);
      const same = Object.is(adj[S], g);
      adj[S] = 0;
      if (!same) {
        // Not expected (the analysis makes the tail linear in S): the ordinary reverse sweep.
        adj.fill(0);
        adj[out] += 1;
        this.lean = true;
        this.reverse(adj, 1, true);
        return this.takeGradient(adj);
      }
    }
    for (let k = plan.runStep - 1; k >= 0; k--) {
      const st = steps[k]!;
      if (st.kind === 'interp') reverseRange(t, adj, 1, true, st.i0, st.i1, st.curAfter);
      else {
        const f = this.reverseKernel(st.index, 1, true);
        if (f !== null) f(V, K, adj);
        else this.reverseByInterpreter(st.run, adj, 1, true);
      }
    }
    this.lean = true;
    return this.takeGradient(adj);
  }

  /** The input adjoints as a new array; the rest of adj is zero again (clearing sweeps): back to the pool. */
  private takeGradient(adj: Float64Array): Float64Array {
    const rec = this.rec;
    const res = adj.slice(rec.inSlot, rec.inSlot + rec.inLen);
    adj.fill(0, rec.inSlot, rec.inSlot + rec.inLen);
    giveSweepBuffer(adj, true);
    return res;
  }

  /** The direct forward plan (undefined: not made yet; null: the function does not have its shape). */
  private directFwd: { readonly run: Run; readonly info: DirectForward } | null | undefined;
  private readonly directKernels = new Map<number, Kernel | null>();

  forwardDirect(seeds: readonly Float64Array[], out?: Float64Array): Float64Array | undefined {
    const p = seeds.length;
    if (!this.usable() || p < 1 || p > UNROLL) return undefined;
    if (this.directFwd === undefined) this.directFwd = this.makeDirectForward();
    const plan = this.directFwd;
    if (plan === null) return undefined;
    this.settle();
    this.stats.directForward = true;
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    const res = out ?? new Float64Array(plan.run.L * p);
    try {
      const f = this.directKernel(p, true);
      if (f === null) return undefined;
      if (f(V, K, seeds as unknown as Float64Array, res) !== true) {
        const exact = this.directKernel(p, false);
        // Too large to compile: the tangent-array sweep rewrites the whole block.
        if (exact === null) return undefined;
        exact(V, K, seeds as unknown as Float64Array, res);
      }
    } catch (e) {
      this.fail(e);
      return undefined;
    }
    return res;
  }

  private lanePlan: LanePlan | undefined;
  /** The lane kernel: undefined until made, null when too large (or code generation failed). */
  private laneKern: Kernel | null | undefined;

  /** The lane plan when the function has the direct-forward shape and kernels may run. */
  private lanes(): LanePlan | undefined {
    if (!this.usable()) return undefined;
    if (this.directFwd === undefined) this.directFwd = this.makeDirectForward();
    const d = this.directFwd;
    if (d === null) return undefined;
    this.lanePlan ??= planLanes(d.run, d.info);
    return this.lanePlan;
  }

  laneColumns(): Int32Array[] | undefined {
    const plan = this.lanes();
    return plan === undefined ? undefined : laneColumns(plan, this.directFwd!.info);
  }

  laneJacobian(values: Float64Array, P: readonly Int32Array[]): boolean | undefined {
    if (this.lanes() === undefined) return undefined;
    const d = this.directFwd!;
    const plan = this.lanePlan!;
    if (P.length !== plan.lanes.length) throw new Error('laneJacobian: one position array per lane');
    if (this.laneKern === undefined) {
      try {
        this.laneKern = this.makeIfSmall(laneKernel(d.run, specTable, d.info, plan));
      } catch (e) {
        this.fail(e);
        this.laneKern = null;
      }
    }
    const f = this.laneKern;
    if (f === null) return undefined;
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    // The steps before the run only declare the input and constants, or concatenate them: the
    // kernel reads gathered concatenations at their sources, so those copies are needed only by
    // recorded comparisons (which may read any slot) — or, stale, by the next other sweep (settle).
    const skipPrefix = t.cmpCode.length === 0;
    if (!skipPrefix) {
      const steps = this.analysis.steps;
      for (let k = 0; k < steps.length - 1; k++) {
        const s = steps[k]!;
        if (s.kind === 'interp') replayRange(t, s.i0, s.i1, s.curBefore);
      }
    }
    const ok = (f as unknown as (...a: unknown[]) => unknown)(V, K, values, P) === true;
    this.lean = this.stats.localElements > 0;
    this.partial = skipPrefix || this.stats.saved > 0;
    return ok;
  }

  private directKernel(
    p: number,
    fast: boolean,
  ): ((V: Float64Array, K: Float64Array, S: Float64Array, O: Float64Array) => unknown) | null {
    const key = fast ? -p : p;
    let f = this.directKernels.get(key);
    if (f === undefined) {
      const plan = this.directFwd!;
      f = this.makeIfSmall(forwardKernel(plan.run, specTable, p, fast, plan.info));
      this.directKernels.set(key, f);
    }
    return f as unknown as ((V: Float64Array, K: Float64Array, S: Float64Array, O: Float64Array) => unknown) | null;
  }

  /**
   * The direct forward plan: instructions before the last run only declare the input, constants,
   * or concatenate input and constant slots; the run's slot operands are input slots; its gathers
   * read the input or such a concatenation (mapped through to input indices, −1 for a constant);
   * one of its members is the output vector.
   */
  private makeDirectForward(): { readonly run: Run; readonly info: DirectForward } | null {
    const rec = this.rec;
    const t = rec.tape;
    const steps = this.analysis.steps;
    const o = rec.outRun;
    if (o === undefined || rec.inLen < 1 || t.inputs.length !== 1 || t.hasOuter) return null;
    const last = steps[steps.length - 1];
    if (last === undefined || last.kind !== 'run') return null;
    const rn = last.run;
    if (rn.i1 !== t.nInstr) return null;
    for (let k = 0; k < steps.length - 1; k++) if (steps[k]!.kind !== 'interp') return null;
    const inLo = rec.inSlot;
    const inHi = rec.inSlot + rec.inLen;
    const consts: [number, number][] = [];
    const concats = new Map<number, Int32Array>();
    /** Per concatenation, its pieces (the lane kernel reads gathered elements at their sources). */
    const concatLists = new Map<number, ArrayLike<number>>();
    /** Input index of slot s, −1 for a constant slot, undefined otherwise. */
    const source = (s: number): number | undefined => {
      if (s >= inLo && s < inHi) return s - inLo;
      for (const [lo, hi] of consts) if (s >= lo && s < hi) return -1;
      return undefined;
    };
    for (let i = 0; i < rn.i0; i++) {
      const code = t.codeAt(i);
      if (!(code & EXT)) return null;
      const op = code & 0xff;
      const r = t.aAt(i);
      const out = t.extGet(r, E_OUT);
      const len = t.extGet(r, E_LEN);
      if (op === OP_INPUT_RUN) continue;
      if (op === OP_CONST_RUN) {
        consts.push([out, out + len]);
        continue;
      }
      if (op !== OP_CONCAT) return null;
      const list = t.lists[t.extGet(r, E_AUX)]!;
      const map = new Int32Array(len);
      let w = 0;
      for (let q = 0; q < list.length; q += 2) {
        const l = list[q + 1]! || 1;
        for (let e = 0; e < l; e++) {
          const src = source(list[q]! + e);
          if (src === undefined) return null;
          map[w++] = src;
        }
      }
      concats.set(out, map);
      concatLists.set(out, list);
    }
    let outMember = -1;
    const gathers = new Map<number, Int32Array>();
    for (let j = 0; j < rn.members.length; j++) {
      const m = rn.members[j]!;
      if (m.kind === 'sum') return null;
      if (m.out === o.slot && rn.L === o.len) outMember = j;
      if (m.kind !== 'gather') continue;
      const ix = m.a.ix!;
      const xs = m.a.base;
      const via = concats.get(xs);
      const map = new Int32Array(ix.length);
      for (let i = 0; i < ix.length; i++) {
        const src = via !== undefined && via.length === m.a.srcLen ? via[ix[i]!]! : source(xs + ix[i]!);
        if (src === undefined) return null;
        map[i] = src;
      }
      gathers.set(j, map);
    }
    // Made on first use (only the lane kernel reads them): per gather of a whole concatenation, the slot
    // each gathered element was copied from.
    let slots: Map<number, Int32Array> | undefined;
    const gatherSlots = (): Map<number, Int32Array> => {
      if (slots !== undefined) return slots;
      slots = new Map();
      rn.members.forEach((m, j) => {
        const list = m.kind === 'gather' ? concatLists.get(m.a.base) : undefined;
        if (list === undefined || concats.get(m.a.base)!.length !== m.a.srcLen) return;
        const from: number[] = [];
        for (let q = 0; q < list.length; q += 2) for (let e = 0; e < (list[q + 1]! || 1); e++) from.push(list[q]! + e);
        const ix = m.a.ix!;
        slots!.set(
          j,
          Int32Array.from(ix, (k) => from[k]!),
        );
      });
      return slots;
    };
    if (outMember < 0) return null;
    const info: DirectForward = {
      inSlot: inLo,
      n: rec.inLen,
      outMember,
      gathers,
      get gatherSlots() {
        return gatherSlots();
      },
    };
    try {
      forwardKernel(rn, specTable, 1, false, info); // throws when a slot operand is not an input slot
    } catch {
      return null;
    }
    return { run: rn, info };
  }

  /** The plan of gradientWithTail, or null when the function does not have its shape. */
  private tailGradient: TailGradient | null = null;

  private makeTailGradient(): TailGradient | null {
    const rec = this.rec;
    const t = rec.tape;
    const steps = this.analysis.steps;
    if (!rec.outScalar || rec.inLen < 1 || t.inputs.length !== 1 || t.hasOuter || rec.outSlots[0]! < 0) return null;
    let runStep = steps.length - 1;
    if (runStep >= 0 && steps[runStep]!.kind === 'interp') runStep--;
    const st = steps[runStep];
    if (st === undefined || st.kind !== 'run') return null;
    const rn = st.run;
    const last = rn.members[rn.members.length - 1]!;
    if (!rn.closed) return null;
    for (const m of rn.members) if (m.saved || (m.stored && m !== last)) return null;
    const S = last.out;
    const out = rec.outSlots[0]!;
    const tailStep = steps[runStep + 1];
    let tail: TailGradient['tail'];
    const tailReads: [number, number][] = [];
    if (tailStep === undefined) {
      if (out !== S) return null;
    } else {
      if (tailStep.kind !== 'interp') return null;
      tail = { i0: tailStep.i0, i1: tailStep.i1, curBefore: tailStep.curBefore, curAfter: tailStep.curAfter };
      // Taint from S: only scalar add, sub, neg, and mul with one tainted operand may read it.
      const tainted = new Set<number>([S]);
      let cur = tailStep.curBefore;
      for (let i = tail.i0; i < tail.i1; i++) {
        const code = t.codeAt(i);
        const reads: [number, number][] = [];
        forEachRead(rec, i, (lo, hi) => reads.push([lo, hi]));
        tailReads.push(...reads);
        const hit = reads.filter(([lo, hi]) => {
          for (const s of tainted) if (s >= lo && s < hi) return true;
          return false;
        }).length;
        if (code & EXT) {
          if (hit > 0) return null;
          const r = t.aAt(i);
          cur = t.extGet(r, E_OUT) + (t.extGet(r, E_LEN) || 1);
          continue;
        }
        const op = code & 0xff;
        const outSlot = cur++;
        if (hit === 0) continue;
        if (!(op === 2 || op === 64 || op === 65 || (op === 66 && hit === 1))) return null;
        tainted.add(outSlot);
      }
      if (!tainted.has(out)) return null;
      // R's reverse adds to its slot operands and gather sources: none of them may be read by the tail.
      for (const m of rn.members) {
        for (const o of [m.a, m.b]) {
          if (o === undefined || (o.kind !== 'slot' && o.kind !== 'gather')) continue;
          const lo = o.base;
          const hi = o.base + (o.kind === 'gather' ? o.srcLen! : o.stride ? rn.L : 1);
          for (const [a, b] of tailReads) if (a < hi && lo < b) return null;
        }
      }
    }
    const plan = this.plan((st as { index: number }).index, 1);
    const kernel = this.makeIfSmall(reverseKernel(rn, specTable, 1, true, plan, true));
    if (kernel === null) return null;
    return { runStep, sumSlot: S, tail, tailReads, kernel };
  }

  /**
   * The fused gradient kernel when the function's shape allows it: one vector input (instruction
   * 0), one run over it (no gathers: the kernel writes the input slots as it goes) closed by a sum
   * that is the scalar output, nothing else of the run stored or saved, input adjoints reached only
   * from the run. Otherwise null.
   */
  private makeGradientKernel(): GradientKernel | null {
    const rec = this.rec;
    const t = rec.tape;
    const steps = this.analysis.steps;
    if (!rec.outScalar || rec.inLen < 1 || t.inputs.length !== 1 || t.hasOuter) return null;
    if (steps.length !== 2 || steps[0]!.kind !== 'interp' || steps[1]!.kind !== 'run') return null;
    const first = steps[0]!;
    if (first.i0 !== 0 || first.i1 !== 1 || (t.codeAt(0) & 0xff) !== OP_INPUT_RUN) return null;
    const rn = steps[1]!.run;
    const last = rn.members[rn.members.length - 1]!;
    if (!rn.closed || rn.i1 !== t.nInstr || rec.outSlots[0] !== last.out || rn.L > rec.inLen) return null;
    for (const m of rn.members) if (m.kind === 'gather' || m.saved || (m.stored && m !== last)) return null;
    let src: KernelSource;
    let exact: KernelSource;
    try {
      const plan = this.plan((steps[1] as { index: number }).index, 1);
      const direct = { inSlot: rec.inSlot, n: rec.inLen, copy: this.gradCopies };
      src = reverseKernel(rn, specTable, 1, true, plan, true, direct, true);
      exact = reverseKernel(rn, specTable, 1, true, plan, true, direct, false);
    } catch {
      return null; // an operand outside the input (not expected: the analysis makes none)
    }
    try {
      const ex = this.makeIfSmall(exact);
      const fast = ex === null ? null : this.makeIfSmall(src);
      if (ex === null || fast === null) return null;
      this.gradExact = ex as unknown as GradientKernel;
      return fast as unknown as GradientKernel;
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  private reverseKernel(k: number, q: number, clear: boolean): Kernel | null {
    const key = `${q}:${clear}`;
    let f = this.rev[k]!.get(key);
    if (f === undefined) {
      f = this.makeIfSmall(reverseKernel(this.analysis.runs[k]!, specTable, q, clear, this.plan(k, q)));
      this.rev[k]!.set(key, f);
    }
    return f;
  }

  /** The accumulation plan of run k for q directions (counted in the stats once). */
  private plan(k: number, q: number): AccumulationPlan {
    let plan = this.plans[k]!.get(q);
    if (plan === undefined) {
      plan = planAccumulation(this.analysis.runs[k]!, q, this.analysis.inputReads);
      this.plans[k]!.set(q, plan);
      for (const b of plan.buffered) if (b) this.stats.bufferedUses++;
      this.stats.swappedIntervals += plan.swaps;
    }
    return plan;
  }
}

/**
 * Compiles a recording's sweeps into fused kernels and attaches them (`rec.compiled`), so that
 * `moveTo`, `jvpFloat` and `vjpFloat` on it use them. Consolidates the tape first. Returns the
 * program (the attached one if the recording was compiled before). Nested recordings (captured
 * outer values) are not compiled: their sweeps run generically.
 */
export function compileRecording(rec: Recording, options: CompileOptions = {}): CompiledSweeps {
  const enabled = options.enabled !== false && !rec.tape.hasOuter;
  const old = rec.compiled;
  if (old !== undefined && (old.stats.compiled || old.stats.fallback || !enabled)) return old;
  const t = rec.tape;
  t.slots.consolidate();
  t.consts.consolidate();
  old?.materialize();
  const p = new Program(rec, enabled, options.saveExpensive === true, options.planMemory !== false);
  rec.compiled = p;
  return p;
}
