/**
 * Lane kernels (element Jacobians of stencil-shaped functions) against the interpreter, bitwise.
 *
 * A program here has the direct-forward shape: its input x (length 2–8) and two padded copies
 * (concatenations of x, its slices or elements, and one or two constants — vectors or numbers),
 * then one run of elementwise vector instructions of length L ≤ n, one of whose results (the last,
 * or an earlier one with dead code after it) is the output. The run reads the input through
 * *accesses*: slices of x at offsets, gathers of a padded copy (pad indices among them: a
 * constant, column −1), of x or of a view of x, and broadcast elements x.at(j) as the other operand
 * of binary ops; unary and binary ops combine them with numbers (0 and −0 among them), constant
 * vectors and each other. Some programs record a comparison (of an input element, a padded copy's
 * element, a run member's or the output's), which may flip at the new point. Points have signed
 * zeros and negative entries, so log, sqrt, pow, reciprocal and div produce NaN and ±Infinity
 * (and non-finite multipliers) some of the time.
 *
 * Property, with P the dense row-major layout (P[a][i] = i·n + column, −1 for a constant): the
 * program is recognized (`laneColumns` is defined); when the active lanes' columns in every row
 * are distinct and `moveToWithLanes` reports done, every entry it wrote is Object.is-equal to the
 * same entry of the dense forward Jacobian the interpreter computes on an uncompiled recording,
 * it wrote nothing else, and every entry it did not write is 0 in that Jacobian. Whether done or
 * not, the outputs after the lane kernel are the interpreter's, and so are the JVPs, VJPs and
 * Jacobians of the sweeps that follow it (the lane kernel leaves concatenations and saved
 * intermediates stale: every other sweep must replay first), with compilation on and after
 * `setCompilation(false)`; the branch reports are the interpreter's too. Why bitwise: the sparse
 * Jacobian substitutes the lane kernel for its compressed forward sweep, whose results are the
 * interpreter's bit for bit. Runs are seeded.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActiveVec,
  add,
  BranchChangeError,
  concat,
  div,
  exp,
  gather,
  gt,
  mul,
  setCompilation,
  sin,
  square,
  sub,
  sum,
  type Value,
  type Vec,
} from '../src/index.js';
import {
  compileRecording,
  jvpFloat,
  laneColumns,
  moveTo,
  moveToWithLanes,
  outputValues,
  type Recording,
  recordCall,
  vjpFloat,
} from '../src/internals.js';
import { jacobianFloat } from '../src/recording.js';
import { expectBitwise } from './support/numeric.js';
import { propSeed } from './support/prop-seed.js';
import { BINARY, num, UNARY, vec } from './support/vector-programs.js';

const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 600), seed: propSeed(0x1a4e5) };

const SENTINEL = 777;

// ---------------------------------------------------------------------------------------------
// Recordings

/** f recorded at x0, compiled as the sparse Jacobian does (consolidated, expensive values saved). */
function compiled(f: (x: ActiveVec) => Vec, x0: Float64Array, saveExpensive = true): Recording {
  const rec = recordCall(f, x0, [], 'lanes');
  rec.tape.slots.consolidate();
  rec.tape.consts.consolidate();
  compileRecording(rec, { saveExpensive });
  return rec;
}

/** The interpreter's reference at x: an uncompiled recording of f (made at x0) moved to x. */
interface Reference {
  readonly y: Float64Array;
  /** Dense forward Jacobian, row-major. */
  readonly J: Float64Array;
  readonly jvp: Float64Array;
  readonly vjp: Float64Array;
  /** Recorded comparisons that go the other way at x. */
  readonly changed: number;
}

function reference(
  f: (x: ActiveVec) => Vec,
  x0: Float64Array,
  x: Float64Array,
  dirs: readonly Float64Array[],
  cots: readonly Float64Array[],
): Reference {
  const rec = recordCall(f, x0, [], 'reference');
  expect(rec.compiled).toBeUndefined();
  const { changed } = moveTo(rec, x, 'reference', false);
  const y = outputValues(rec);
  const J = jacobianFloat(rec, 'forward').data;
  return { y, J, jvp: jvpFloat(rec, dirs), vjp: vjpFloat(rec, cots), changed };
}

/** The dense row-major layout: lane a's derivative at row i goes to i·n + column (−1: none). */
function denseLayout(cols: readonly Int32Array[], n: number): Int32Array[] {
  return cols.map((c) => Int32Array.from(c, (col, i) => (col >= 0 ? i * n + col : -1)));
}

