/**
 * Binomial checkpointing (revolve) and online checkpointing, as pure schedules (no tape).
 *
 * The closed form t(l, s) = r·l − β(s + 1, r − 1) is checked against two references written here
 * independently of the schedule: a dynamic program over nested splits, and an exhaustive search over
 * every store / drop / restore / advance sequence of a machine with s snapshot slots plus a working
 * state. Schedules are run with hash-chain states; every call is recorded and the record is checked:
 * reverse order, the exact state handed to each call, the number of advances, and the number of slots
 * the record provably needs (from the states it restores), independently of the schedule's own count.
 * Property runs are bounded and seeded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OnlineCheckpointer } from '../src/checkpoint/online.js';
import { beta, optimalForwardSteps, reverseLoop, snapshotsForBudget } from '../src/checkpoint/revolve.js';
import { DomainError } from '../src/errors.js';
import { propSeed } from './support/prop-seed.js';

const RUNS = {
  numRuns: Number(process.env.PROP_RUNS ?? 200),
  seed: propSeed(0x5e7),
  endOnFailure: true,
};

// ---------------------------------------------------------------------------------------------------
// Independent references for the minimal number of forward steps.

/**
 * Nested-split dynamic program. D[l][c] = fewest forward steps to reverse l steps when the segment's
 * start state is held (in one of c snapshots if c ≥ 1; as the working state if c = 0):
 *   D[1][c] = 0                       (reverse the step from the state at hand)
 *   D[l][0] = ∞ for l ≥ 2            (a second state would be needed and nothing can be stored)
 *   D[l][c] = min over 1 ≤ m < l of  m + D[l − m][c − 1] + D[m][c]   for l ≥ 2, c ≥ 1
 * i.e. advance m steps from the start, reverse the right part [m, l) first from x_m with the other
 * c − 1 snapshots (x_m stored in one of them, or kept as the working state when c − 1 = 0), then the
 * left part [0, m) again with all c.
 */
function nestedDp(maxL: number, maxC: number): number[][] {
  const D: number[][] = [];
  for (let l = 0; l <= maxL; l++) D.push(new Array<number>(maxC + 1).fill(l <= 1 ? 0 : Number.POSITIVE_INFINITY));
  for (let l = 2; l <= maxL; l++) {
    for (let c = 1; c <= maxC; c++) {
      let best = Number.POSITIVE_INFINITY;
      for (let m = 1; m < l; m++) best = Math.min(best, m + D[l - m]![c - 1]! + D[m]![c]!);
      D[l]![c] = best;
    }
  }
  return D;
}

/**
 * Exhaustive search (0-1 BFS) over a checkpointing machine, assuming nothing about the shape of a
 * schedule. State: next step n to reverse, working-state position w (−1: none), set of stored
 * positions (x_0 stored at the start, at most s stored). Moves: advance w → w + 1 (cost 1); store w
 * (cost 0, if a slot is free); restore a stored state into the working state (0); drop a stored state
 * other than x_0 (0); reverse step n when w = n (0; afterwards w and every stored position ≥ n are
 * useless and discarded). Returns the least cost reaching n = −1.
 */
