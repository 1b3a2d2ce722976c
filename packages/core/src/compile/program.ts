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
import { SPECS } from '../ops/table.js';
import type { Recording } from '../recording.js';
import { forwardSweep } from '../sweeps/forward.js';
import { replayRange, replayValues } from '../sweeps/replay.js';
import { reverseRange } from '../sweeps/reverse.js';
import { type Analysis, analyze, type Run } from './analyze.js';
import { forwardKernel, type KernelSource, reverseKernel, type SpecTable, UNROLL, valueKernel } from './codegen.js';
import { type AccumulationPlan, planAccumulation } from './order.js';

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
  /** Input uses whose adjoint contributions are buffered to keep the interpreter's order (per q made). */
  bufferedUses: number;
  /** Slot intervals accumulated directly thanks to the (0 + c1) + c2 = (0 + c2) + c1 argument. */
  swappedIntervals: number;
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
   * benchmarks the extra store streams cost about what the second evaluation saves).
   */
  readonly saveExpensive?: boolean;
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

type Kernel = (V: Float64Array, K: Float64Array, X?: Float64Array) => void;

class CodegenUnavailable extends Error {}

class Program implements CompiledSweeps {
  readonly stats: CompileStats;
  private readonly analysis: Analysis;
  private readonly value: Kernel[];
  private readonly valueAll: (Kernel | undefined)[];
  private readonly fwd: Map<number, Kernel>[];
  private readonly rev: Map<string, Kernel>[];
  private readonly plans: Map<number, AccumulationPlan>[];
  private failed = false;
  /** Some local slots are stale (a compiled replay ran since the last full one). */
  private lean = false;

  constructor(
    private readonly rec: Recording,
    enabled: boolean,
    saveExpensive: boolean,
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
    for (const rn of runs) {
      fused += rn.members.length;
      for (const m of rn.members) {
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
      bufferedUses: 0,
      swappedIntervals: 0,
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
      // The gradient's kernels are made now, so the first call does not pay for them.
      for (let k = 0; k < runs.length; k++) this.reverseKernel(k, 1, true);
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

  materialize(): void {
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
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    for (const s of this.analysis.steps) {
      if (s.kind === 'interp') forwardSweep(t, dot, p, s.i0, s.i1, s.curBefore);
      else this.forwardKernel(s.index, p)(V, K, dot);
    }
  }

  private forwardKernel(k: number, p: number): Kernel {
    let f = this.fwd[k]!.get(p);
    if (f === undefined) {
      f = this.make(forwardKernel(this.analysis.runs[k]!, specTable, p));
      this.fwd[k]!.set(p, f);
    }
    return f;
  }

  reverse(adj: Float64Array, q: number, clear: boolean): void {
    const t = this.rec.tape;
    const V = t.slots.flat!;
    const K = t.consts.flat!;
    const steps = this.analysis.steps;
    for (let n = steps.length - 1; n >= 0; n--) {
      const s = steps[n]!;
      if (s.kind === 'interp') reverseRange(t, adj, q, clear, s.i0, s.i1, s.curAfter);
      else if (q <= UNROLL) this.reverseKernel(s.index, q, clear)(V, K, adj);
      else this.reverseByInterpreter(s.run, adj, q, clear);
    }
  }

  /** A run swept by the interpreter (q beyond the unrolled kernels): its values written out first. */
  private reverseByInterpreter(rn: Run, adj: Float64Array, q: number, clear: boolean): void {
    this.materialize();
    reverseRange(this.rec.tape, adj, q, clear, rn.i0, rn.i1, rn.curAfter);
  }

  private reverseKernel(k: number, q: number, clear: boolean): Kernel {
    const key = `${q}:${clear}`;
    let f = this.rev[k]!.get(key);
    if (f === undefined) {
      let plan = this.plans[k]!.get(q);
      if (plan === undefined) {
        plan = planAccumulation(this.analysis.runs[k]!, q, this.analysis.inputReads);
        this.plans[k]!.set(q, plan);
        for (const b of plan.buffered) if (b) this.stats.bufferedUses++;
        this.stats.swappedIntervals += plan.swaps;
      }
      f = this.make(reverseKernel(this.analysis.runs[k]!, specTable, q, clear, plan));
      this.rev[k]!.set(key, f);
    }
    return f;
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
  const p = new Program(rec, enabled, options.saveExpensive === true);
  rec.compiled = p;
  return p;
}