/** True when no two lanes read the same input element in one row (constants excepted). */
function distinctPerRow(cols: readonly Int32Array[], rows: number): boolean {
  for (let i = 0; i < rows; i++) {
    const seen = new Set<number>();
    for (const c of cols) {
      const col = c[i]!;
      if (col < 0) continue;
      if (seen.has(col)) return false;
      seen.add(col);
    }
  }
  return true;
}

/**
 * Runs the lane kernel at x into a sentinel-filled dense block; when done and the columns are
 * distinct, checks every entry against J (written: Object.is; unwritten: still the sentinel, and 0
 * in J), and the branch report against the interpreter's. Returns done.
 */
function checkLanes(
  rec: Recording,
  cols: readonly Int32Array[],
  x: Float64Array,
  ref: Reference,
  compare: boolean,
): boolean {
  const n = x.length;
  const m = ref.y.length;
  const values = new Float64Array(m * n).fill(SENTINEL);
  const P = denseLayout(cols, n);
  const r = moveToWithLanes(rec, x, 'lanes', false, values, P);
  expect(r.changed).toBe(ref.changed);
  if (r.done && compare) {
    const written = new Uint8Array(m * n);
    for (const p of P) for (const k of p) if (k >= 0) written[k] = 1;
    for (let k = 0; k < m * n; k++) {
      const where = `J[${Math.floor(k / n)}][${k % n}]`;
      if (written[k] === 1) {
        if (!Object.is(values[k], ref.J[k]))
          throw new Error(`${where}: lane kernel ${values[k]}, interpreter ${ref.J[k]} (not bitwise identical)`);
      } else {
        if (values[k] !== SENTINEL) throw new Error(`${where}: written (${values[k]}) although no lane reads it`);
        if (ref.J[k] !== 0) throw new Error(`${where}: no lane reads it, but the interpreter gives ${ref.J[k]}`);
      }
    }
  }
  return r.done;
}

// ---------------------------------------------------------------------------------------------
// Random stencil programs

interface Access {
  /**
   * 0: x.slice(o, o + L); 1: a gather of the first padded copy; 2: of the second; 3: of x; 4: of
   * a view x.slice(o) (o = s mod n).
   */
  readonly kind: number;
  /** Offset of a slice, shift of a shifted gather. */
  readonly s: number;
  /** Random gather indices (any columns, collisions likely) instead of the shift, when set. */
  readonly random: readonly number[] | undefined;
}

interface LaneStep {
  readonly unary: boolean;
  readonly op: number;
  readonly a: number;
  /** The other operand of a binary op: 0–1 a pool vector, 2 a number, 3 a constant vector, 4 x.at(j). */
  readonly other: number;
  readonly b: number;
  readonly cst: number;
  readonly swap: boolean;
}

/** A recorded comparison (a branch re-checked after every replay) gt(v, cst) … */
interface Comparison {
  /** … of 0: x.at(j); 1: an element of the first padded copy; 2: of a pool vector (after step j); 3: of the output. */
  readonly where: number;
  readonly j: number;
  readonly cst: number;
}

interface StencilCase {
  readonly n: number;
  readonly L: number;
  /**
   * The padded copies: 0 [x, pads], 1 [pads, x], 2 [x.slice(k), pads, x.slice(0, k)] (periodic),
   * 3 [x.at(k), x, pads], 4 [x, ...pads] (the pads as numbers).
   */
  readonly layouts: readonly [number, number];
  readonly k: number;
  readonly pads: Float64Array;
  readonly accesses: readonly Access[];
  readonly steps: readonly LaneStep[];
  readonly cmp: Comparison | undefined;
  /** The output: the last vector made, or (when set) the result of an earlier step (dead code after it). */
  readonly outAt: number | undefined;
  readonly x0: Float64Array;
  readonly x1: Float64Array;
  readonly dirs: Float64Array[];
  readonly cots: Float64Array[];
  readonly saveExpensive: boolean;
}

const stepArb: fc.Arbitrary<LaneStep> = fc.record({
  unary: fc.boolean(),
  op: fc.nat(1 << 16),
  a: fc.nat(1 << 16),
  other: fc.oneof({ weight: 12, arbitrary: fc.nat(3) }, { weight: 1, arbitrary: fc.constant(4) }),
  b: fc.nat(1 << 16),
  cst: num,
  swap: fc.boolean(),
});

