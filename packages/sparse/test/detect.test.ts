import {
  type ActiveVec,
  add,
  defineAtomic,
  exp,
  floor,
  greater,
  jacobian,
  lt,
  max,
  min,
  mul,
  type Real,
  select,
  sin,
  square,
  stack,
  sub,
  sum,
} from '@wengert/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BranchDependentPatternError,
  hessianSparsity,
  jacobianSparsity,
  patternFromRows,
  patternsEqual,
  type SparsityPattern,
} from '../src/index.js';
import { bratuPoint, bratuScalar, bratuVector, fivePointRows } from './support/bratu.js';

function rowsOf(p: SparsityPattern): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < p.rows; i++) out.push(Array.from(p.colIdx.subarray(p.rowPtr[i]!, p.rowPtr[i + 1]!)));
  return out;
}

describe('jacobianSparsity', () => {
  it('finds the 5-point pattern of the Bratu residual, vector and scalar forms alike', () => {
    for (const N of [1, 2, 5, 8]) {
      const u = bratuPoint(N);
      expect(rowsOf(jacobianSparsity(bratuVector(N), u))).toEqual(fivePointRows(N));
      expect(rowsOf(jacobianSparsity(bratuScalar(N), u))).toEqual(fivePointRows(N));
    }
  });

  it('keeps structural entries whose value is zero at the point (global pattern)', () => {
    // ∂(x0·x1)/∂x0 = x1 = 0 here, but the entry is structural.
    const p = jacobianSparsity((x: ActiveVec) => stack([mul(x.at(0), x.at(1)), x.at(2)]), Float64Array.of(1, 0, 3));
    expect(rowsOf(p)).toEqual([[0, 1], [2]]);
  });

  it('cuts dependence through ops with zero derivative (floor, comparisons)', () => {
    const p = jacobianSparsity(
      (x: ActiveVec) => stack([add(floor(x.at(0)), x.at(1)), greater(x.at(2), 0)]),
      Float64Array.of(1.5, 2, 3),
    );
    expect(rowsOf(p)).toEqual([[1], []]);
  });

  it('widens select/min/max over both branches globally, keeps the taken one locally', () => {
    const f = (x: ActiveVec): ActiveVec =>
      stack([
        select(greater(x.at(0), 0), x.at(1), x.at(2)),
        min(x.at(0), x.at(3)),
        (max(x, 0.5) as ActiveVec).at(4),
      ]) as ActiveVec;
    const x = Float64Array.of(1, 2, 3, 4, 0.1);
    expect(rowsOf(jacobianSparsity(f, x))).toEqual([[1, 2], [0, 3], [4]]);
    expect(rowsOf(jacobianSparsity(f, x, { pattern: 'local' }))).toEqual([[1], [0], []]);
  });

  it('refuses a global pattern when the tape recorded a comparison, allows a local one', () => {
    // lt/gt return booleans and record the comparison (a data-dependent branch).
    const g = (x: ActiveVec): ActiveVec => stack([lt(0, x.at(0)) ? x.at(1) : x.at(2)]) as ActiveVec;
    const x = Float64Array.of(1, 2, 3);
    expect(() => jacobianSparsity(g, x)).toThrow(BranchDependentPatternError);
    expect(rowsOf(jacobianSparsity(g, x, { pattern: 'local' }))).toEqual([[1]]);
  });

  it('reads atomics through their sparsity hook, and counts hookless atomics as dense', () => {
    const base = {
      value: (inp: readonly (number | Float64Array)[]) => {
        const v = inp[0] as Float64Array;
        return { outputs: [Float64Array.from(v, (e, i) => e * (i + 1))] };
      },
      jvp: (_i: unknown, _o: unknown, t: readonly (number | Float64Array)[]) => [
        Float64Array.from(t[0] as Float64Array, (e, i) => e * (i + 1)),
      ],
    };
    const diag = defineAtomic({
      name: 'diagScale',
      ...base,
      sparsity: (inL) => Array.from({ length: inL[0]! }, (_, i) => [i]),
    });
    const dense = defineAtomic({ name: 'denseScale', ...base });
    const x = Float64Array.of(1, 2, 3);
    expect(rowsOf(jacobianSparsity((u: ActiveVec) => diag([u])[0] as ActiveVec, x))).toEqual([[0], [1], [2]]);
    const seen: string[] = [];
    const p = jacobianSparsity((u: ActiveVec) => dense([u])[0] as ActiveVec, x, { onDenseAtomic: (n) => seen.push(n) });
    expect(rowsOf(p)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(seen).toEqual(['denseScale']);
  });

  it('contains every nonzero of the dense Jacobian on random sparse programs (property)', () => {
    // A random program: each output combines a few inputs through random ops; the pattern must
    // cover the AD Jacobian's nonzeros, and (no cancellation by construction) equal them.
    const prog = fc.record({
      n: fc.integer({ min: 1, max: 12 }),
      rows: fc.array(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })), { minLength: 0, maxLength: 4 }), {
        minLength: 1,
        maxLength: 8,
      }),
      seed: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(prog, ({ n, rows, seed }) => {
        const f = (x: ActiveVec): ActiveVec =>
          stack(
            rows.map((terms) => {
              let acc: Real = 0.5;
              for (const [j0, kind] of terms) {
                const xj = x.at(j0 % n);
                const term = kind === 0 ? sin(xj) : kind === 1 ? square(xj) : kind === 2 ? exp(xj) : mul(xj, 1.5);
                acc = kind === 3 ? add(acc, term) : mul(add(acc, 2), term);
              }
              return acc;
            }),
          ) as ActiveVec;
        const x = Float64Array.from({ length: n }, (_, i) => 0.3 + ((i * 7919 + seed) % 97) / 97);
        const p = jacobianSparsity(f, x);
        const J = jacobian(f)(x);
        const expected = patternFromRows(
          J.rows,
          J.cols,
          Array.from({ length: J.rows }, (_, i) =>
            Array.from({ length: J.cols }, (_, j) => j).filter((j) => J.data[i * J.cols + j] !== 0),
          ),
        );
        expect(patternsEqual(p, expected)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('hessianSparsity', () => {
  it('is tridiagonal for Rosenbrock (vector form)', () => {
    const n = 6;
    const rosen = (x: ActiveVec): Real => {
      const a = x.slice(0, n - 1);
      const t = sub(x.slice(1), mul(a, a));
      const u = sub(1, a);
      return sum(add(mul(100, mul(t, t)), mul(u, u)));
    };
    const p = hessianSparsity(rosen, new Float64Array(n).fill(0.5));
    const expected = Array.from({ length: n }, (_, i) => [i - 1, i, i + 1].filter((j) => j >= 0 && j < n));
    expect(rowsOf(p)).toEqual(expected);
  });

  it('puts a bilinear term off the diagonal only, and nothing for linear terms', () => {
    const f = (x: ActiveVec): Real => add(add(mul(x.at(0), x.at(1)), mul(3, x.at(2))), exp(x.at(3)));
    expect(rowsOf(hessianSparsity(f, Float64Array.of(1, 2, 3, 4)))).toEqual([[1], [0], [], [3]]);
  });

  it('refuses recorded comparisons globally', () => {
    const g = (x: ActiveVec): Real => (lt(0, x.at(0)) ? square(x.at(1)) : x.at(2));
    expect(() => hessianSparsity(g, Float64Array.of(1, 2, 3))).toThrow(BranchDependentPatternError);
  });
});
