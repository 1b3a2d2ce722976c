/** The proposed plain Cholesky reverse rule (src/chol-rev.ts) against the package's rule and finite differences. */
import { type ActiveVec, dot, grad, vjp } from '@wengert/core';
import { describe, it } from 'vitest';
import { choleskyVjpPlain } from '../src/chol-rev.js';
import { cholesky, mat } from '../src/index.js';
import { expectClose, randn, rng, spd } from './support.js';

describe('choleskyVjpPlain (Murray 2016, unblocked reverse)', () => {
  it('equals the level-3 rule of cholesky() for random SPD matrices and cotangents', () => {
    const r = rng(31);
    for (const n of [1, 2, 3, 5, 8, 20]) {
      const A = spd(r, n);
      A[1 % (n * n)] += 0.3; // a nonsymmetric input: the rule acts on the symmetric part
      const Lbar = randn(r, n * n);
      const [L, pullback] = vjp((x: ActiveVec) => cholesky(mat(x, n, n)).data, A);
      expectClose(choleskyVjpPlain(L as Float64Array, Lbar, n), pullback(Lbar) as Float64Array, 1e-12, `n = ${n}`);
      const g = grad((x: ActiveVec) => dot(Lbar, cholesky(mat(x, n, n)).data))(A);
      expectClose(choleskyVjpPlain(L as Float64Array, Lbar, n), g, 1e-12, `grad n = ${n}`);
    }
  });
});
