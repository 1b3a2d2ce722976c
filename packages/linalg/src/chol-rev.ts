/**
 * A faster plain reverse rule for Cholesky: the adjoint of the scalar column-by-column algorithm of
 * `choleskyFactor` (factor.ts), run backwards in place — Murray's "unblocked reverse" (I. Murray,
 * "Differentiation of the Cholesky decomposition", arXiv:1602.07527, 2016, Alg. "chol_unblocked_rev").
 * Forward, for each column j: L_jj = √(S_jj − Σ_{k<j} L_jk²), L_ij = (S_ij − Σ_{k<j} L_ik L_jk)/L_jj (i > j).
 * Each multiply–add of the forward gives two in the reverse, so the rule costs ≈ 2× the factorization
 * (n³/3 multiply–adds against n³/6), while the level-3 formula Ā = sym(L⁻ᵀ Φ(LᵀL̄) L⁻¹) with dense products
 * and solves costs ≈ 9× in flops. Same result (to rounding): `test/chol-rev.test.ts`.
 */

/**
 * Ā for L = chol((A + Aᵀ)/2) given L̄ (only its lower triangle is read), plain. The result is symmetric:
 * Ā = (S̄ + S̄ᵀ)/2 for the adjoint S̄ of the lower triangle the factorization reads.
 */
export function choleskyVjpPlain(L: Float64Array, Lbar: Float64Array, n: number): Float64Array {
  const B = new Float64Array(n * n); // working adjoint of L (lower), then S̄ in place
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) B[i * n + j] = Lbar[i * n + j]!;
  for (let j = n - 1; j >= 0; j--) {
    const ljj = L[j * n + j]!;
    const rj = j * n;
    let bjj = B[rj + j]!;
    for (let i = n - 1; i > j; i--) {
      const ri = i * n;
      const sbar = B[ri + j]! / ljj;
      bjj -= sbar * L[ri + j]!;
      B[ri + j] = sbar; // S̄_ij
      for (let k = 0; k < j; k++) {
        B[ri + k] -= sbar * L[rj + k]!;
        B[rj + k] -= sbar * L[ri + k]!;
      }
    }
    const dbar = bjj / (2 * ljj);
    B[rj + j] = dbar; // S̄_jj
    for (let k = 0; k < j; k++) B[rj + k] -= 2 * dbar * L[rj + k]!;
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    A[i * n + i] = B[i * n + i]!;
    for (let j = 0; j < i; j++) {
      const v = 0.5 * B[i * n + j]!;
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
  return A;
}
