/**
 * General (non-symmetric) real eigendecomposition with derivatives: `eigvals(A)` (real and imaginary parts of
 * every eigenvalue, complex spectra included) and `eig(A)` (eigenvalues and eigenvectors for a real
 * spectrum). Kernel: ml-matrix's EigenvalueDecomposition (JAMA: Hessenberg reduction + shifted QR, hqr2),
 * which gives A·Vr = Vr·D with D block diagonal (1×1 blocks for real eigenvalues, 2×2 blocks [[a, β], [γ, a]],
 * βγ < 0, for the pair a ± i√(−βγ)) and Vr real.
 *
 * Rules (Magnus 1985, "On differentiating eigenvalues and eigenvectors"; Giles 2008 §3.1; Seeger et al.
 * 2017), with C = Vr⁻¹ Ȧ Vr (the rows of Vr⁻¹ are the left eigenvectors, scaled so that uᵢᵀvᵢ = 1, hence
 * λ̇ᵢ = uᵢᴴ Ȧ vᵢ / (uᵢᴴ vᵢ) = Cᵢᵢ):
 *   real λᵢ:            λ̇ᵢ = Cᵢᵢ
 *   pair a ± i s:        ȧ = (C_jj + C_kk)/2,  ṡ = −(γ C_jk + β C_kj)/(2s)    (k = j + 1)
 *   eigenvectors (real spectrum, vᵢ unit): Ṽ = V (F∘C), V̇ = Ṽ − V diag(diag(VᵀṼ)),  F_ij = 1/(λ_j − λ_i)
 *   reverse:             Ā = Vr⁻ᵀ C̄ Vrᵀ,  with C̄ the adjoint of the maps above (for vectors:
 *                        C̄ = F∘(Vᵀ W̄) + diag(λ̄),  W̄ = V̄ − V diag(diag(VᵀV̄))).
 * The plain rules reuse the LU factorization of Vr kept in the atomic's state.
 */
import {
  type AtomicDefinition,
  add,
  callAtomic,
  DomainError,
  gather,
  mul,
  type Plain,
  reciprocal,
  sub,
  type Value,
  type Vec,
} from '@wengert/core';
import { requireFinite } from '@wengert/core/internals';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { diagMat, diagOf, mm, scaleCols } from './basic.js';
import { DegenerateSubspaceError, SingularMatrixError } from './errors.js';
import { type LU, luFactor, luSingular, luSolve } from './factor.js';
import { asSquare, frobenius, gemm, type Mat, type MatLike, plain } from './mat.js';
import { solveData } from './solve.js';
import { type SpectralOptions, spectralTols } from './spectral-options.js';

/** `eig` met a matrix with non-real eigenvalues (its eigenvectors would be complex). */
export class ComplexEigenvaluesError extends DomainError {
  constructor(
    argument: string,
    /** Real and imaginary parts of the eigenvalues (the order of `eigvals`). */
    readonly re: readonly number[],
    readonly im: readonly number[],
  ) {
    const k = im.findIndex((v) => v !== 0);
    super(
      argument,
      'a matrix with a real spectrum (eig returns real eigenvectors; use eigvals for complex eigenvalues)',
      `a matrix with the complex eigenvalue ${re[k]} ${im[k]! < 0 ? '−' : '+'} ${Math.abs(im[k]!)}i`,
    );
  }
}

/** Where sorted eigenvalue k sits in the block form: its column j of Vr and its kind. */
interface Slot {
  readonly j: number;
  readonly kind: 0 | 1 | -1; // real, the +i s member of a pair (columns j, j + 1), the −i s member
}

interface Decomposition {
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly slots: readonly Slot[];
  /** Real block eigenvectors (row-major n×n) and the block-diagonal D (A Vr = Vr D). */
  readonly Vr: Float64Array;
  readonly D: Float64Array;
}

