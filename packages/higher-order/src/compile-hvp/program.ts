/**
 * The compiled HVP: core's compile analysis splits the recording into runs (fused) and interpreted
 * stretches; the forward tangent sweep runs core's interpreter over the stretches and a forward
 * kernel over every run whose stored outputs' tangents a later instruction reads (others need
 * none: the fused reverse kernel recomputes its tangents), and the second-order reverse sweep runs
 * `secondOrderReverse` over the stretches and the fused kernels over the runs, descending. Bitwise
 * the interpreter's H·v (test/hvp-compiled.test.ts).
 *
 * A program holds no reference to the tape it was made from: kernels receive the slot buffers,
 * offsets and index arrays of the tape they sweep, so a program serves every structurally
 * identical recording (see key.ts).
 */
import {
  analyze,
  binarySpec,
  E_AUX,
  forEachRead,
  forwardSweep,
  planAccumulation,
  type Recording,
  type Run,
  type Tape,
  unarySpec,
} from '@wengert/core/internals';
import { secondOrderReverse } from '../sweep.js';
import {
  type HvpKernelSource,
  type HvpSpecTable,
  hvpForwardKernel,
  hvpReverseKernel,
  type Stream,
  Unsupported,
} from './codegen.js';

/** Kernel sources longer than this are not compiled (V8 does not optimize very large functions). */
const MAX_KERNEL_CHARS = 70_000;

// Typed without DOM or Node libraries (as core): the one host facility used here, declared.
const host = globalThis as { readonly performance?: { now(): number } };
const now = (): number => host.performance?.now() ?? Date.now();

const specTable: HvpSpecTable = (name) => {
  const kind = name.slice(name.search(/[a-z]/));
  const op = Number(name.slice(1, name.length - kind.length));
  if (name[0] === 'U') {
    const s = unarySpec(op);
    return kind === 'v' ? s.value : kind === 'd' ? s.d : s.d2;
  }
  const s = binarySpec(op);
  return kind === 'v' ? s.value : kind === 'a' ? s.da : kind === 'b' ? s.db : s.d2;
};

type KernelFn = (B: Float64Array[], O: number[], IXS: Int32Array[], ...arrays: Float64Array[]) => void;

interface CompiledKernel {
  readonly fn: KernelFn;
  readonly streams: readonly Stream[];
  readonly gathers: readonly number[];
  /** Scratch argument arrays (filled per call). */
  readonly B: Float64Array[];
  readonly O: number[];
  readonly IXS: Int32Array[];
}

type HvpStep =
  | {
      readonly kind: 'interp';
      readonly i0: number;
      readonly i1: number;
      readonly curBefore: number;
      readonly curAfter: number;
    }
  | { readonly kind: 'run'; readonly fwd: CompiledKernel | undefined; readonly rev: CompiledKernel };

/** Figures about a compiled HVP program. */
export interface HvpCompileStats {
  readonly runs: number;
  readonly fusedInstructions: number;
  /** Runs whose forward kernel is needed (stored outputs read later). */
  readonly forwardKernels: number;
  readonly bufferedUses: number;
  readonly compileMs: number;
}

function make(src: HvpKernelSource): CompiledKernel {
  if (src.body.length > MAX_KERNEL_CHARS) throw new Unsupported('kernel too large');
  const fn = new Function(...src.names, src.body)(...src.values) as KernelFn;
  return {
    fn,
    streams: src.streams,
    gathers: src.gathers,
    B: src.streams.map(() => EMPTY_F64),
    O: src.streams.map(() => 0),
    IXS: src.gathers.map(() => EMPTY_I32),
  };
}

/** Fills k's argument arrays from tape t; false when a stream is not contiguous there (not expected). */
function bind(t: Tape, k: CompiledKernel): boolean {
  const ss = k.streams;
  for (let n = 0; n < ss.length; n++) {
    const s = ss[n]!;
    const st = s.store === 0 ? t.slots : t.consts;
    const buf = st.buffer(s.lo);
    const off = st.offset(s.lo);
    const last = s.hi - 1;
    if (last > s.lo && (st.buffer(last) !== buf || st.offset(last) !== off + (last - s.lo))) return false;
    if (off + (s.hi - s.lo) > buf.length) return false;
    k.B[n] = buf;
    k.O[n] = off;
  }
  const gs = k.gathers;
  for (let n = 0; n < gs.length; n++) k.IXS[n] = t.indexArrays[t.extGet(t.aAt(gs[n]!), E_AUX)]!;
  return true;
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);

function unbind(k: CompiledKernel): void {
  k.B.fill(EMPTY_F64);
  k.IXS.fill(EMPTY_I32);
}