/** Points: the shared special values (negative entries: NaN from log and sqrt), or a safe range. */
const point = (n: number) =>
  fc.oneof(
    vec(n),
    fc
      .array(fc.integer({ min: 1, max: 3 * 2 ** 10 }), { minLength: n, maxLength: n })
      .map((a) => Float64Array.from(a, (v) => v / 2 ** 10)),
  );

const caseArb: fc.Arbitrary<StencilCase> = fc
  .integer({ min: 2, max: 8 })
  .chain((n) =>
    fc.record({ n: fc.constant(n), L: fc.integer({ min: 1, max: n }), npads: fc.integer({ min: 1, max: 2 }) }),
  )
  .chain(({ n, L, npads }) => {
    const width = n + npads;
    const access: fc.Arbitrary<Access> = fc.record({
      kind: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(0, 1) },
        { weight: 1, arbitrary: fc.constantFrom(2, 3, 4) },
      ),
      s: fc.nat(width - 1),
      random: fc
        .option(fc.array(fc.nat(width), { minLength: L, maxLength: L }), { freq: 8 })
        .map((r) => r ?? undefined),
    });
    return fc.record({
      n: fc.constant(n),
      L: fc.constant(L),
      layouts: fc.tuple(fc.nat(4), fc.nat(4)),
      k: fc.integer({ min: 1, max: n - 1 }),
      pads: fc.array(num, { minLength: npads, maxLength: npads }).map((a) => Float64Array.from(a)),
      // Distinct shifts: the accesses' columns differ in every row most of the time.
      accesses: fc.uniqueArray(access, { minLength: 1, maxLength: 3, selector: (a) => a.s }),
      steps: fc.array(stepArb, { minLength: 2, maxLength: 12 }),
      cmp: fc.option(fc.record({ where: fc.nat(3), j: fc.nat(64), cst: num }), { freq: 3 }).map((c) => c ?? undefined),
      outAt: fc.option(fc.nat(64), { freq: 4 }).map((o) => o ?? undefined),
      x0: point(n),
      x1: point(n),
      dirs: fc.array(vec(n), { minLength: 1, maxLength: 3 }),
      cots: fc.array(vec(L), { minLength: 1, maxLength: 2 }),
      saveExpensive: fc.boolean(),
    });
  });

/** The program of a case: the padded copies, the access pool, then the steps making the output. */
function stencil(p: StencilCase): (x: ActiveVec) => Vec {
  const { n, L } = p;
  const padded = (x: ActiveVec, layout: number): ActiveVec => {
    const parts: Value[][] = [
      [x, p.pads],
      [p.pads, x],
      [x.slice(p.k), p.pads, x.slice(0, p.k)],
      [x.at(p.k), x, p.pads],
      [x, ...p.pads],
    ];
    return concat(parts[layout]!) as ActiveVec;
  };
  return (x) => {
    const pads = [padded(x, p.layouts[0]), padded(x, p.layouts[1])];
    const pool: Value[] = p.accesses.map((acc) => {
      if (acc.kind === 0 && acc.s + L <= n) return x.slice(acc.s, acc.s + L);
      const src = acc.kind === 3 ? x : acc.kind === 4 ? x.slice(acc.s % n) : pads[acc.kind === 2 ? 1 : 0]!;
      const ix = Array.from(
        { length: L },
        (_, i) => (acc.random !== undefined ? acc.random[i]! : i + acc.s) % src.length,
      );
      return gather(src, ix);
    });
    const cmp = p.cmp;
    const compareAt = (v: ActiveVec): void => {
      if (cmp !== undefined) gt(v.at(cmp.j % v.length), cmp.cst);
    };
    if (cmp?.where === 0) compareAt(x);
    if (cmp?.where === 1) compareAt(pads[0]!);
    const pick = (r: number): Value => pool[pool.length - 1 - (r % pool.length)]!;
    p.steps.forEach((s, j) => {
      const a = pick(s.a);
      if (s.unary) pool.push(UNARY[s.op % UNARY.length]!(a));
      else {
        let b: Value;
        switch (s.other) {
          case 2:
            b = s.cst;
            break;
          case 3:
            b = Float64Array.from({ length: L }, (_, i) => (i % 2 === 0 ? s.cst : -0));
            break;
          case 4:
            b = x.at(s.b % n);
            break;
          default:
            b = pick(s.b);
        }
        const f = BINARY[s.op % BINARY.length]!;
        pool.push(s.swap ? f(b, a) : f(a, b));
      }
      if (cmp?.where === 2 && j === cmp.j % p.steps.length) compareAt(pool[pool.length - 1] as ActiveVec);
    });
    const made = pool.length - p.steps.length;
    const out = pool[p.outAt === undefined ? pool.length - 1 : made + (p.outAt % p.steps.length)] as ActiveVec;
    if (cmp?.where === 3) compareAt(out);
    return out;
  };
}

