/**
 * The matrix exponential of a general square matrix: scaling and squaring with Padé approximants of degree
 * 3, 5, 7, 9 or 13 chosen by the 1-norm (Higham 2005, "The scaling and squaring method for the matrix
 * exponential revisited", SIAM J. Matrix Anal. Appl. 26(4); Higham 2008, Alg. 10.20). ml-matrix has no expm.
 *
 * Derivatives through the block-triangular identity (Mathias 1996; Higham 2008, Thm 3.6 / 10.27)
 *   exp([[A, E], [0, A]]) = [[exp A, L(A, E)], [0, exp A]],
 * L(A, E) the Fréchet derivative: the forward rule is L(A, Ȧ), the reverse rule its adjoint L(Aᵀ, Ē)
 * (Higham 2008, §3.6: L(A, ·)* = L(Aᵀ, ·) for the exponential's real power series). The differentiable rules
 * build the 2n×2n block matrix with gathers and call the expm atomic itself, so derivatives of every order
 * work (each order doubles the size). E is scaled to ‖E‖₁ = ‖A‖₁ before the block exponential (L is linear
 * in E) so the scaling of the block matrix is chosen for A, not for E.
 */
import { type AtomicDefinition, add, callAtomic, gather, mul, type Plain, scatterAdd, type Vec } from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { tp } from '../basic.js';
import { luFactor, luSolve } from '../factor.js';
import { asSquare, gemm, identity, type Mat, type MatLike, plain, transposePlain } from '../mat.js';

const PADE: Record<number, readonly number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600,
    670442572800, 33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/** θ_m of Higham 2005 (Table 2.3): the largest ‖A‖₁ for which the [m/m] Padé approximant is accurate to ε. */
const THETA: readonly [number, number][] = [
  [3, 1.495585217958292e-2],
  [5, 2.53939833006323e-1],
  [7, 9.504178996162932e-1],
  [9, 2.097847961257068],
];
const THETA13 = 5.371920351148152;

function norm1(A: Float64Array, n: number): number {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(A[i * n + j]!);
    best = Math.max(best, s);
  }
  return best;
}

/** Σ c_k X_k plus c_0·I (X_k given), n×n. */
function combo(n: number, c0: number, terms: readonly [number, Float64Array][]): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = c0;
  for (const [c, X] of terms) for (let e = 0; e < out.length; e++) out[e] += c * X[e]!;
  return out;
}

/** exp(A) of the n×n row-major A (Higham 2005, scaling and squaring). */
export function expmPlain(A0: Float64Array, n: number): Float64Array {
  const mul2 = (X: Float64Array, Y: Float64Array) => gemm(X, Y, n, n, n, false, false);
  const nrm = norm1(A0, n);
  if (nrm === 0) return identity(n);
  let A = A0;
  let s = 0;
  let m = 13;
  for (const [deg, th] of THETA) {
    if (nrm <= th) {
      m = deg;
      break;
    }
  }
  if (m === 13 && nrm > THETA13) {
    s = Math.max(0, Math.ceil(Math.log2(nrm / THETA13)));
    const f = 2 ** -s;
    A = A0.map((v) => v * f);
  }
  const b = PADE[m]!;
  const A2 = mul2(A, A);
  let U: Float64Array;
  let V: Float64Array;
  if (m === 13) {
    const A4 = mul2(A2, A2);
    const A6 = mul2(A4, A2);
    const u1 = mul2(
      A6,
      combo(n, 0, [
        [b[13]!, A6],
        [b[11]!, A4],
        [b[9]!, A2],
      ]),
    );
    U = mul2(
      A,
      combo(n, b[1]!, [
        [1, u1],
        [b[7]!, A6],
        [b[5]!, A4],
        [b[3]!, A2],
      ]),
    );
    const v1 = mul2(
      A6,
      combo(n, 0, [
        [b[12]!, A6],
        [b[10]!, A4],
        [b[8]!, A2],
      ]),
    );
    V = combo(n, b[0]!, [
      [1, v1],
      [b[6]!, A6],
      [b[4]!, A4],
      [b[2]!, A2],
    ]);
  } else {
    // powers A², A⁴, … up to A^(m−1)
    const pows: Float64Array[] = [identity(n), A2];
    while (2 * pows.length < m + 1) pows.push(mul2(pows[pows.length - 1]!, A2));
    const ut: [number, Float64Array][] = [];
    const vt: [number, Float64Array][] = [];
    for (let j = 1; j < pows.length; j++) {
      ut.push([b[2 * j + 1]!, pows[j]!]);
      vt.push([b[2 * j]!, pows[j]!]);
    }
    U = mul2(A, combo(n, b[1]!, ut));
    V = combo(n, b[0]!, vt);
  }
  // (V − U) X = (V + U)
  const P = V.map((v, e) => v - U[e]!);
  const Q = V.map((v, e) => v + U[e]!);
  let X = luSolve(luFactor(P, n), Q, n, false);
  for (let k = 0; k < s; k++) X = mul2(X, X);
  return X;
}

