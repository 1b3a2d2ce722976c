/**
 * Binomial checkpointing ("revolve"): reversing a loop x_{k+1} = F_k(x_k), k = 0 … l − 1, with at
 * most `s` stored states, recomputing the provably minimal number of forward steps.
 *
 * References:
 * - A. Griewank and A. Walther, "Algorithm 799: revolve: an implementation of checkpointing for the
 *   reverse or adjoint mode of computational differentiation", ACM TOMS 26(1), 19–45, 2000.
 * - A. Griewank and A. Walther, *Evaluating Derivatives*, 2nd ed., SIAM 2008, ch. 12 (reversal
 *   schedules and checkpointing: binomial schedules, their optimality and the closed form below).
 *
 * ## Cost model (what is counted)
 *
 * - The reverse sweep must call `reverseStep(k, x_k)` for k = l − 1 down to 0. A reverse step evaluates
 *   F_k inside its own VJP; that evaluation is part of the reverse step and is NOT counted.
 * - A *forward step* is one call of `advance(x_j, j)` → x_{j+1}. Only these are counted. The first
 *   sweep from x_0 is counted too: nothing but x_0 is given, so even with unlimited memory reversing
 *   l steps costs l − 1 forward steps (x_1 … x_{l−1}; x_l is never needed).
 * - A *snapshot* is a stored state. At most `s` are held at once and x_0 occupies one of them for the
 *   whole reversal (it cannot be recomputed). The single *working state* that `advance` is being
 *   applied to (or that the next reverse step consumes) is not a snapshot, exactly as in revolve,
 *   where the checkpoints are separate from the state the forward code runs on. Hence s = 1 means
 *   "only x_0 stored": every x_k is recomputed from x_0, l(l − 1)/2 forward steps in all.
 *
 * Under this convention the minimum over all schedules is the closed form of Griewank & Walther,
 * t(l, s) = r·l − β(s + 1, r − 1) with β(s, r) = C(s + r, s) and r the repetition number,
 * β(s, r − 1) < l ≤ β(s, r). The tests check it against an independent dynamic program over nested
 * splits and against an exhaustive search over every store/restore/advance sequence (small l, s).
 */
import { DomainError, describeValue } from '../errors.js';

/** Hooks through which a schedule drives the user's loop. */
export interface RevolveHooks<S> {
  /**
   * One forward step: returns x_{k+1} from x_k. Must return a NEW state and leave `state` intact,
   * because `state` may be a snapshot that is used again later.
   */
  advance(state: S, k: number): S;
  /** The reverse (VJP) step k, given its input state x_k. Called for k = l − 1, l − 2, …, 0, once each. */
  reverseStep(k: number, state: S): void;
}