function describeCase(p: StencilCase): string {
  return JSON.stringify(p, (_, v) =>
    v instanceof Float64Array ? [...v].map((e) => (Object.is(e, -0) ? '-0' : e)) : v,
  );
}

describe('lane kernels equal the interpreter bitwise', () => {
  afterEach(() => setCompilation(true));

  it('on random stencil programs (lanes, outputs, and the sweeps after the kernel)', () => {
    const counts = { total: 0, inShape: 0, distinct: 0, done: 0, notDone: 0, flipped: 0 };
    const outOfShape: string[] = [];
    fc.assert(
      fc.property(caseArb, (p) => {
        setCompilation(true);
        const f = stencil(p);
        const rec = compiled(f, p.x0, p.saveExpensive);
        counts.total++;
        const cols = laneColumns(rec);
        if (cols === undefined) {
          if (outOfShape.length < 3) outOfShape.push(describeCase(p));
          return;
        }
        counts.inShape++;
        const ref = reference(f, p.x0, p.x1, p.dirs, p.cots);
        const L = ref.y.length;
        expect(L).toBe(p.L);
        for (const c of cols) {
          expect(c.length).toBe(L);
          for (const col of c) expect(col >= -1 && col < p.n).toBe(true);
        }
        const distinct = distinctPerRow(cols, L);
        if (distinct) counts.distinct++;

        // 2–3. The lane kernel's entries and outputs; then a JVP right after it (the stale
        // concatenation and saved values must be replayed first).
        const done = checkLanes(rec, cols, p.x1, ref, distinct);
        if (done) counts.done++;
        else counts.notDone++;
        expectBitwise(outputValues(rec), ref.y, 'outputs after the lane kernel');
        expectBitwise(jvpFloat(rec, p.dirs), ref.jvp, 'jvp after the lane kernel');

        // 4. A VJP and a dense Jacobian right after it.
        checkLanes(rec, cols, p.x1, ref, distinct);
        expectBitwise(vjpFloat(rec, p.cots), ref.vjp, 'vjp after the lane kernel');
        checkLanes(rec, cols, p.x1, ref, distinct);
        expectBitwise(jacobianFloat(rec, 'forward').data, ref.J, 'jacobian after the lane kernel');

        // Compilation turned off after a lane kernel: the interpreter finds every value current.
        checkLanes(rec, cols, p.x1, ref, distinct);
        setCompilation(false);
        try {
          expectBitwise(outputValues(rec), ref.y, 'outputs, compilation off');
          expectBitwise(jvpFloat(rec, p.dirs), ref.jvp, 'jvp, compilation off');
          expectBitwise(vjpFloat(rec, p.cots), ref.vjp, 'vjp, compilation off');
          expect(laneColumns(rec)).toBeUndefined();
        } finally {
          setCompilation(true);
        }
        // And on again: the lane kernel once more, from a state the interpreter left.
        checkLanes(rec, cols, p.x1, ref, distinct);
        expectBitwise(outputValues(rec), ref.y, 'outputs, compilation on again');

        // A branch that flips, strict: BranchChangeError after the kernel ran; the point is set.
        if (ref.changed > 0) {
          counts.flipped++;
          const values = new Float64Array(L * p.n);
          expect(() => moveToWithLanes(rec, p.x1, 'lanes', true, values, denseLayout(cols, p.n))).toThrow(
            BranchChangeError,
          );
          expectBitwise(outputValues(rec), ref.y, 'outputs after a BranchChangeError');
          expectBitwise(jvpFloat(rec, p.dirs), ref.jvp, 'jvp after a BranchChangeError');
        }
      }),
      RUNS,
    );
    // The property is not vacuous: programs are recognized, most have distinct columns, and the
    // kernel finishes on most of them (non-finite multipliers on some).
    if (counts.inShape / counts.total < 0.9) console.log('out of shape, e.g.', outOfShape);
    expect(counts.inShape / counts.total).toBeGreaterThan(0.9);
    expect(counts.distinct / counts.total).toBeGreaterThan(0.6);
    expect(counts.done / counts.total).toBeGreaterThan(0.5);
    expect(counts.notDone).toBeGreaterThan(0);
    expect(counts.flipped).toBeGreaterThan(0);
    if (process.env.LANES_STATS) console.log(counts);
  });
});

