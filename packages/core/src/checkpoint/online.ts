/**
 * Online checkpointing: reversing a loop whose length is not known while it runs (a while loop, an
 * adaptive time integrator). The user's code drives the loop and pushes each state; at most `s`
 * snapshots are kept, and once the length l is known, `reverse` runs offline binomial schedules
 * (`reverseSegment`, Griewank & Walther's revolve) between the kept snapshots.
 *
 * Counting follows `revolve.ts`: forward steps are calls of `advance`, x_0 is one of the `s`
 * snapshots, and the working state (here: the most recently pushed state, which the user's loop holds
 * anyway) is not a snapshot. The user's own sweep up to x_{l−1} (l − 1 steps) is reused by `reverse`,
 * so `sweepSteps + forwardSteps` is the figure to compare with `optimalForwardSteps(l, s)`: it can
 * never be smaller, since pushes plus `reverse` form one offline schedule with the same memory.
 *
 * Thinning policy, and the bound it gets (Stumm & Walther, "New algorithms for optimal online
 * checkpointing", SIAM J. Sci. Comput. 32(2), 2010, show that an online schedule can match the offline
 * optimum while l ≤ β(s, 2) and give a further algorithm for longer loops; the rule below reaches the
 * first result with a derivation of its own and replaces the second by a greedy rule):
 *
 * - l ≤ β(s, 2) = (s + 1)(s + 2)/2: exactly optimal. For l ≤ s + 1 storing every state is optimal
 *   (l − 1). For s + 1 < l ≤ β(s, 2) (r = 2) the offline cost is 2l − (s + 2), and the online cost
 *   (l − 1) + Σ_i t(stretch_i, s − i) equals it iff all s snapshots sit below l − 1 and the i-th
 *   stretch between kept snapshots (i = 0 … s − 1, the last one ending at x_{l−1}) is at most
 *   s − i + 1 long (so each stretch is reversed by storing all of it once). The rule
 *   keeps x_0 … x_{s−1}, skips x_s, and then runs phases j = 1 … s − 1: phase j starts at
 *   P_j = P_{j−1} + s − j + 2 (P_1 = s + 1), stores the s − j states P_j … P_j + s − j − 1, each
 *   replacing the newest snapshot older than P_j, and skips the next state. Every prefix of this
 *   sequence meets the stretch bounds, and at l = β(s, 2) the snapshots are exactly revolve's
 *   first-sweep positions P_0 … P_{s−1}.
 * - l > β(s, 2): greedy. When x_k is pushed, the previous state x_{k−1} is kept (replacing one
 *   snapshot, or filling a free one) or dropped, whichever makes the cost of reversing right now
 *   (l = k + 1) smallest; ties drop, then replace the oldest. That cost is l − 1 plus
 *   Σ_i t(stretch_i, s − i), and all candidates are priced in O(s) from cached per-stretch costs.
 *   No proof of a bound; measured (sweepSteps + forwardSteps)/optimalForwardSteps(l, s), over every
 *   l ≤ 20 000 for each s ≤ 64 and over every 97th l up to 10^6 for s ≤ 128: at most 1.150 for s = 2
 *   (at l = 15) and at most 1.07 for 3 ≤ s ≤ 128 (1.068 at s = 4, l = 36; ≤ 1.05 for 5 ≤ s ≤ 128).
 *   For small s the worst cases lie shortly beyond β(s, 2) and the ratio falls towards 1
 *   as l grows. s = 1 is optimal for every l (only x_0 can be kept; the quadratic schedule is the
 *   optimum). The tests assert these bounds.
 *
 * These figures assume the loop pushes x_k before stepping from it, so the last state pushed is
 * x_{l−1}. A loop that also pushes its final state x_l (push after each step) still reverses
 * correctly with `reverse(l, …)`, but the decision on x_{l−1} was taken without knowing it was the
 * last one needed: measured cost up to (1 + 1/s) times the optimum instead (reached at l = s + 1;
 * every l ≤ 20 000, s ≤ 32).
 */
import { DomainError, describeValue } from '../errors.js';
import { minForwardSteps, type RevolveHooks, type RevolveStats, reverseSegment } from './revolve.js';

/** What `OnlineCheckpointer.reverse` did. */
export interface OnlineStats extends RevolveStats {
  /**
   * Forward steps of the user's own loop that the reversal relied on: l − 1 (x_1 … x_{l−1}).
   * `sweepSteps + forwardSteps` compares with `optimalForwardSteps(l, s)`.
   */
  sweepSteps: number;
}

