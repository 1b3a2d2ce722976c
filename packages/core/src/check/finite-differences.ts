/**
 * Finite-difference reference derivatives (no tape involved), used to check derivative rules.
 *
 * Method: Ridders' extrapolation of central differences (C. J. F. Ridders, "Accurate computation of
 * F'(x) and F'(x)F''(x)", Adv. Eng. Software 4 (1982) 75–76; Numerical Recipes, 3rd ed., §5.7,
 * routine `dfridr`). Central differences D(h) = (g(h) − g(−h))/(2h) have an error series in even
 * powers of h, so a Neville tableau over h, h/c, h/c², … eliminates them one after another. The
 * tableau entry with the smallest disagreement with its neighbours is returned together with that
 * disagreement as the error estimate; the iteration stops once higher orders get worse by more than a
 * safety factor (roundoff has taken over). On smooth functions this reaches ~1e-13 relative.
 */

/** A derivative estimate and Ridders' estimate of its absolute error. */
export interface FdEstimate {
  readonly value: number;
  readonly error: number;
}

/** Componentwise derivative estimates and their error estimates. */
export interface FdVectorEstimate {
  readonly value: Float64Array;
  readonly error: Float64Array;
}

/** Default initial step: large enough that the first differences are far above roundoff. */
const DEFAULT_H0 = 0.05;
/** Step shrink factor per tableau column (Numerical Recipes' CON). */
const SHRINK = 1.4;
const SHRINK2 = SHRINK * SHRINK;
/** Tableau size (NTAB): the smallest step is h0/1.4^(NTAB−1). */
const NTAB = 12;
/** Stop when the diagonal worsens by this factor over the best error (Numerical Recipes' SAFE). */
const SAFE = 2;

/** One Ridders tableau for one output component; fed one central difference per step. */
class RiddersTableau {
  /** prev[j] / cur[j]: extrapolation order j at the previous / current step. */
  private prev: number[] = [];
  private cur: number[] = [];
  private step = 0;
  value = NaN;
  error = Infinity;
  done = false;

  /** Adds the central difference for the next (smaller) step. */
  push(diff: number): void {
    if (this.done) return;
    this.cur = [diff];
    if (this.step === 0) {
      this.value = diff;
    } else {
      let fac = SHRINK2;
      for (let j = 1; j <= this.step; j++) {
        // Neville: eliminate the h^(2j) term using the same order from the larger step.
        const ext = (this.cur[j - 1]! * fac - this.prev[j - 1]!) / (fac - 1);
        this.cur.push(ext);
        fac *= SHRINK2;
        const errt = Math.max(Math.abs(ext - this.cur[j - 1]!), Math.abs(ext - this.prev[j - 1]!));
        if (errt <= this.error) {
          this.error = errt;
          this.value = ext;
        }
      }
      // Higher order got markedly worse: roundoff dominates, keep the best so far.
      const diag = Math.abs(this.cur[this.step]! - this.prev[this.step - 1]!);
      if (diag >= SAFE * this.error) this.done = true;
    }
    this.prev = this.cur;
    this.step++;
  }
}

/**
 * Runs Ridders' method on a vector-valued function of one real t, at t = 0. `evaluate(t)` returns
 * all m components at t; the tableaus share the function evaluations.
 */
function riddersVector(evaluate: (t: number) => ArrayLike<number>, h0: number): FdVectorEstimate {
  if (!(h0 > 0 && Number.isFinite(h0))) {
    throw new RangeError(`finite differences: h0 must be a positive finite number, got ${String(h0)}`);
  }
  let tableaus: RiddersTableau[] | undefined;
  let h = h0;
  for (let i = 0; i < NTAB; i++) {
    const plus = evaluate(h);
    const minus = evaluate(-h);
    if (plus.length !== minus.length) {
      throw new RangeError(`finite differences: output length changed (${plus.length} vs ${minus.length})`);
    }
    tableaus ??= Array.from({ length: plus.length }, () => new RiddersTableau());
    if (tableaus.length !== plus.length) {
      throw new RangeError(`finite differences: output length changed (${tableaus.length} vs ${plus.length})`);
    }
    let allDone = true;
    for (let k = 0; k < tableaus.length; k++) {
      const tab = tableaus[k]!;
      tab.push((plus[k]! - minus[k]!) / (2 * h));
      allDone &&= tab.done;
    }
    if (allDone) break;
    h /= SHRINK;
  }
  const list = tableaus ?? [];
  return {
    value: Float64Array.from(list, (t) => t.value),
    error: Float64Array.from(list, (t) => t.error),
  };
}

/**
 * The derivative g'(0) of a scalar function of one real variable, by Ridders' extrapolation of
 * central differences, with an estimate of its absolute error.
 *
 * @param g - evaluated at ±h0, ±h0/1.4, … (at most 24 evaluations); must be smooth on [−h0, h0].
 * @param h0 - initial step (default 0.05): roughly the scale over which g changes appreciably, and
 *   never so large that [−h0, h0] reaches a kink or the edge of g's domain.
 */
export function richardsonDerivative(g: (t: number) => number, h0: number = DEFAULT_H0): FdEstimate {
  const r = riddersVector((t) => [g(t)], h0);
  return { value: r.value[0]!, error: r.error[0]! };
}

/**
 * The directional derivative d/dt f(x + t·v) at t = 0 (a Jacobian–vector product J(x)·v), each
 * output component by Ridders' extrapolation, with componentwise absolute error estimates.
 * Neither `x` nor `v` is mutated; `f` receives a fresh array on every call.
 *
 * @param h0 - initial step along v (default 0.05), as for {@link richardsonDerivative}.
 */
export function fdJvp(
  f: (x: Float64Array) => Float64Array,
  x: Float64Array,
  v: Float64Array,
  h0: number = DEFAULT_H0,
): FdVectorEstimate {
  if (x.length !== v.length) {
    throw new RangeError(`fdJvp: x has length ${x.length} but v has length ${v.length}`);
  }
  const evaluate = (t: number): Float64Array => {
    const xt = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) xt[i] = x[i]! + t * v[i]!;
    // Copied: f may hand back the same buffer on every call.
    return Float64Array.from(f(xt));
  };
  return riddersVector(evaluate, h0);
}