function exhaustiveMinCost(l: number, s: number): number {
  const W = l + 1;
  const key = (n: number, w: number, mask: number) => ((n + 1) * W + (w + 1)) * (1 << l) + mask;
  const dist = new Float64Array((l + 1) * W * (1 << l)).fill(Number.POSITIVE_INFINITY);
  const popcount = (x: number) => {
    let c = 0;
    for (; x; x &= x - 1) c++;
    return c;
  };
  dist[key(l - 1, 0, 1)] = 0;
  // 0-1 BFS: a stack of zero-cost successors in front of a FIFO of unit-cost ones.
  const zero: number[][] = [[l - 1, 0, 1, 0]];
  const one: number[][] = [];
  let head = 0;
  while (zero.length > 0 || one.length > head) {
    const cur = zero.length > 0 ? zero.pop()! : one[head++]!;
    const [n, w, mask, d] = cur as [number, number, number, number];
    if (d > dist[key(n, w, mask)]!) continue;
    if (n === -1) return d;
    const relax = (n2: number, w2: number, m2: number, cost: number) => {
      const k2 = key(n2, w2, m2);
      if (d + cost < dist[k2]!) {
        dist[k2] = d + cost;
        (cost === 0 ? zero : one).push([n2, w2, m2, d + cost]);
      }
    };
    if (w >= 0 && w < n) relax(n, w + 1, mask, 1);
    if (w >= 0 && !(mask & (1 << w)) && popcount(mask) < s) relax(n, w, mask | (1 << w), 0);
    for (let p = 0; p <= n; p++) {
      if (!(mask & (1 << p))) continue;
      relax(n, p, mask, 0);
      if (p !== 0) relax(n, w, mask & ~(1 << p), 0);
    }
    if (w === n) relax(n - 1, -1, n === 0 ? 0 : mask & ((1 << n) - 1), 0);
  }
  return Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------------
// Recorded runs.

/** x_{k+1} = h(x_k, k): a 32-bit hash chain, so a wrong state is caught with near certainty. */
function hashStep(x: number, k: number): number {
  let h = Math.imul(x ^ (k + 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function trajectory(l: number, x0 = 12345): Int32Array {
  const xs = new Int32Array(l + 1);
  xs[0] = x0;
  for (let k = 0; k < l; k++) xs[k + 1] = hashStep(xs[k]!, k);
  return xs;
}

/** A record of calls: ADV k consumes x_k and produces x_{k+1}; REV k consumes x_k. */
class Recorder {
  kinds: number[] = [];
  ks: number[] = [];
  errors: string[] = [];
  advances = 0;
  reverses: number[] = [];
  constructor(readonly xs: Int32Array) {}
  hooks = {
    advance: (x: number, k: number): number => {
      if (x !== this.xs[k]) this.errors.push(`advance(·, ${k}) got a wrong state`);
      this.kinds.push(0);
      this.ks.push(k);
      this.advances++;
      return hashStep(x, k);
    },
    reverseStep: (k: number, x: number): void => {
      if (x !== this.xs[k]) this.errors.push(`reverseStep(${k}, ·) got a wrong state`);
      this.kinds.push(1);
      this.ks.push(k);
      this.reverses.push(k);
    },
  };
  /**
   * Least number of slots this record needs: a state used other than right after it was produced
   * (as the working state) must have been stored since its last production; x_0 is produced before
   * the first call. Each such [production, last use] is an interval; the answer is the most
   * intervals alive at once (a state produced by a call counts from just after that call).
   */
  slotsNeeded(): number {
    const T = this.kinds.length;
    const prod = new Map<number, number>(); // position → time of its latest production
    const lastUse = new Map<number, number>(); // position → latest non-working use since then
    const diff = new Int32Array(2 * T + 4);
    const close = (j: number) => {
      const e = lastUse.get(j);
      if (e !== undefined) {
        diff[2 * prod.get(j)! + 3]! += 1; // starts just after its production (time 2p + 1, shifted by 2)
        diff[2 * e + 3]! -= 1; // ends after its last use (time 2e, shifted by 2, inclusive)
      }
      lastUse.delete(j);
    };
    prod.set(0, -1);
    for (let t = 0; t < T; t++) {
      const j = this.ks[t]!;
      const isWorking = t === 0 ? j === 0 : this.kinds[t - 1] === 0 && this.ks[t - 1]! + 1 === j;
      if (!isWorking) lastUse.set(j, t);
      if (this.kinds[t] === 0) {
        close(j + 1);
        prod.set(j + 1, t);
      }
    }
    for (const j of [...lastUse.keys()]) close(j);
    let cur = 0;
    let peak = 0;
    for (let i = 0; i < diff.length; i++) {
      cur += diff[i]!;
      peak = Math.max(peak, cur);
    }
    return Math.max(peak, 1); // x_0 occupies a slot by convention
  }
}

function descending(l: number): number[] {
  return Array.from({ length: l }, (_, i) => l - 1 - i);
}

/** Runs reverseLoop on a hash chain and checks everything a run must satisfy. */
function checkOffline(l: number, s: number, traceSlots = true): void {
  const xs = trajectory(l);
  const rec = new Recorder(xs);
  const stats = reverseLoop(l, s, xs[0]!, rec.hooks);
  const want = optimalForwardSteps(l, s);
  expect(rec.errors.slice(0, 3)).toEqual([]);
  expect(rec.advances).toBe(want);
  expect(stats.forwardSteps).toBe(want);
  expect(stats.reverseSteps).toBe(l);
  expect(rec.reverses).toEqual(descending(l));
  expect(stats.peakSnapshots).toBeLessThanOrEqual(s);
  if (traceSlots) expect(rec.slotsNeeded()).toBeLessThanOrEqual(s);
}

/** The online cost model: the sweep to x_{l−1} plus t(stretch_i, s − i) between kept snapshots. */
function predictedOnline(positions: readonly number[], l: number, s: number): number {
  let c = l - 1;
  for (let i = 0; i < positions.length; i++) {
    const end = i + 1 < positions.length ? positions[i + 1]! : l - 1;
    c += optimalForwardSteps(end - positions[i]!, s - i);
  }
  return c;
}

/** total / optimal, with 0 / 0 = 1 (l = 1 needs no forward step at all). */
const ratio = (total: number, opt: number) => (opt === 0 ? (total === 0 ? 1 : Number.POSITIVE_INFINITY) : total / opt);

/** Documented bound of the online rule beyond β(s, 2) (measured; see online.ts). */
const onlineBound = (s: number) => (s === 2 ? 1.15 : 1.07);

/**
 * Pushes x_0 … x_{l−1} (the sweep is recorded as ADV 0 … l − 2, the user's own steps) and x_l too when
 * `pushFinal`; reverses l steps; checks the run and returns the total forward steps.
 */
function checkOnline(l: number, s: number, pushFinal = false): { total: number; predicted: number } {
  const xs = trajectory(l + 1);
  const rec = new Recorder(xs);
  const cp = new OnlineCheckpointer<number>(s);
  const last = pushFinal ? l : l - 1;
  let predicted = 0;
  for (let k = 0; k <= last; k++) {
    if (k > 0) rec.hooks.advance(xs[k - 1]!, k - 1);
    cp.push(xs[k]!, k);
    expect(cp.storedPositions.length).toBeLessThanOrEqual(s);
  }
  if (!pushFinal) predicted = predictedOnline(cp.storedPositions, l, s);
  const sweep = rec.advances;
  const stats = cp.reverse(l, rec.hooks);
  expect(rec.errors.slice(0, 3)).toEqual([]);
  expect(rec.reverses).toEqual(descending(l));
  expect(stats.reverseSteps).toBe(l);
  expect(stats.forwardSteps).toBe(rec.advances - sweep);
  expect(stats.sweepSteps).toBe(Math.max(0, l - 1));
  expect(stats.peakSnapshots).toBeLessThanOrEqual(s);
  expect(rec.slotsNeeded()).toBeLessThanOrEqual(s);
  const total = stats.sweepSteps + stats.forwardSteps;
  // Pushes plus reverse are one offline schedule within s slots: never below the optimum.
  expect(total).toBeGreaterThanOrEqual(optimalForwardSteps(l, s));
  if (!pushFinal) expect(total).toBe(predicted);
  return { total, predicted };
}

// ---------------------------------------------------------------------------------------------------

describe('beta and the closed form', () => {
  it('beta is the binomial coefficient, exact, and refuses values beyond 2^53', () => {
    expect(beta(0, 0)).toBe(1);
    expect(beta(3, 2)).toBe(10);
    expect(beta(2, 3)).toBe(10);
    expect(beta(20, 6)).toBe(230230);
    expect(beta(25, 25)).toBe(126410606437752);
    expect(() => beta(30, 30)).toThrow(DomainError); // C(60, 30) ≈ 1.2e17 > 2^53
    for (let s = 1; s < 25; s++) for (let r = 1; r < 25; r++) expect(beta(s, r)).toBe(beta(s - 1, r) + beta(s, r - 1));
    expect(() => beta(40, 40)).toThrow(DomainError);
    expect(() => beta(-1, 2)).toThrow(DomainError);
    expect(() => beta(2, 1.5)).toThrow(DomainError);
  });

  it('the nested-split DP equals optimalForwardSteps for l ≤ 40, s ≤ 6 (and s up to 45)', () => {
    const D = nestedDp(40, 45);
    for (let l = 1; l <= 40; l++) {
      for (let s = 1; s <= 45; s++) expect(optimalForwardSteps(l, s), `l=${l} s=${s}`).toBe(D[l]![s]);
    }
  });

  it('an exhaustive search over all checkpointing actions confirms the convention (l ≤ 10, s ≤ 5)', () => {
    const D = nestedDp(10, 5);
    for (let l = 1; l <= 10; l++) {
      for (let s = 1; s <= 5; s++) {
        const e = exhaustiveMinCost(l, s);
        expect(e, `l=${l} s=${s}`).toBe(D[l]![s]);
        expect(e, `l=${l} s=${s}`).toBe(optimalForwardSteps(l, s));
      }
    }
  });

  it('s = 1 gives l(l − 1)/2 and s ≥ l − 1 gives l − 1 (store everything), also as schedules', () => {
    for (let l = 1; l <= 80; l++) {
      expect(optimalForwardSteps(l, 1)).toBe((l * (l - 1)) / 2);
      expect(optimalForwardSteps(l, l)).toBe(l - 1);
      expect(optimalForwardSteps(l, l + 7)).toBe(l - 1);
      if (l >= 2) expect(optimalForwardSteps(l, l - 1)).toBe(l - 1);
    }
    for (const l of [1, 2, 3, 17, 60]) {
      checkOffline(l, 1);
      checkOffline(l, l);
      checkOffline(l, 1000);
    }
    expect(optimalForwardSteps(0, 3)).toBe(0);
    expect(reverseLoop(0, 3, 0, { advance: (x) => x, reverseStep: () => {} })).toEqual({
      forwardSteps: 0,
      reverseSteps: 0,
      peakSnapshots: 0,
    });
  });

  it('matches a few values worked by hand', () => {
    // r = 2 for 4 < l ≤ 10 with s = 3: t = 2l − β(4, 1) = 2l − 5.
    expect(optimalForwardSteps(5, 3)).toBe(5);
    expect(optimalForwardSteps(10, 3)).toBe(15);
    // l = β(s, r) exactly: t = r·β(s, r) − β(s + 1, r − 1).
    expect(optimalForwardSteps(230230, 20)).toBe(6 * 230230 - beta(21, 5));
    expect(optimalForwardSteps(10 ** 6, 20)).toBe(8 * 10 ** 6 - beta(21, 7));
  });

  it('rejects bad arguments with DomainError', () => {
    expect(() => optimalForwardSteps(5, 0)).toThrow(DomainError);
    expect(() => optimalForwardSteps(-1, 2)).toThrow(DomainError);
    expect(() => optimalForwardSteps(2.5, 2)).toThrow(DomainError);
    expect(() => optimalForwardSteps(2 ** 30, 1)).toThrow(DomainError); // l(l − 1)/2 > 2^53
    expect(() => reverseLoop(3, 0, 0, { advance: (x) => x, reverseStep: () => {} })).toThrow(DomainError);
  });
});

describe('reverseLoop', () => {
  const table: [number, number][] = [
    [1, 1],
    [2, 1],
    [10, 2],
    [10, 3],
    [35, 4],
    [100, 5],
    [1000, 10],
    [10000, 20],
    [100000, 20],
  ];
  for (const [l, s] of table) {
    it(`l = ${l}, s = ${s}: optimal count, order, states, slots`, () => checkOffline(l, s));
  }

  it('random l ≤ 300, s ≤ 12 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 12 }), (l, s) => {
        checkOffline(l, s);
      }),
      RUNS,
    );
  });

  it('l = 10^5, s = 20 takes < 1 s with trivial states', () => {
    let x = 0;
    const t0 = performance.now();
    const stats = reverseLoop(100000, 20, 0, {
      advance: (v, k) => v + k,
      reverseStep: (_k, v) => {
        x += v;
      },
    });
    const dt = performance.now() - t0;
    expect(stats.forwardSteps).toBe(optimalForwardSteps(100000, 20));
    expect(x).toBeGreaterThan(0);
    expect(dt).toBeLessThan(1000);
  });

  it('l = 10^6, s = 20: optimal count, order and states without a full record', () => {
    const l = 10 ** 6;
    let expectK = l - 1;
    let bad = 0;
    const stats = reverseLoop(l, 20, 0, {
      advance: (v, k) => {
        if (v !== k) bad++;
        return v + 1;
      },
      reverseStep: (k, v) => {
        if (k !== expectK-- || v !== k) bad++;
      },
    });
    expect(bad).toBe(0);
    expect(expectK).toBe(-1);
    expect(stats.forwardSteps).toBe(optimalForwardSteps(l, 20));
    expect(stats.peakSnapshots).toBeLessThanOrEqual(20);
  });

  it('refuses an advance that returns its input modified in place', () => {
    const hooks = {
      advance: (v: { k: number }) => {
        v.k++;
        return v;
      },
      reverseStep: () => {},
    };
    expect(() => reverseLoop(5, 2, { k: 0 }, hooks)).toThrow(DomainError);
  });

  it('passes object states through untouched (snapshots are the returned objects)', () => {
    const seen: number[] = [];
    reverseLoop(
      30,
      4,
      { k: 0 },
      {
        advance: (v, k) => {
          expect(v.k).toBe(k);
          return { k: k + 1 };
        },
        reverseStep: (k, v) => {
          expect(v.k).toBe(k);
          seen.push(k);
        },
      },
    );
    expect(seen).toEqual(descending(30));
  });
});