function decompose(A: Float64Array, n: number): Decomposition {
  const M = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.set(i, j, A[i * n + j]!);
  const e = new EigenvalueDecomposition(M);
  const d = e.realEigenvalues;
  const ei = e.imaginaryEigenvalues;
  const V = e.eigenvectorMatrix;
  const Dm = e.diagonalMatrix;
  const Vr = new Float64Array(n * n);
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      Vr[i * n + j] = V.get(i, j);
      D[i * n + j] = Dm.get(i, j);
    }
  const raw: { re: number; im: number; slot: Slot }[] = [];
  for (let j = 0; j < n; j++) {
    if (ei[j] === 0) raw.push({ re: d[j]!, im: 0, slot: { j, kind: 0 } });
    else if (ei[j]! > 0) {
      const s = Math.sqrt(-D[j * n + j + 1]! * D[(j + 1) * n + j]!);
      const a = 0.5 * (D[j * n + j]! + D[(j + 1) * n + j + 1]!);
      raw.push({ re: a, im: s, slot: { j, kind: 1 } }, { re: a, im: -s, slot: { j, kind: -1 } });
    }
  }
  raw.sort((x, y) => x.re - y.re || x.im - y.im);
  return {
    re: Float64Array.from(raw, (r) => r.re),
    im: Float64Array.from(raw, (r) => r.im),
    slots: raw.map((r) => r.slot),
    Vr,
    D,
  };
}