/** The 2n×2n block [[A, E], [0, A]] (row-major) from A and E. */
function blockPlain(A: Float64Array, E: Float64Array, n: number): Float64Array {
  const N = 2 * n;
  const B = new Float64Array(N * N);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      B[i * N + j] = A[i * n + j]!;
      B[(i + n) * N + j + n] = A[i * n + j]!;
      B[i * N + j + n] = E[i * n + j]!;
    }
  return B;
}

const indexCache = new Map<number, { tl: Int32Array; br: Int32Array; tr: Int32Array }>();

/** Positions of the n×n blocks inside a 2n×2n row-major matrix. */
function blockIndex(n: number) {
  let t = indexCache.get(n);
  if (t === undefined) {
    const N = 2 * n;
    const tl = new Int32Array(n * n);
    const br = new Int32Array(n * n);
    const tr = new Int32Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        tl[i * n + j] = i * N + j;
        br[i * n + j] = (i + n) * N + j + n;
        tr[i * n + j] = i * N + j + n;
      }
    t = { tl, br, tr };
    indexCache.set(n, t);
  }
  return t;
}

/** ‖A‖₁/‖E‖₁ (1 when either is 0): the factor E is scaled by. */
function scaleFor(A: Float64Array, E: Float64Array, n: number): number {
  const a = norm1(A, n);
  const e = norm1(E, n);
  return a === 0 || e === 0 ? 1 : a / e;
}

/** L(A, E), plain. */
function frechetPlain(A: Float64Array, E: Float64Array, n: number): Float64Array {
  const c = scaleFor(A, E, n);
  const X = expmPlain(blockPlain(A, c === 1 ? E : E.map((v) => v * c), n), 2 * n);
  const { tr } = blockIndex(n);
  return Float64Array.from(tr, (p) => X[p]! / c);
}

/** L(A, E) written with the expm atomic on the block matrix (differentiable). */
function frechetGeneric(A: Vec, E: Vec, n: number): Vec {
  const c = scaleFor(plain(A), plain(E), n);
  const { tl, br, tr } = blockIndex(n);
  const N2 = 4 * n * n;
  const Ec = c === 1 ? E : (mul(c, E) as Vec);
  // scatterAdd of each block into a zero 2n×2n matrix, summed: [[A, cE], [0, A]]
  const blocks = add(add(scatterAdd(A, tl, N2), scatterAdd(A, br, N2)), scatterAdd(Ec, tr, N2)) as Vec;
  const X = callAtomic(expmDef(2 * n) as AtomicDefinition<unknown>, [blocks])[0] as Vec;
  const L = gather(X, tr);
  return c === 1 ? L : (mul(1 / c, L) as Vec);
}

const expmDefs = new Map<number, AtomicDefinition<undefined>>();

/** The atomic A ↦ exp(A). */
function expmDef(n: number): AtomicDefinition<undefined> {
  let def = expmDefs.get(n);
  if (def !== undefined) return def;
  def = {
    name: `expm(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'expm: A');
      return { outputs: [expmPlain(A, n)] };
    },
    jvp: (i, _o, t) => [frechetPlain(i[0] as Float64Array, t[0] as Float64Array, n)],
    vjp: (i, _o, c) => [frechetPlain(transposePlain(i[0] as Float64Array, n, n), c[0] as Float64Array, n)],
    jvpGeneric: (_G, i, _o, t) => [frechetGeneric(i[0] as Vec, t[0] as Vec, n)],
    vjpGeneric: (_G, i, _o, c) => [frechetGeneric(tp(i[0] as Vec, n, n), c[0] as Vec, n)],
  };
  expmDefs.set(n, def);
  return def;
}

/**
 * exp(A) of a general square matrix (scaling and squaring with Padé 13, Higham 2005). Derivatives of every
 * order through the block-triangular Fréchet identity (each order doubles the size of the exponential).
 * For symmetric A, `expmSym` is cheaper and has exact rules at repeated eigenvalues by divided differences
 * (this one is exact there too: the block identity has no eigenvalue denominators).
 */
export function expm(A: MatLike): Mat {
  const a = asSquare(A, 'expm: A');
  const n = a.rows;
  return { data: callAtomic(expmDef(n) as AtomicDefinition<unknown>, [a.data])[0] as Vec, rows: n, cols: n };
}