describe('snapshotsForBudget', () => {
  it('floors budget / state size and returns 0 when not one state fits', () => {
    expect(snapshotsForBudget(800, 8000)).toBe(10);
    expect(snapshotsForBudget(800, 8799)).toBe(10);
    expect(snapshotsForBudget(800, 799)).toBe(0);
    expect(snapshotsForBudget(800, 0)).toBe(0);
    expect(() => snapshotsForBudget(0, 100)).toThrow(DomainError);
    expect(() => snapshotsForBudget(8, Number.NaN)).toThrow(DomainError);
    expect(() => snapshotsForBudget(8, -1)).toThrow(DomainError);
  });
});

describe('OnlineCheckpointer', () => {
  it('is exactly optimal for every l ≤ β(s, 2) and within the documented bound beyond (cost model, all l)', () => {
    const worst: Record<number, number> = {};
    for (const s of [1, 2, 3, 4, 5, 6, 8, 10, 16, 20, 32, 64]) {
      const L = s <= 10 ? 10000 : 4000;
      const cp = new OnlineCheckpointer<number>(s);
      const b2 = s === 1 ? Number.POSITIVE_INFINITY : beta(s, 2);
      let w = 1;
      for (let k = 0; k < L; k++) {
        cp.push(k, k);
        const pos = cp.storedPositions;
        expect(pos.length).toBeLessThanOrEqual(s);
        const l = k + 1;
        const opt = optimalForwardSteps(l, s);
        const got = predictedOnline(pos, l, s);
        if (l <= b2) expect(got, `s=${s} l=${l}`).toBe(opt);
        else expect(ratio(got, opt), `s=${s} l=${l}`).toBeLessThanOrEqual(onlineBound(s));
        expect(got).toBeGreaterThanOrEqual(opt);
        w = Math.max(w, ratio(got, opt));
      }
      worst[s] = w;
    }
    // s = 1 can only keep x_0, which is the optimum; the largest ratios sit just beyond β(s, 2).
    expect(worst[1]).toBe(1);
    expect(worst[2]).toBeGreaterThan(1.1);
  });

  it('runs that reverse: counts equal the model, order, states and slots are right', () => {
    for (const s of [1, 2, 3, 4, 5, 8, 12, 20]) {
      const b2 = beta(s, 2);
      const ls = [1, 2, 3, s, s + 1, s + 2, b2 - 1, b2, b2 + 1, 2 * b2, 3 * b2 + 7, 1000];
      for (const l of ls) {
        if (l < 1) continue;
        const { total } = checkOnline(l, s);
        const opt = optimalForwardSteps(l, s);
        if (l <= b2 || s === 1) expect(total, `s=${s} l=${l}`).toBe(opt);
        else expect(ratio(total, opt), `s=${s} l=${l}`).toBeLessThanOrEqual(onlineBound(s));
      }
    }
  });

  it('a table of longer loops stays within the bound', () => {
    const rows: [number, number][] = [
      [20000, 2],
      [20000, 5],
      [20000, 10],
      [50000, 20],
      [100000, 20],
    ];
    for (const [l, s] of rows) {
      const { total } = checkOnline(l, s);
      expect(ratio(total, optimalForwardSteps(l, s)), `s=${s} l=${l}`).toBeLessThanOrEqual(onlineBound(s));
    }
  });

  it('random l ≤ 300, s ≤ 12 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 12 }), (l, s) => {
        const { total } = checkOnline(l, s);
        const opt = optimalForwardSteps(l, s);
        expect(ratio(total, opt)).toBeLessThanOrEqual(l <= beta(s, 2) || s === 1 ? 1 : onlineBound(s));
      }),
      RUNS,
    );
  });

  it('pushing the final state too still reverses correctly, within 1 + 1/s of the optimum', () => {
    for (const s of [1, 2, 3, 5, 10]) {
      for (const l of [1, 2, s, s + 1, s + 2, beta(s, 2), beta(s, 2) + 3, 500]) {
        const { total } = checkOnline(l, s, true);
        expect(ratio(total, optimalForwardSteps(l, s)), `s=${s} l=${l}`).toBeLessThanOrEqual(1 + 1 / s);
      }
    }
  });

  it('reverses a shorter prefix than was pushed', () => {
    const xs = trajectory(200);
    const cp = new OnlineCheckpointer<number>(5);
    for (let k = 0; k <= 150; k++) cp.push(xs[k]!, k);
    const rec = new Recorder(xs);
    const stats = cp.reverse(90, rec.hooks);
    expect(rec.errors).toEqual([]);
    expect(rec.reverses).toEqual(descending(90));
    expect(stats.peakSnapshots).toBeLessThanOrEqual(5);
    expect(rec.slotsNeeded()).toBeLessThanOrEqual(5);
  });

  it('rejects pushes out of order, a bad l, and use after reverse', () => {
    const cp = new OnlineCheckpointer<number>(3);
    expect(() => cp.push(1, 1)).toThrow(DomainError); // x_0 first
    cp.push(0, 0);
    cp.push(1, 1);
    expect(() => cp.push(3, 3)).toThrow(DomainError);
    expect(() => cp.reverse(3, { advance: (x) => x + 1, reverseStep: () => {} })).toThrow(DomainError);
    expect(cp.reverse(2, { advance: (x) => x + 1, reverseStep: () => {} }).reverseSteps).toBe(2);
    expect(() => cp.reverse(2, { advance: (x) => x + 1, reverseStep: () => {} })).toThrow(DomainError);
    expect(() => cp.push(2, 2)).toThrow(DomainError);
    expect(() => new OnlineCheckpointer(0)).toThrow(DomainError);
  });
});