/** Which runs' stored outputs are read by a later instruction (their tangents must be written). */
function forwardNeeded(rec: Recording, runs: readonly Run[]): boolean[] {
  const nInstr = rec.tape.nInstr;
  const first = runs.length > 0 ? runs[0]!.i1 : nInstr;
  const reads: number[] = [];
  for (let i = first; i < nInstr; i++) forEachRead(rec, i, (lo, hi) => reads.push(i, lo, hi));
  if ((reads.length / 3) * runs.length > 4_000_000) return runs.map(() => true);
  return runs.map((rn) => {
    const ranges = rn.members.filter((m) => m.stored).map((m) => [m.out, m.out + (m.kind === 'sum' ? 1 : rn.L)]);
    if (ranges.length === 0) return false;
    for (let r = 0; r < reads.length; r += 3) {
      if (reads[r]! < rn.i1) continue;
      const lo = reads[r + 1]!;
      const hi = reads[r + 2]!;
      if (hi <= rn.slotLo || lo >= rn.slotHi) continue;
      for (const [a, b] of ranges) if (a! < hi && lo < b!) return true;
    }
    return false;
  });
}

/** A compiled HVP program (forward + second-order reverse with fused runs). */
export class HvpProgram {
  private readonly steps: HvpStep[];
  readonly stats: HvpCompileStats;

  private constructor(steps: HvpStep[], stats: HvpCompileStats) {
    this.steps = steps;
    this.stats = stats;
  }

  /**
   * Compiles rec's HVP, or returns null when nothing would be fused (no runs), when a run has a
   * shape the generator does not handle, or when code generation is not allowed.
   */
  static compile(rec: Recording): HvpProgram | null {
    const t0 = now();
    const t = rec.tape;
    if (t.hasOuter) return null;
    const analysis = analyze(rec, false);
    if (analysis.runs.length === 0) return null;
    const need = forwardNeeded(rec, analysis.runs);
    const steps: HvpStep[] = [];
    let fused = 0;
    let forwardKernels = 0;
    let bufferedUses = 0;
    try {
      for (const s of analysis.steps) {
        if (s.kind === 'interp') {
          steps.push({ kind: 'interp', i0: s.i0, i1: s.i1, curBefore: s.curBefore, curAfter: s.curAfter });
          continue;
        }
        const rn = s.run;
        fused += rn.members.length;
        const plan = planAccumulation(rn, 1, analysis.inputReads);
        for (const b of plan.buffered) if (b) bufferedUses++;
        const fwd = need[s.index] ? make(hvpForwardKernel(rn, specTable)) : undefined;
        if (fwd !== undefined) forwardKernels++;
        steps.push({ kind: 'run', fwd, rev: make(hvpReverseKernel(rn, specTable, plan)) });
      }
    } catch (e) {
      // An unsupported run or no code generation (a content-security policy): the interpreter.
      if (e instanceof Unsupported || e instanceof EvalError || e instanceof SyntaxError) return null;
      throw e;
    }
    return new HvpProgram(steps, {
      runs: analysis.runs.length,
      fusedInstructions: fused,
      forwardKernels,
      bufferedUses,
      compileMs: now() - t0,
    });
  }

  /**
   * The forward sweep (dot: inputs seeded) and the clearing second-order reverse sweep (adj, adj2
   * seeded at the output) over t. Returns false, having written nothing, when t's storage does not
   * fit the kernels (the caller then runs the interpreter).
   */
  run(t: Tape, dot: Float64Array, adj: Float64Array, adj2: Float64Array): boolean {
    const steps = this.steps;
    for (const s of steps) {
      if (s.kind === 'run' && (!bind(t, s.rev) || (s.fwd !== undefined && !bind(t, s.fwd)))) return false;
    }
    // Each kernel is bound again right before it runs: an atomic's rule in an interpreted stretch
    // could run this program on another tape in between (and unbind it at the end).
    for (const s of steps) {
      if (s.kind === 'interp') forwardSweep(t, dot, 1, s.i0, s.i1, s.curBefore);
      else if (s.fwd !== undefined) {
        bind(t, s.fwd);
        s.fwd.fn(s.fwd.B, s.fwd.O, s.fwd.IXS, dot);
      }
    }
    for (let n = steps.length - 1; n >= 0; n--) {
      const s = steps[n]!;
      if (s.kind === 'interp') secondOrderReverse(t, dot, adj, adj2, true, s.i0, s.i1, s.curAfter);
      else {
        bind(t, s.rev);
        s.rev.fn(s.rev.B, s.rev.O, s.rev.IXS, dot, adj, adj2);
      }
    }
    // Hold no tape between calls (a cached program outlives the recording it swept).
    for (const s of steps) if (s.kind === 'run') for (const k of [s.rev, s.fwd]) if (k !== undefined) unbind(k);
    return true;
  }
}