/** What a reversal did. */
export interface RevolveStats {
  /** Calls of `advance` (forward steps, recomputations included; reverse steps excluded). */
  forwardSteps: number;
  /** Calls of `reverseStep` (always l). */
  reverseSteps: number;
  /** Most snapshots (stored states, x_0 included, working state excluded) held at once. */
  peakSnapshots: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function checkCount(who: string, name: string, v: number, min: number): void {
  if (!(Number.isSafeInteger(v) && v >= min)) {
    throw new DomainError(`${who}: ${name}`, `an integer ≥ ${min}`, describeValue(v));
  }
}

/** Exact C(a + b, min(a, b)) as a bigint, stopping early once it exceeds `cap`. */
function binomialBig(a: number, b: number, cap: bigint): bigint {
  const lo = BigInt(Math.min(a, b));
  const hi = BigInt(Math.max(a, b));
  let v = 1n;
  for (let i = 1n; i <= lo; i++) {
    v = (v * (hi + i)) / i;
    if (v > cap) return v;
  }
  return v;
}

/**
 * β(c, r) = C(c + r, c) for c, r ≥ 0 (β(c, −1) = 0), or `Infinity` as soon as it is known to exceed
 * `cap`. Exact: the running value C(hi + i, i) is an integer and the product before the division
 * stays below 2^53, else the bigint path takes over. Partial products grow monotonically, which is
 * what makes the early exit sound.
 */
function betaCapped(c: number, r: number, cap: number): number {
  if (r < 0) return 0;
  const lo = Math.min(c, r);
  const hi = Math.max(c, r);
  let v = 1;
  for (let i = 1; i <= lo; i++) {
    const p = v * (hi + i);
    if (p > MAX_SAFE) {
      const big = binomialBig(c, r, BigInt(Math.min(cap, MAX_SAFE)));
      return big > BigInt(Math.min(cap, MAX_SAFE)) ? Number.POSITIVE_INFINITY : Number(big);
    }
    v = p / i;
    if (v > cap) return Number.POSITIVE_INFINITY;
  }
  return v;
}

/**
 * β(s, r) = C(s + r, s): the largest number of steps that s snapshots can reverse when no step is
 * advanced more than r times (Griewank & Walther 2000; *Evaluating Derivatives* ch. 12).
 * Exact as a Number; throws a `DomainError` when the value exceeds 2^53 − 1, where Numbers stop being
 * exact integers.
 */
export function beta(s: number, r: number): number {
  checkCount('beta', 's', s, 0);
  checkCount('beta', 'r', r, 0);
  const v = betaCapped(s, r, MAX_SAFE);
  if (!Number.isFinite(v)) {
    throw new DomainError('beta(s, r)', `C(s + r, s) ≤ 2^53 − 1 (exact as a Number)`, `s = ${s}, r = ${r}`);
  }
  return v;
}

/** The repetition number: the smallest r ≥ 1 with β(c, r) ≥ n (n ≥ 2, c ≥ 2, c < n − 1 is typical). */
function repetition(n: number, c: number): number {
  // Galloping then bisection: β(c, ·) is increasing, and each probe costs O(min(c, r)) with the cap.
  let lo = 1;
  let hi = 1;
  while (betaCapped(c, hi, n) < n) {
    lo = hi + 1;
    hi *= 2;
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (betaCapped(c, mid, n) >= n) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * t(n, c) of `optimalForwardSteps` without the argument checks (n ≥ 0, c ≥ 1 integers).
 * @internal Shared with the online checkpointer, which evaluates it on every push.
 */
export function minForwardSteps(n: number, c: number): number {
  if (n <= 1) return 0;
  if (c >= n - 1) return n - 1;
  if (c === 1) {
    const v = (n * (n - 1)) / 2;
    if (v > MAX_SAFE) throw new DomainError('optimalForwardSteps', 'a count ≤ 2^53 − 1', `l = ${n}, s = 1`);
    return v;
  }
  const r = repetition(n, c);
  if (r * n > MAX_SAFE) throw new DomainError('optimalForwardSteps', 'a count ≤ 2^53 − 1', `l = ${n}, s = ${c}`);
  // β(c + 1, r − 1) < r·n here (it is the part of r·n the binomial structure saves), so it is exact.
  return r * n - betaCapped(c + 1, r - 1, MAX_SAFE);
}

/**
 * The minimal number of forward steps (calls of `advance`, see the module comment) that reverse `l`
 * steps with at most `s` snapshots, x_0 being one of them:
 *
 * t(l, s) = r·l − β(s + 1, r − 1), where r is the unique integer with β(s, r − 1) < l ≤ β(s, r)
 *
 * (Griewank & Walther 2000; *Evaluating Derivatives* ch. 12). Special cases: t(1, s) = 0;
 * t(l, 1) = l(l − 1)/2 (only x_0 stored); t(l, s) = l − 1 for s ≥ l − 1 (every needed state stored
 * once on the first sweep; x_{l−1} is the working state). l = 0 gives 0.
 */
export function optimalForwardSteps(l: number, s: number): number {
  checkCount('optimalForwardSteps', 'l', l, 0);
  checkCount('optimalForwardSteps', 's', s, 1);
  return minForwardSteps(l, s);
}

/**
 * Optimal split of a segment of `n` steps (n ≥ 2) held with `c` ≥ 2 snapshots (its start included):
 * advance m steps, keep x_m, reverse the last n − m steps with c − 1 snapshots, then the first m with c.
 *
 * Derivation: t(·, c) is piecewise linear and continuous, t(n, c) = ρ·n − β(c + 1, ρ − 1) for EVERY ρ
 * with β(c, ρ − 1) ≤ n ≤ β(c, ρ) (at a breakpoint both pieces agree, by Pascal's rule). Take r with
 * β(c, r − 1) < n ≤ β(c, r) and m with β(c, r − 2) ≤ m ≤ β(c, r − 1) and β(c − 1, r − 1) ≤ n − m ≤ β(c − 1, r).
 * Then m + t(n − m, c − 1) + t(m, c) = m + r(n − m) − β(c, r − 1) + (r − 1)m − β(c + 1, r − 2)
 * = r·n − β(c + 1, r − 1) = t(n, c), using β(c + 1, r − 1) = β(c + 1, r − 2) + β(c, r − 1). Such m exist
 * because β(c, r) = β(c, r − 1) + β(c − 1, r); the smallest is max(β(c, r − 2), n − β(c − 1, r)), which
 * is ≥ 1 for r ≥ 2. For r = 1 (n ≤ c + 1, store everything) m = 1.
 */
function splitPoint(n: number, c: number): number {
  if (c >= n - 1) return 1;
  const r = repetition(n, c);
  if (r <= 1) return 1;
  const left = betaCapped(c, r - 2, MAX_SAFE);
  const right = n - betaCapped(c - 1, r, MAX_SAFE);
  return Math.max(left, right);
}

/**
 * Reverses steps [a, b) given x_a, with `c` snapshots for this segment (x_a's included) while `held`
 * other snapshots are held by the caller; adds to `stats`. Iterative: an explicit stack of segments,
 * one per held snapshot, so the depth is at most c and no call recursion happens even for huge l.
 * @internal Shared with the online checkpointer, which reverses each stretch between its snapshots.
 */
export function reverseSegment<S>(
  a: number,
  b: number,
  c: number,
  xa: S,
  hooks: RevolveHooks<S>,
  stats: RevolveStats,
  held: number,
  who: string,
  known?: ReadonlyMap<number, S>,
): void {
  const start: number[] = [a];
  const end: number[] = [b];
  const cap: number[] = [Math.min(c, b - a)];
  const state: S[] = [xa];
  if (held + 1 > stats.peakSnapshots) stats.peakSnapshots = held + 1;
  const advance = (x: S, k: number): S => {
    const y = hooks.advance(x, k);
    // A step that updates its input in place would corrupt the snapshot it was handed.
    if (y === x && typeof x === 'object' && x !== null) {
      throw new DomainError(`${who}: advance(state, ${k})`, 'a new state object', 'its input state, modified in place');
    }
    stats.forwardSteps++;
    return y;
  };
  const reverse = (k: number, x: S): void => {
    hooks.reverseStep(k, x);
    stats.reverseSteps++;
  };
  while (start.length > 0) {
    const top = start.length - 1;
    const p = start[top]!;
    const e = end[top]!;
    const x = state[top] as S;
    const n = e - p;
    if (n === 1) {
      reverse(p, x);
      start.pop();
      end.pop();
      cap.pop();
      state.pop();
      continue;
    }
    const cc = cap[top]!;
    if (cc === 1) {
      // Only the segment's start is stored: sweep to the last step, reverse it, repeat with one less.
      let y = known?.get(e - 1);
      if (y === undefined) {
        y = x;
        for (let j = p; j < e - 1; j++) y = advance(y, j);
      }
      reverse(e - 1, y);
      end[top] = e - 1;
      continue;
    }
    const m = splitPoint(n, cc);
    let y = known?.get(p + m);
    if (y === undefined) {
      y = x;
      for (let j = p; j < p + m; j++) y = advance(y, j);
    }
    end[top] = p + m;
    if (p + m === e - 1) {
      // A one-step right part is reversed from the working state at once: storing it would cost a
      // snapshot for nothing (the count is the same either way).
      reverse(e - 1, y);
    } else {
      start.push(p + m);
      end.push(e);
      cap.push(cc - 1);
      state.push(y);
      if (held + start.length > stats.peakSnapshots) stats.peakSnapshots = held + start.length;
    }
  }
}

/**
 * Reverses the loop x_{k+1} = F_k(x_k), k = 0 … l − 1, starting from `x0` only, with at most `s`
 * snapshots (x_0 included): calls `hooks.reverseStep(k, x_k)` for k = l − 1 down to 0, recomputing
 * the states it needs with exactly `optimalForwardSteps(l, s)` calls of `hooks.advance`.
 *
 * The schedule is Griewank's recursive binomial splitting (revolve): with x_a held and c snapshots,
 * advance to the optimal split m (see `splitPoint`), keep x_m, reverse [m, b) with c − 1 snapshots,
 * release x_m, then reverse [a, m) with c. Runs iteratively with an explicit stack of at most
 * min(s, l) entries; split points cost O(log r · min(s, r)) each, so l = 10^6 with s = 20 takes
 * well under a second beyond the user's own steps.
 */
export function reverseLoop<S>(l: number, s: number, x0: S, hooks: RevolveHooks<S>): RevolveStats {
  checkCount('reverseLoop', 'l', l, 0);
  checkCount('reverseLoop', 's', s, 1);
  const stats: RevolveStats = { forwardSteps: 0, reverseSteps: 0, peakSnapshots: 0 };
  if (l === 0) return stats;
  reverseSegment(0, l, s, x0, hooks, stats, 0, 'reverseLoop');
  return stats;
}

/**
 * The states the schedule of `reverseLoop(l, s, …)` reaches on its first forward sweep from x_0 (the
 * split points along its rightmost path, ending at x_{l−1}). A loop that must run forward anyway to
 * produce its result can keep exactly these states (never more than s) and hand them to
 * `reverseLoopFrom`, which then skips that sweep: l − 1 fewer recomputed steps.
 */
export function firstSweepPositions(l: number, s: number): number[] {
  checkCount('firstSweepPositions', 'l', l, 0);
  checkCount('firstSweepPositions', 's', s, 1);
  const positions: number[] = [];
  let p = 0;
  let c = Math.min(s, l);
  while (l - p > 1) {
    if (c === 1) {
      positions.push(l - 1);
      break;
    }
    const m = splitPoint(l - p, c);
    positions.push(p + m);
    if (p + m === l - 1) break;
    p += m;
    c--;
  }
  return positions;
}

/**
 * `reverseLoop` when the states at `firstSweepPositions(l, s)` are already known (kept by the
 * forward run that produced the loop's result): the same optimal schedule without its first sweep,
 * so `forwardSteps` is `optimalForwardSteps(l, s) − (l − 1)` (for l ≥ 1).
 */
export function reverseLoopFrom<S>(
  l: number,
  s: number,
  x0: S,
  known: ReadonlyMap<number, S>,
  hooks: RevolveHooks<S>,
): RevolveStats {
  checkCount('reverseLoopFrom', 'l', l, 0);
  checkCount('reverseLoopFrom', 's', s, 1);
  const stats: RevolveStats = { forwardSteps: 0, reverseSteps: 0, peakSnapshots: 0 };
  if (l === 0) return stats;
  reverseSegment(0, l, s, x0, hooks, stats, 0, 'reverseLoopFrom', known);
  return stats;
}

/**
 * Snapshots that fit a memory budget: ⌊budgetBytes / bytesPerState⌋ (at most 2^53 − 1). Returns 0
 * when not even one state fits, so the caller can raise its own typed error naming its option.
 */
export function snapshotsForBudget(bytesPerState: number, budgetBytes: number): number {
  if (!(Number.isFinite(bytesPerState) && bytesPerState > 0)) {
    throw new DomainError('snapshotsForBudget: bytesPerState', 'a finite number > 0', describeValue(bytesPerState));
  }
  if (!(Number.isFinite(budgetBytes) && budgetBytes >= 0)) {
    throw new DomainError('snapshotsForBudget: budgetBytes', 'a finite number ≥ 0', describeValue(budgetBytes));
  }
  return Math.min(Math.floor(budgetBytes / bytesPerState), MAX_SAFE);
}