/**
 * Keeps at most `snapshots` states of a loop of unknown length, pushed in order, and reverses the loop
 * once its length is known. Typical use:
 *
 * ```ts
 * const cp = new OnlineCheckpointer<State>(20);
 * let x = x0;
 * let k = 0;
 * while (more(x, k)) {
 *   cp.push(x, k); // x_k, before stepping from it
 *   x = step(x, k);
 *   k++;
 * }
 * cp.reverse(k, { advance: step, reverseStep: (k, xk) => { ... } });
 * ```
 *
 * Pushed states must not be modified afterwards (a kept snapshot is the pushed object itself).
 * The thinning policy and its measured cost bound are described in the module comment.
 */
export class OnlineCheckpointer<S> {
  /** Snapshots that may be held at once (x_0 included). */
  readonly snapshots: number;
  private readonly positions: number[] = [];
  private readonly states: S[] = [];
  private count = 0;
  private latest: S | undefined = undefined;
  private reversed = false;
  /** Pending states below this position follow the phase rule (it is P_s = β(s, 2) − 1). */
  private readonly phaseEnd: number;
  private phase = 0;
  private phaseStart = 0;
  /** Per-stretch costs for the greedy rule: a[j] = t(len_j, s − j), b[j] = t(len_j, s − j + 1). */
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  /** m[i] = cost of the stretch that replaces stretches i − 1 and i when snapshot i is dropped. */
  private readonly m: number[] = [];
  /** Caches at indices ≥ this are stale. */
  private valid = 0;

  constructor(snapshots: number) {
    if (!(Number.isSafeInteger(snapshots) && snapshots >= 1)) {
      throw new DomainError('OnlineCheckpointer: snapshots', 'an integer ≥ 1', describeValue(snapshots));
    }
    this.snapshots = snapshots;
    this.phaseEnd = ((snapshots + 1) * (snapshots + 2)) / 2 - 1;
  }

  /** Number of states pushed so far. */
  get length(): number {
    return this.count;
  }

  /** Positions k of the snapshots held now (sorted; 0 first once x_0 is pushed). */
  get storedPositions(): number[] {
    return this.positions.slice();
  }

  /**
   * Registers x_k. Calls come in order k = 0, 1, 2, …; x_0 is always kept. The state is held as the
   * working state until the next push, which decides whether it becomes a snapshot.
   */
  push(state: S, k: number): void {
    if (this.reversed) {
      throw new DomainError(
        'OnlineCheckpointer.push',
        'a push before reverse()',
        'a push after reverse() released the snapshots',
      );
    }
    if (k !== this.count) {
      throw new DomainError(
        'OnlineCheckpointer.push: k',
        `${this.count} (states come in order x_0, x_1, …)`,
        describeValue(k),
      );
    }
    if (k === 0) {
      this.positions.push(0);
      this.states.push(state);
    } else if (k >= 2) {
      // x_{k−1} (x_0 is stored already) is now known to be needed: keep it or let it go.
      this.decide(k - 1, this.latest as S, k);
    }
    this.latest = state;
    this.count++;
  }

  /**
   * Reverses steps l − 1 … 0 (0 ≤ l ≤ number of states pushed; usually l is that number, or one less
   * when the final state was pushed too): `hooks.reverseStep(k, x_k)` once each in that order,
   * recomputing states with `hooks.advance` from the snapshots. Releases the snapshots; the
   * checkpointer cannot be used afterwards.
   */
  reverse(l: number, hooks: RevolveHooks<S>): OnlineStats {
    if (this.reversed) {
      throw new DomainError(
        'OnlineCheckpointer.reverse',
        'a single call',
        'a second call (the snapshots were released)',
      );
    }
    if (!(Number.isSafeInteger(l) && l >= 0 && l <= this.count)) {
      throw new DomainError(
        'OnlineCheckpointer.reverse: l',
        `an integer in [0, ${this.count}] (states pushed)`,
        describeValue(l),
      );
    }
    this.reversed = true;
    const stats: OnlineStats = { forwardSteps: 0, reverseSteps: 0, peakSnapshots: 0, sweepSteps: Math.max(0, l - 1) };
    const pos = this.positions;
    const st = this.states;
    const working = this.count === l ? this.latest : undefined;
    const hasWorking = this.count === l;
    this.latest = undefined;
    while (pos.length > 0 && pos[pos.length - 1]! > l - 1) {
      pos.pop();
      st.pop();
    }
    stats.peakSnapshots = pos.length;
    let end = l;
    if (l > 0 && hasWorking && pos[pos.length - 1] !== l - 1) {
      hooks.reverseStep(l - 1, working as S);
      stats.reverseSteps++;
      end = l - 1;
    }
    for (let i = pos.length - 1; i >= 0; i--) {
      const p = pos[i]!;
      // Snapshots 0 … i − 1 stay held for the earlier stretches; this stretch gets the rest.
      if (end > p)
        reverseSegment(p, end, this.snapshots - i, st[i] as S, hooks, stats, i, 'OnlineCheckpointer.reverse');
      end = p;
      pos.pop();
      st.pop();
    }
    this.a.length = 0;
    this.b.length = 0;
    this.m.length = 0;
    return stats;
  }