/** Clusters of (numerically) equal eigenvalues: |λ_i − λ_j| ≤ tol·max|λ|, transitively. */
function clustersOf(re: Float64Array, im: Float64Array, tol: number): number[][] {
  const n = re.length;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.hypot(re[i]!, im[i]!));
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    return r;
  };
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      if (Math.hypot(re[i]! - re[j]!, im[i]! - im[j]!) <= tol * scale) parent[root(j)] = root(i);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = root(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

function gapOf(re: Float64Array, im: Float64Array, c: readonly number[]): number {
  let gap = Infinity;
  for (let i = 0; i < re.length; i++)
    if (!c.includes(i)) for (const j of c) gap = Math.min(gap, Math.hypot(re[i]! - re[j]!, im[i]! - im[j]!));
  return gap;
}

/** Raises when a cotangent is not constant on a cluster (λ̄) or touches its eigenvectors (V̄). */
function checkClusters(
  clusters: readonly number[][],
  re: Float64Array,
  im: Float64Array,
  bars: readonly Float64Array[],
  Vbar: Float64Array | undefined,
  n: number,
  tol: number,
): void {
  let scale = 0;
  for (const b of bars) for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  const vnorm = Vbar === undefined ? 0 : frobenius(Vbar);
  for (const c of clusters) {
    let dep = 0;
    for (const b of bars) for (const i of c) dep = Math.max(dep, scale === 0 ? 0 : Math.abs(b[i]! - b[c[0]!]!) / scale);
    if (Vbar !== undefined && vnorm > 0) {
      let s = 0;
      for (let r = 0; r < n; r++) for (const i of c) s += Vbar[r * n + i]! ** 2;
      dep = Math.max(dep, Math.sqrt(s) / vnorm);
    }
    if (!(dep <= tol)) {
      throw new DegenerateSubspaceError(
        'eig',
        c,
        c.map((i) => re[i]!),
        gapOf(re, im, c),
        dep,
        tol,
      );
    }
  }
}

function requireDiagonalizable(lu: LU): void {
  if (luSingular(lu)) throw new SingularMatrixError('eig: eigenvector matrix (A defective or nearly so)', lu.rcond);
}

/** F_ij = 1/(λ_j − λ_i) for i ≠ j in different clusters, 0 elsewhere (differentiable in λ). */
function fMatrix(lam: Vec, clusters: readonly number[][], n: number): Vec {
  const mask = new Float64Array(n * n).fill(1);
  for (let i = 0; i < n; i++) mask[i * n + i] = 0;
  for (const c of clusters) for (const i of c) for (const j of c) mask[i * n + j] = 0;
  const fill = mask.map((m) => 1 - m);
  const cols = Int32Array.from({ length: n * n }, (_, e) => e % n);
  const rows = Int32Array.from({ length: n * n }, (_, e) => Math.floor(e / n));
  const diff = sub(gather(lam, cols), gather(lam, rows));
  return mul(mask, reciprocal(add(diff, fill)) as Vec);
}

// ---------------------------------------------------------------------------------------------
// eig: real spectrum, eigenvalues and unit eigenvectors
// ---------------------------------------------------------------------------------------------

interface EigState {
  /** LU of V (the normalized eigenvectors). */
  readonly lu: LU;
  readonly clusters: number[][];
}

/** Unit columns, each with its entry of largest magnitude positive (the first such on a tie). */
function normalizeColumns(V: Float64Array, n: number): void {
  for (let c = 0; c < n; c++) {
    let s = 0;
    let best = 0;
    let at = 0;
    for (let r = 0; r < n; r++) {
      const v = V[r * n + c]!;
      s += v * v;
      if (Math.abs(v) > best) {
        best = Math.abs(v);
        at = r;
      }
    }
    const f = (V[at * n + c]! < 0 ? -1 : 1) / Math.sqrt(s);
    for (let r = 0; r < n; r++) V[r * n + c] *= f;
  }
}

const eigDefs = new Map<string, AtomicDefinition<EigState>>();

function eigDef(n: number, ctol: number, dtol: number): AtomicDefinition<EigState> {
  const key = `${n},${ctol},${dtol}`;
  let def = eigDefs.get(key);
  if (def !== undefined) return def;
  // C ↦ (λ̇, V̇) and its adjoint, given C (forward) or producing C̄ (reverse).
  const tangentsFromC = (lam: Vec, V: Vec, C: Vec, clusters: number[][]): Vec[] => {
    const Vt = mm(V, mul(fMatrix(lam, clusters, n), C), n, n, n);
    const d = diagOf(mm(V, Vt, n, n, n, true, false), n);
    return [diagOf(C, n), sub(Vt, scaleCols(V, d, n, n))];
  };
  const cbarOf = (lam: Vec, V: Vec, lamBar: Vec, Vbar: Vec, clusters: number[][]): Vec => {
    const d = diagOf(mm(V, Vbar, n, n, n, true, false), n);
    const W = sub(Vbar, scaleCols(V, d, n, n));
    return add(mul(fMatrix(lam, clusters, n), mm(V, W, n, n, n, true, false)), diagMat(lamBar, n));
  };
  def = {
    name: `eig(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'eig: A');
      const dec = decompose(A, n);
      if (dec.im.some((v) => v !== 0))
        throw new ComplexEigenvaluesError('eig: A', Array.from(dec.re), Array.from(dec.im));
      const V = new Float64Array(n * n);
      dec.slots.forEach((s, k) => {
        for (let r = 0; r < n; r++) V[r * n + k] = dec.Vr[r * n + s.j]!;
      });
      normalizeColumns(V, n);
      const lu = luFactor(V, n);
      return { outputs: [dec.re, V], state: { lu, clusters: clustersOf(dec.re, dec.im, ctol) } };
    },
    jvp(_i, outputs, tangents, state) {
      requireDiagonalizable(state.lu);
      const V = outputs[1] as Float64Array;
      const C = luSolve(state.lu, gemm(tangents[0] as Float64Array, V, n, n, n, false, false), n, false);
      return tangentsFromC(outputs[0] as Float64Array, V, C, state.clusters) as Plain[];
    },
    vjp(_i, outputs, cotangents, state) {
      requireDiagonalizable(state.lu);
      const lam = outputs[0] as Float64Array;
      const V = outputs[1] as Float64Array;
      const [lamBar, Vbar] = cotangents as Float64Array[];
      checkClusters(state.clusters, lam, new Float64Array(n), [lamBar!], Vbar, n, dtol);
      const Cb = cbarOf(lam, V, lamBar!, Vbar!, state.clusters) as Float64Array;
      return [luSolve(state.lu, gemm(Cb, V, n, n, n, false, true), n, true)];
    },
    jvpGeneric(_G, _i, outputs, tangents) {
      const [lam, V] = outputs as Vec[];
      const lamP = plain(lam!);
      const clusters = clustersOf(lamP, new Float64Array(n), ctol);
      const C = solveData(V!, mm(tangents[0] as Vec, V!, n, n, n), 'general', n, n);
      return tangentsFromC(lam!, V!, C, clusters);
    },
    vjpGeneric(_G, _i, outputs, cotangents) {
      const [lam, V] = outputs as Vec[];
      const [lamBar, Vbar] = cotangents as Vec[];
      const lamP = plain(lam!);
      const clusters = clustersOf(lamP, new Float64Array(n), ctol);
      checkClusters(clusters, lamP, new Float64Array(n), [plain(lamBar!)], plain(Vbar!), n, dtol);
      const Cb = cbarOf(lam!, V!, lamBar!, Vbar!, clusters);
      return [solveData(V!, mm(Cb, V!, n, n, n, false, true), 'general', n, n, true)];
    },
  };
  eigDefs.set(key, def);
  return def;
}

/**
 * Eigenvalues (ascending) and eigenvectors (the columns of `vectors`) of a square real A whose eigenvalues are
 * all real. Each eigenvector has unit 2-norm and its entry of largest magnitude positive (the first such on a
 * tie). Throws `ComplexEigenvaluesError` for a complex spectrum (use {@link eigvals}). Derivatives need A
 * diagonalizable (`SingularMatrixError` for a defective A); at a repeated eigenvalue the reverse rule raises
 * `DegenerateSubspaceError` unless the cotangent is constant on the cluster's eigenvalues and zero on its
 * eigenvectors.
 */
export function eig(A: MatLike, options: SpectralOptions = {}): { readonly values: Vec; readonly vectors: Mat } {
  const a = asSquare(A, 'eig: A');
  const n = a.rows;
  const [ctol, dtol] = spectralTols(options, 'eig');
  const [values, V] = callAtomic(eigDef(n, ctol, dtol) as AtomicDefinition<unknown>, [a.data]) as [Vec, Vec];
  return { values, vectors: { data: V, rows: n, cols: n } };
}

// ---------------------------------------------------------------------------------------------
// eigvals: real and imaginary parts (complex spectra included)
// ---------------------------------------------------------------------------------------------

interface EigvalsState {
  readonly dec: Decomposition;
  readonly lu: LU;
  readonly clusters: number[][];
}

const eigvalsDefs = new Map<string, AtomicDefinition<EigvalsState>>();

function eigvalsDef(n: number, ctol: number, dtol: number): AtomicDefinition<EigvalsState> {
  const key = `${n},${ctol},${dtol}`;
  let def = eigvalsDefs.get(key);
  if (def !== undefined) return def;
  const realOnly = (re: Vec, im: Vec): void => {
    if (plain(im).some((v) => v !== 0)) {
      throw new DomainError(
        'eigvals: A (second derivatives)',
        'a matrix with a real spectrum (the differentiable rules of eigvals cover real spectra only)',
        'a matrix with complex eigenvalues',
      );
    }
    void re;
  };
  // The differentiable rules use eig's (differentiable) eigenvectors.
  const vectors = (A: Vec): Vec => callAtomic(eigDef(n, ctol, dtol) as AtomicDefinition<unknown>, [A])[1] as Vec;
  def = {
    name: `eigvals(${n}×${n})`,
    value(inputs: readonly Plain[]) {
      const A = inputs[0] as Float64Array;
      requireFinite(A, 'eigvals: A');
      const dec = decompose(A, n);
      return {
        outputs: [dec.re, dec.im],
        state: { dec, lu: luFactor(dec.Vr, n), clusters: clustersOf(dec.re, dec.im, ctol) },
      };
    },
    jvp(_i, _o, tangents, state) {
      requireDiagonalizable(state.lu);
      const { Vr, D, slots } = state.dec;
      const C = luSolve(state.lu, gemm(tangents[0] as Float64Array, Vr, n, n, n, false, false), n, false);
      const dre = new Float64Array(n);
      const dim = new Float64Array(n);
      slots.forEach(({ j, kind }, k) => {
        if (kind === 0) dre[k] = C[j * n + j]!;
        else {
          const beta = D[j * n + j + 1]!;
          const gamma = D[(j + 1) * n + j]!;
          const s = Math.sqrt(-beta * gamma);
          dre[k] = 0.5 * (C[j * n + j]! + C[(j + 1) * n + j + 1]!);
          dim[k] = (kind * -(gamma * C[j * n + j + 1]! + beta * C[(j + 1) * n + j]!)) / (2 * s);
        }
      });
      return [dre, dim];
    },
    vjp(_i, _o, cotangents, state) {
      requireDiagonalizable(state.lu);
      const { Vr, D, slots, re, im } = state.dec;
      const [reBar, imBar] = cotangents as Float64Array[];
      checkClusters(state.clusters, re, im, [reBar!, imBar!], undefined, n, dtol);
      const Cb = new Float64Array(n * n);
      slots.forEach(({ j, kind }, k) => {
        if (kind === 0) Cb[j * n + j] += reBar![k]!;
        else {
          const beta = D[j * n + j + 1]!;
          const gamma = D[(j + 1) * n + j]!;
          const s = Math.sqrt(-beta * gamma);
          Cb[j * n + j] += 0.5 * reBar![k]!;
          Cb[(j + 1) * n + j + 1] += 0.5 * reBar![k]!;
          const g = (kind * imBar![k]!) / (2 * s);
          Cb[j * n + j + 1] -= gamma * g;
          Cb[(j + 1) * n + j] -= beta * g;
        }
      });
      return [luSolve(state.lu, gemm(Cb, Vr, n, n, n, false, true), n, true)];
    },
    jvpGeneric(_G, inputs, outputs, tangents) {
      realOnly(outputs[0] as Vec, outputs[1] as Vec);
      const V = vectors(inputs[0] as Vec);
      const C = solveData(V, mm(tangents[0] as Vec, V, n, n, n), 'general', n, n);
      return [diagOf(C, n), new Float64Array(n)];
    },
    vjpGeneric(_G, inputs, outputs, cotangents) {
      realOnly(outputs[0] as Vec, outputs[1] as Vec);
      const V = vectors(inputs[0] as Vec);
      const Cb = diagMat(cotangents[0] as Vec, n);
      return [solveData(V, mm(Cb, V, n, n, n, false, true), 'general', n, n, true) as Value];
    },
  };
  eigvalsDefs.set(key, def);
  return def;
}

/**
 * All eigenvalues of a square real A as real and imaginary parts, sorted by real part, then imaginary part
 * (a conjugate pair: −s before +s). Differentiable where A is diagonalizable; at a repeated eigenvalue the
 * reverse rule raises `DegenerateSubspaceError` unless the cotangent is constant on the cluster (a symmetric
 * function of its eigenvalues, e.g. their sum). Second derivatives: real spectra only.
 */
export function eigvals(A: MatLike, options: SpectralOptions = {}): { readonly re: Vec; readonly im: Vec } {
  const a = asSquare(A, 'eigvals: A');
  const [ctol, dtol] = spectralTols(options, 'eigvals');
  const [re, im] = callAtomic(eigvalsDef(a.rows, ctol, dtol) as AtomicDefinition<unknown>, [a.data]) as [Vec, Vec];
  return { re, im };
}
