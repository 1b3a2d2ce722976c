/**
 * Cost of each reverse rule of @wengert/linalg relative to its primal factorization (issue 5, "Benchmarks"):
 * for n = 50 and 200, the op on plain inputs (the factorization alone, nothing recorded) against one reverse
 * sweep of a recorded call given a random cotangent (the VJP rule, reusing the state stored at recording).
 * Target: ≤ 3× for solve, Cholesky, QR, eigh and SVD (PyTorch's Cholesky backward: 8.7–9.8× its forward).
 *
 *   npx tsx --conditions=@wengert/source tools/bench/src/linalg-table.ts [--quick] [--n 50,200]
 *
 * Standalone (not part of suite.ts). Imports the package by relative path until tools/bench depends on
 * @wengert/linalg.
 */
import { type ActiveVec, concat, type Vec, vjp } from '@wengert/core';
import { cholesky, eig, eigh, lu, type Mat, mat, qr, solve, svd } from '@wengert/linalg';
import { FULL_TIMING, measure, QUICK_TIMING, type TimingOptions } from './harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const nArg = args.indexOf('--n');
const sizes = nArg >= 0 ? args[nArg + 1]!.split(',').map(Number) : [50, 200];
const timing: TimingOptions = quick ? QUICK_TIMING : { ...FULL_TIMING, samples: 5 };

let state = 12345;
const rand = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31 - 0.5;
};
const randn = (k: number) => Float64Array.from({ length: k }, rand);

function wellConditioned(n: number): Float64Array {
  const A = randn(n * n);
  for (let i = 0; i < n; i++) A[i * n + i] += n / 4;
  return A;
}
function spd(n: number): Float64Array {
  const R = randn(n * n);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += R[i * n + k]! * R[j * n + k]!;
      S[i * n + j] = s + (i === j ? n : 0);
    }
  return S;
}

type Case = { name: string; x: (n: number) => Float64Array; f: (x: Vec, n: number) => Vec };

const cases: Case[] = [
  {
    name: 'solve (LU, vector b)',
    x: (n) => {
      const z = new Float64Array(n * n + n);
      z.set(wellConditioned(n));
      z.set(randn(n), n * n);
      return z;
    },
    f: (x, n) => solve(mat(x.slice(0, n * n) as Vec, n, n), x.slice(n * n) as Vec),
  },
  {
    name: 'solve (LU, n×n B)',
    x: (n) => {
      const z = new Float64Array(2 * n * n);
      z.set(wellConditioned(n));
      z.set(randn(n * n), n * n);
      return z;
    },
    f: (x, n) => solve(mat(x.slice(0, n * n) as Vec, n, n), mat(x.slice(n * n) as Vec, n, n)).data,
  },
  { name: 'cholesky', x: spd, f: (x, n) => cholesky(mat(x, n, n)).data },
  {
    name: 'eigh',
    x: spd,
    f: (x, n) => {
      const e = eigh(mat(x, n, n));
      return concatVec([e.values, e.vectors]);
    },
  },
  {
    name: 'svd',
    x: (n) => randn(n * n),
    f: (x, n) => {
      const s = svd(mat(x, n, n));
      return concatVec([s.s, s.U, s.V]);
    },
  },
  {
    name: 'lu',
    x: (n) => randn(n * n),
    f: (x, n) => {
      const d = lu(mat(x, n, n));
      return concatVec([d.L, d.U]);
    },
  },
  {
    name: 'eig (real spectrum)',
    x: (n) => {
      // upper triangular + small noise keeps the spectrum real and separated: eigenvalues ≈ 1 … n
      const A = randn(n * n).map((v) => 0.01 * v);
      for (let i = 0; i < n; i++) {
        A[i * n + i] = i + 1;
        for (let j = i + 1; j < n; j++) A[i * n + j] = rand();
      }
      return A;
    },
    f: (x, n) => {
      const e = eig(mat(x, n, n));
      return concatVec([e.values, e.vectors]);
    },
  },
];

function concatVec(parts: (Vec | Mat)[]): Vec {
  return concat(parts.map((p) => ('data' in p ? p.data : p)));
}

cases.splice(3, 0, {
  name: 'qr',
  x: (n) => randn(n * n),
  f: (x, n) => {
    const d = qr(mat(x, n, n));
    return concatVec([d.Q, d.R]);
  },
});

console.log(`reverse rule / primal factorization, ${quick ? 'quick' : '5 samples'} timing, Node ${process.version}`);
console.log('| op | n | primal ms | reverse ms | ratio |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const c of cases) {
  for (const n of sizes) {
    const x = c.x(n);
    const primal = measure(() => c.f(x, n), timing);
    const [y, pullback] = vjp((z: ActiveVec) => c.f(z, n), x);
    const u = randn((y as Float64Array).length);
    const reverse = measure(() => pullback(u), timing);
    row(c.name, n, primal.ms, reverse.ms);
  }
}

function row(name: string, n: number, primalMs: number, reverseMs: number): void {
  const ratio = reverseMs / primalMs;
  console.log(
    `| ${name} | ${n} | ${primalMs.toPrecision(3)} | ${reverseMs.toPrecision(3)} | ${ratio.toFixed(2)}${ratio > 3 ? ' ⚠' : ''} |`,
  );
}