// ---------------------------------------------------------------------------------------------
// Unit cases

/** Indices of the 4 neighbours of each point of a k×k grid in concat([u, 0]) (k² for outside). */
function neighbours(k: number): number[][] {
  const out = k * k;
  const at = (r: number, c: number) => (r < 0 || r >= k || c < 0 || c >= k ? out : r * k + c);
  const shifts: [number, number][] = [
    [-1, 0],
    [1, 0],
    [0, -1],
    [0, 1],
  ];
  return shifts.map(([dr, dc]) => Array.from({ length: out }, (_, i) => at(Math.floor(i / k) + dr, (i % k) + dc)));
}

describe('lane kernels: cases', () => {
  afterEach(() => setCompilation(true));

  it('the Bratu residual (k = 4): five lanes, the element Jacobian bitwise, one fused run', () => {
    const k = 4;
    const n = k * k;
    const nb = neighbours(k);
    const c = (k + 1) ** 2;
    const f = (u: ActiveVec): Vec => {
      const padded = concat([u, new Float64Array(1)]) as ActiveVec;
      let s: Vec = gather(padded, nb[0]!);
      for (const ix of nb.slice(1)) s = add(s, gather(padded, ix));
      const lap = sub(s, mul(4, u));
      return sub(mul(lap, c), mul(6, exp(u)));
    };
    const x0 = Float64Array.from({ length: n }, (_, i) => 0.1 * Math.sin(i + 1));
    const x1 = Float64Array.from({ length: n }, (_, i) => 0.3 * Math.cos(2 * i) - 0.05);
    const rec = compiled(f, x0);
    const cols = laneColumns(rec)!;
    expect(cols).toBeDefined();
    expect(cols.length).toBe(5);
    // The lanes are u itself and the four neighbours (−1 outside the grid), in some order.
    const expected = [Array.from({ length: n }, (_, i) => i), ...nb.map((ix) => ix.map((j) => (j === n ? -1 : j)))];
    const key = (a: readonly number[]) => a.join(',');
    expect(cols.map((col) => key([...col])).sort()).toEqual(expected.map(key).sort());
    expect(distinctPerRow(cols, n)).toBe(true);
    const ref = reference(f, x0, x1, [x1], [x0]);
    expect(checkLanes(rec, cols, x1, ref, true)).toBe(true);
    // 5 entries per interior row, fewer at the boundary: 16·5 − 4·4 = 64 nonzeros.
    let nnz = 0;
    for (const v of ref.J) if (v !== 0) nnz++;
    expect(nnz).toBe(64);
    expectBitwise(outputValues(rec), ref.y, 'outputs');
    expectBitwise(jvpFloat(rec, [x1]), ref.jvp, 'jvp');
    const stats = rec.compiled!.stats;
    expect(stats.compiled).toBe(true);
    expect(stats.runs).toBe(1);
    expect(stats.gathers).toBe(4);
    expect(stats.saved).toBeGreaterThan(0); // exp(u), with saveExpensive
    expect(stats.fusedInstructions).toBe(13); // 4 gathers, 3 adds, 4·u, the sub, ·c, exp, 6·, the last sub
    expect(stats.fusedInstructions + stats.interpretedInstructions).toBe(rec.tape.nInstr);
  });

  it('columns that collide in a row are reported as they are (the caller refuses them)', () => {
    const n = 5;
    const identity = Array.from({ length: n }, (_, i) => i);
    const f = (x: ActiveVec): Vec => add(x, gather(x, identity));
    const x = Float64Array.from([0.5, -1, 2, 0, 3]);
    const rec = compiled(f, x);
    const cols = laneColumns(rec)!;
    expect(cols.map((c) => [...c])).toEqual([identity, identity]);
    expect(distinctPerRow(cols, n)).toBe(false);
    // Each lane's derivative separately is 1; the Jacobian's diagonal is their sum, 2: no dense
    // layout holds both, which is why a caller must check that a row's columns are distinct.
    const values = new Float64Array(2 * n).fill(SENTINEL);
    const P = [Int32Array.from(identity), Int32Array.from(identity, (i) => n + i)];
    expect(moveToWithLanes(rec, x, 'lanes', false, values, P).done).toBe(true);
    expect([...values]).toEqual(new Array(2 * n).fill(1));
    const ref = reference(f, x, x, [x], [x]);
    for (let i = 0; i < n; i++) expect(ref.J[i * n + i]).toBe(2);
  });

  it('a non-finite multiplier: done is false, outputs and later sweeps are still right', () => {
    const n = 4;
    // Row 3 divides by the pad (exactly 0): the multiplier 1/b of sin(x)'s dynamic tangent is ∞.
    // (The padded copy is made first: made after sin(x), it would split the run in two.)
    const f = (x: ActiveVec): Vec => {
      const pad = concat([x, Float64Array.of(0)]);
      return div(sin(x), gather(pad, [1, 2, 3, 4]));
    };
    const x0 = Float64Array.from([0.25, 0.5, 1, 1.5]);
    const x1 = Float64Array.from([0.5, 1, 1.5, 2]);
    const rec = compiled(f, x0);
    const cols = laneColumns(rec)!;
    expect(cols).toBeDefined();
    expect(distinctPerRow(cols, n)).toBe(true);
    const ref = reference(f, x0, x1, [x1], [x0]);
    expect(ref.y[3]).toBe(Number.POSITIVE_INFINITY);
    const values = new Float64Array(n * n).fill(SENTINEL);
    expect(moveToWithLanes(rec, x1, 'lanes', false, values, denseLayout(cols, n)).done).toBe(false);
    expectBitwise(outputValues(rec), ref.y, 'outputs');
    expectBitwise(jacobianFloat(rec, 'forward').data, ref.J, 'jacobian');
    moveToWithLanes(rec, x1, 'lanes', false, values, denseLayout(cols, n));
    expectBitwise(jvpFloat(rec, [x1]), ref.jvp, 'jvp');
    moveToWithLanes(rec, x1, 'lanes', false, values, denseLayout(cols, n));
    expectBitwise(vjpFloat(rec, [x0]), ref.vjp, 'vjp');
    // Row 3 reads the pad at every point: at x0 the kernel gives up again, the outputs are x0's.
    expect(moveToWithLanes(rec, x0, 'lanes', false, values, denseLayout(cols, n)).done).toBe(false);
    expectBitwise(outputValues(rec), reference(f, x0, x0, [x0], [x0]).y, 'outputs at x0');
  });

  it('functions not of the shape have no lanes (and moveToWithLanes only moves the point)', () => {
    const x0 = Float64Array.from([0.5, -1, 2, 0.25]);
    const x1 = Float64Array.from([1, 2, -0.5, 3]);
    const cases: [string, (x: ActiveVec) => Vec][] = [
      // A gather of a value the run made: the run ends before it.
      ['two runs', (x) => mul(gather(exp(x), [3, 2, 1, 0]), x)],
      // A sum inside: the scalar splits the program into two runs.
      ['a sum between runs', (x) => mul(square(x), sum(sin(x)))],
      // A slice of the padded copy as an operand (not an input slot): not recognized.
      ['a slice of a concatenation', (x) => mul((concat([x, Float64Array.of(2)]) as ActiveVec).slice(1), x)],
      // The input itself is the output: no run at all.
      ['no run', (x) => x],
    ];
    for (const [what, f] of cases) {
      const rec = compiled(f, x0);
      expect(laneColumns(rec), what).toBeUndefined();
      const values = new Float64Array(16).fill(SENTINEL);
      const r = moveToWithLanes(rec, x1, 'lanes', false, values, []);
      expect(r.done, what).toBe(false);
      expect([...values], what).toEqual(new Array(16).fill(SENTINEL));
      expectBitwise(outputValues(rec), reference(f, x0, x1, [x1], [x1]).y, what);
    }
    // A scalar output (a run closed by its sum), and an uncompiled recording.
    expect(laneColumns(compiled((x) => sum(square(x)) as unknown as Vec, x0))).toBeUndefined();
    expect(laneColumns(recordCall((x: ActiveVec) => exp(x), x0, [], 'lanes'))).toBeUndefined();
  });
});