  private decide(q: number, xq: S, k: number): void {
    if (this.snapshots === 1) return;
    if (q < this.phaseEnd) this.phaseRule(q, xq);
    else this.greedy(q, xq, k);
  }

  /** Optimal while l ≤ β(s, 2); see the module comment for the phases and why they are optimal. */
  private phaseRule(q: number, xq: S): void {
    const s = this.snapshots;
    while (q >= this.phaseStart + s - this.phase + 1) {
      this.phaseStart += s - this.phase + 1;
      this.phase++;
    }
    if (q - this.phaseStart > s - this.phase - 1) return; // the one state each phase skips
    if (this.positions.length === s) {
      // Replace the newest snapshot of the previous phase (the newest one older than this phase).
      // Those are consecutive, so after t stores of phase j the stretch from the newest survivor to
      // P_j has length t + 2 at index s − t − 1: exactly its bound s − i + 1, never beyond.
      let i = this.positions.length - 1;
      while (this.positions[i]! >= this.phaseStart) i--;
      this.positions.splice(i, 1);
      this.states.splice(i, 1);
    }
    this.positions.push(q);
    this.states.push(xq);
    this.valid = 0;
  }

  /** Greedy rule for l > β(s, 2): minimise the cost of reversing now (l = k + 1, working x_k). */
  private greedy(q: number, xq: S, k: number): void {
    const s = this.snapshots;
    const pos = this.positions;
    const n = pos.length;
    const a = this.a;
    const b = this.b;
    const m = this.m;
    for (let j = this.valid; j < n - 1; j++) {
      const len = pos[j + 1]! - pos[j]!;
      a[j] = minForwardSteps(len, s - j);
      b[j] = minForwardSteps(len, s - j + 1);
    }
    for (let i = Math.max(this.valid, 1); i < n - 1; i++) m[i] = minForwardSteps(pos[i + 1]! - pos[i - 1]!, s - i + 1);
    this.valid = n - 1;
    const last = pos[n - 1]!;
    let sumA = 0;
    let sumB = 0;
    for (let j = 0; j < n - 1; j++) {
      sumA += a[j]!;
      sumB += b[j]!;
    }
    // Drop x_q: the last stretch runs from the newest snapshot to the working state x_k.
    let best = sumA + minForwardSteps(k - last, s - n + 1);
    let choice = -2;
    if (n < s) {
      const v = sumA + minForwardSteps(q - last, s - n + 1);
      if (v < best) {
        best = v;
        choice = -1;
      }
    } else {
      // Replace snapshot i by x_q: stretches i − 1 and i merge, later ones move down one index and
      // so get one more snapshot each (cost b), and the old last stretch ends at q.
      const tail = minForwardSteps(q - last, s - n + 2);
      let preA = 0;
      let runB = b[0]!;
      for (let i = 1; i < n; i++) {
        let v: number;
        if (i < n - 1) {
          runB += b[i]!;
          v = preA + m[i]! + (sumB - runB) + tail;
        } else {
          v = preA + minForwardSteps(q - pos[n - 2]!, s - n + 2);
        }
        if (v < best) {
          best = v;
          choice = i;
        }
        preA += a[i - 1]!;
      }
    }
    if (choice === -2) return;
    if (choice >= 0) {
      pos.splice(choice, 1);
      this.states.splice(choice, 1);
      this.valid = Math.min(this.valid, choice - 1);
    } else {
      this.valid = Math.min(this.valid, n - 1);
    }
    pos.push(q);
    this.states.push(xq);
  }
}
