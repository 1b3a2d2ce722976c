import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erf, erfc, normalCdf, normalInv, normalPdf } from '../src/ops/special.js';

interface RefPoint {
  readonly fn: 'erf' | 'erfc' | 'normalCdf' | 'normalPdf' | 'normalInv';
  readonly x: number;
  readonly expected: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/special-functions.json', import.meta.url), 'utf8')) as {
  points: RefPoint[];
};

const FNS = { erf, erfc, normalCdf, normalPdf, normalInv } as const;
const RUNS = { numRuns: 200, seed: 20240611 } as const;

/** |got − want| / |want| (absolute error when want is 0). */
function relErr(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

describe('special functions against mpmath (50 digits)', () => {
  it('the fixture covers every function with ~60 points', () => {
    expect(fixture.points.length).toBeGreaterThanOrEqual(30);
    for (const fn of Object.keys(FNS)) expect(fixture.points.some((p) => p.fn === fn)).toBe(true);
  });

  // Deep tails (values below 1e-100) get 1e-13, everything else 1e-14.
  it.each(fixture.points.map((p) => [p.fn, p.x, p.expected] as const))('%s(%s)', (fn, x, expected) => {
    const want = Number(expected);
    const got = FNS[fn](x);
    const tol = Math.abs(want) < 1e-100 ? 1e-13 : 1e-14;
    expect(relErr(got, want)).toBeLessThanOrEqual(tol);
  });
});

describe('special functions at the edges', () => {
  it('erf and erfc at ±0, ±∞ and NaN', () => {
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(0)).toBe(0);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(30)).toBe(1);
    expect(erfc(0)).toBe(1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erfc(27.5)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(erf(Number.NaN)).toBeNaN();
    expect(erfc(Number.NaN)).toBeNaN();
  });

  it('erfc stays accurate to x = 26.5 (normal doubles) and is tiny but positive just beyond', () => {
    expect(erfc(26.5)).toBeGreaterThan(2e-307);
    expect(erfc(27)).toBeGreaterThan(0); // subnormal
    expect(erfc(27)).toBeLessThan(1e-310);
  });

  it('normalCdf, normalPdf at ±∞ and NaN', () => {
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalPdf(Infinity)).toBe(0);
    expect(normalPdf(-Infinity)).toBe(0);
    expect(normalCdf(Number.NaN)).toBeNaN();
    expect(normalPdf(Number.NaN)).toBeNaN();
  });

  it('normalInv: ±∞ at 0 and 1, NaN outside [0, 1]', () => {
    expect(normalInv(0)).toBe(-Infinity);
    expect(normalInv(1)).toBe(Infinity);
    expect(normalInv(0.5)).toBe(0);
    expect(normalInv(-1e-300)).toBeNaN();
    expect(normalInv(1 + 2 ** -52)).toBeNaN();
    expect(normalInv(Number.NaN)).toBeNaN();
    expect(Number.isFinite(normalInv(Number.MIN_VALUE))).toBe(true);
  });
});

describe('special-function identities (property)', () => {
  it('erf is odd and erf + erfc = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        expect(erf(-x)).toBe(-erf(x));
        expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThanOrEqual(2.3e-16);
      }),
      RUNS,
    );
  });

  it('Φ(x) + Φ(−x) = 1 and Φ agrees with erfc(−x/√2)/2 where that is accurate', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThanOrEqual(2.3e-16);
        // |x| ≤ 8: rounding −x/√2 costs at most ~x² ulps, so 1e-13 relative holds.
        expect(relErr(normalCdf(x), 0.5 * erfc(-x * Math.SQRT1_2))).toBeLessThanOrEqual(1e-13);
      }),
      RUNS,
    );
  });

  it('normalInv inverts normalCdf (lower tail down to 1e-300, relative)', () => {
    fc.assert(
      fc.property(fc.double({ min: -300, max: Math.log10(0.5), noNaN: true }), (e) => {
        const p = 10 ** e;
        // Φ(Φ⁻¹(p)) has condition ~ x² ≈ 1400 at p = 1e-300, hence 1e-12.
        expect(relErr(normalCdf(normalInv(p)), p)).toBeLessThanOrEqual(1e-12);
      }),
      RUNS,
    );
  });

  it('normalInv(normalCdf(x)) = x where Φ(x) resolves x', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 3, noNaN: true }), (x) => {
        expect(Math.abs(normalInv(normalCdf(x)) - x)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(x)));
      }),
      RUNS,
    );
  });

  it('normalInv is odd about 1/2 and monotone', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (p, q) => {
          // 1 − p is exact for p in [0.5, 1] (Sterbenz), and both sides then see the same tail mass.
          expect(relErr(normalInv(1 - p), -normalInv(p))).toBeLessThanOrEqual(1e-15);
          if (p < q) expect(normalInv(p)).toBeLessThanOrEqual(normalInv(q));
        },
      ),
      RUNS,
    );
  });
});
