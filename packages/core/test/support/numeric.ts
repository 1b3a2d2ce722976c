/**
 * Small numeric helpers shared by the public-API test files (not a test file itself: vitest only
 * picks up `*.test.ts`). They throw plain Errors, so scripts can use them outside vitest too.
 */
/** Largest |a[i]| (0 for an empty array). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Float64Array from numbers. */
export function f64(...xs: number[]): Float64Array {
  return Float64Array.from(xs);
}

/** Throws unless |got − want| ≤ rtol·|want| + atol (NaN never passes unless both are NaN). */
export function expectClose(got: number, want: number, rtol: number, atol: number, what = 'value'): void {
  if (Object.is(got, want)) return;
  const err = Math.abs(got - want);
  const allowed = rtol * Math.abs(want) + atol;
  if (!(err <= allowed)) {
    throw new Error(`${what}: got ${got}, want ${want} (|Δ| = ${err}, allowed ${allowed})`);
  }
}

function sameLength(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, want ${want.length}`);
}

/** Componentwise expectClose over two arrays of equal length. */
export function expectAllClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  what = 'array',
): void {
  sameLength(got, want, what);
  for (let i = 0; i < want.length; i++) expectClose(got[i]!, want[i]!, rtol, atol, `${what}[${i}]`);
}

/** Throws unless the arrays are identical bit for bit (Object.is per entry). */
export function expectBitwise(got: ArrayLike<number>, want: ArrayLike<number>, what = 'array'): void {
  sameLength(got, want, what);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (not bitwise identical)`);
    }
  }
}

/** Scalar or vector result as a Float64Array. */
export function asArray(v: number | Float64Array): Float64Array {
  return typeof v === 'number' ? Float64Array.of(v) : v;
}

/** Deep copy of a test input, for "not mutated" checks. */
export function snapshot<T>(v: T): T {
  if (v instanceof Float64Array) return v.slice() as T;
  if (Array.isArray(v)) return v.map((e) => snapshot(e)) as T;
  return v;
}
