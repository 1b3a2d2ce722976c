/**
 * Special functions of the normal distribution in double precision, hand-written so the tape does
 * not depend on a numerics library and so every digit is accounted for.
 *
 * Sources:
 * - erf / erfc: W. J. Cody, "Rational Chebyshev approximations for the error function",
 *   Math. Comp. 23 (1969) 631–637, as implemented in Cody's CALERF (netlib `specfun`, latest
 *   modification March 19, 1990). The coefficients below are CALERF's double-precision ones;
 *   maximal relative error is about 1e-16 on each interval. Like CALERF we evaluate
 *   exp(-x²) as exp(-xh²)·exp(-(x - xh)(x + xh)) with xh = trunc(16x)/16, so the rounding of x² does
 *   not cost ~x² ulps in the tail.
 * - normalInv: M. J. Wichura, "Algorithm AS 241: The percentage points of the normal
 *   distribution", Applied Statistics 37 (1988) 477–484, routine PPND16 (about 1e-16 relative).
 */

/** 1/√π. */
const INV_SQRT_PI = 0.56418958354775628695;
/** 1/√(2π). */
const INV_SQRT_2PI = 0.398942280401432677939946;

/** Below this |x| erf uses its odd series-like rational form (Cody's first interval). */
const ERF_SMALL = 0.46875;
/** Beyond this, erfc(x) underflows to 0 even as a subnormal (exp(-27.3²) < 2^-1074). */
const ERFC_ZERO = 27.5;

/** Cody's first interval, |x| <= 0.46875: erf(x) = x·P(x²)/Q(x²). */
function erfSmall(x: number): number {
  const t = x * x;
  let num = 1.85777706184603153e-1 * t;
  let den = t;
  num = (num + 3.1611237438705656) * t;
  den = (den + 2.36012909523441209e1) * t;
  num = (num + 1.13864154151050156e2) * t;
  den = (den + 2.44024637934444173e2) * t;
  num = (num + 3.77485237685302021e2) * t;
  den = (den + 1.28261652607737228e3) * t;
  return (x * (num + 3.20937758913846947e3)) / (den + 2.84423683343917062e3);
}

/** Cody's second interval, 0.46875 < y <= 4: exp(y²)·erfc(y) = P(y)/Q(y). */
function erfcxMid(y: number): number {
  let num = 2.15311535474403846e-8 * y;
  let den = y;
  num = (num + 5.64188496988670089e-1) * y;
  den = (den + 1.57449261107098347e1) * y;
  num = (num + 8.88314979438837594) * y;
  den = (den + 1.17693950891312499e2) * y;
  num = (num + 6.61191906371416295e1) * y;
  den = (den + 5.37181101862009858e2) * y;
  num = (num + 2.98635138197400131e2) * y;
  den = (den + 1.62138957456669019e3) * y;
  num = (num + 8.8195222124176909e2) * y;
  den = (den + 3.29079923573345963e3) * y;
  num = (num + 1.71204761263407058e3) * y;
  den = (den + 4.36261909014324716e3) * y;
  num = (num + 2.05107837782607147e3) * y;
  den = (den + 3.43936767414372164e3) * y;
  return (num + 1.23033935479799725e3) / (den + 1.23033935480374942e3);
}

/** Cody's third interval, y > 4: exp(y²)·erfc(y) = (1/√π − z·P(z)/Q(z))/y with z = 1/y². */
function erfcxLarge(y: number): number {
  const z = 1 / (y * y);
  let num = 1.63153871373020978e-2 * z;
  let den = z;
  num = (num + 3.05326634961232344e-1) * z;
  den = (den + 2.56852019228982242) * z;
  num = (num + 3.60344899949804439e-1) * z;
  den = (den + 1.87295284992346047) * z;
  num = (num + 1.25781726111229246e-1) * z;
  den = (den + 5.27905102951428412e-1) * z;
  num = (num + 1.60837851487422766e-2) * z;
  den = (den + 6.05183413124413191e-2) * z;
  const r = (z * (num + 6.58749161529837803e-4)) / (den + 2.33520497626869185e-3);
  return (INV_SQRT_PI - r) / y;
}

/** exp(y²)·erfc(y) for y > 0.46875 (the scaled complementary error function). */
function erfcxPositive(y: number): number {
  return y <= 4 ? erfcxMid(y) : erfcxLarge(y);
}

/** The part of x kept exact when squared: x rounded toward zero to a multiple of 1/16. */
function splitSixteenth(x: number): number {
  return Math.trunc(x * 16) / 16;
}

/**
 * exp(−x²) without the ~x² ulps that rounding x·x would cost: x² = xh² + (x − xh)(x + xh) with xh
 * exact to square (Cody's CALERF trick). Valid for finite x; |x| > 27.5 underflows to 0.
 */
export function expNegSquare(x: number): number {
  const ax = Math.abs(x);
  if (ax >= ERFC_ZERO) return ax === ax ? 0 : NaN;
  const xh = splitSixteenth(ax);
  const del = (ax - xh) * (ax + xh);
  return Math.exp(-xh * xh) * Math.exp(-del);
}

/** exp(−x²/2), accurate to a few ulps for all x (same splitting as {@link expNegSquare}). */
export function expNegHalfSquare(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 40) return ax === ax ? 0 : NaN; // exp(-800) underflows
  const xh = splitSixteenth(ax);
  const del = (ax - xh) * (ax + xh);
  return Math.exp(-0.5 * xh * xh) * Math.exp(-0.5 * del);
}

/** exp(x²/2), accurate to a few ulps until it overflows (|x| > 37.7). */
export function expHalfSquare(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 40) return ax === ax ? Infinity : NaN; // exp(800) overflows
  const xh = splitSixteenth(ax);
  const del = (ax - xh) * (ax + xh);
  return Math.exp(0.5 * xh * xh) * Math.exp(0.5 * del);
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ exp(−t²) dt (Cody 1969, relative error ≈ 1e-16).
 * erf(±∞) = ±1, erf(NaN) = NaN.
 */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL) return erfSmall(x);
  if (y !== y) return NaN;
  // 1 − erfc(y), written as Cody does so the half-way subtraction is exact.
  const c = y >= ERFC_ZERO ? 0 : expNegSquare(y) * erfcxPositive(y);
  const r = 0.5 - c + 0.5;
  return x < 0 ? -r : r;
}

/**
 * The complementary error function erfc(x) = 1 − erf(x), accurate relative to itself in the upper
 * tail (Cody 1969; relative error ≈ 1e-16 until erfc underflows near x = 26.5, subnormal after).
 */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= ERF_SMALL) return 1 - erfSmall(x);
  if (y !== y) return NaN;
  const c = y >= ERFC_ZERO ? 0 : expNegSquare(y) * erfcxPositive(y);
  return x < 0 ? 2 - c : c;
}

/**
 * The standard normal density φ(x) = exp(−x²/2)/√(2π).
 */
export function normalPdf(x: number): number {
  return INV_SQRT_2PI * expNegHalfSquare(x);
}

/**
 * The standard normal distribution function Φ(x) = erfc(−x/√2)/2, accurate relative to itself in
 * the lower tail (down to Φ ≈ 1e-308). Rather than rounding −x/√2 and squaring it inside erfc (which
 * costs ~x² ulps), we compute exp(−x²/2) from the exact x and multiply by the well-conditioned
 * scaled factor exp(z²)·erfc(z), z = |x|/√2.
 */
export function normalCdf(x: number): number {
  const z = x * Math.SQRT1_2;
  const az = Math.abs(z);
  if (az <= ERF_SMALL) return 0.5 + 0.5 * erfSmall(z);
  if (az !== az) return NaN;
  const tail = az >= ERFC_ZERO ? 0 : 0.5 * expNegHalfSquare(x) * erfcxPositive(az);
  return x < 0 ? tail : 1 - tail;
}

/** AS241 central region, |q| <= 0.425 with r = 0.180625 − q². */
function ppndCentral(q: number): number {
  const r = 0.180625 - q * q;
  const num =
    ((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r + 6.7265770927008700853e4) * r +
      4.5921953931549871457e4) *
      r +
      1.3731693765509461125e4) *
      r +
      1.9715909503065514427e3) *
      r +
      1.3314166789178437745e2) *
      r +
    3.387132872796366608;
  const den =
    ((((((5.226495278852854561e3 * r + 2.8729085735721942674e4) * r + 3.930789580009271061e4) * r +
      2.1213794301586595867e4) *
      r +
      5.3941960214247511077e3) *
      r +
      6.871870074920579083e2) *
      r +
      4.2313330701600911252e1) *
      r +
    1;
  return (q * num) / den;
}

/** AS241 intermediate tail, r = sqrt(−log(min(p, 1−p))) <= 5; returns |Φ⁻¹|. */
function ppndNear(r0: number): number {
  const r = r0 - 1.6;
  const num =
    ((((((7.7454501427834140764e-4 * r + 2.27238449892691845833e-2) * r + 2.4178072517745061177e-1) * r +
      1.27045825245236838258) *
      r +
      3.64784832476320460504) *
      r +
      5.7694972214606914055) *
      r +
      4.6303378461565452959) *
      r +
    1.42343711074968357734;
  const den =
    ((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 1.51986665636164571966e-2) * r +
      1.4810397642748007459e-1) *
      r +
      6.8976733498510000455e-1) *
      r +
      1.6763848301838038494) *
      r +
      2.05319162663775882187) *
      r +
    1;
  return num / den;
}

/** AS241 far tail, r > 5; returns |Φ⁻¹|. */
function ppndFar(r0: number): number {
  const r = r0 - 5;
  const num =
    ((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.2426609473880784386e-3) * r +
      2.6532189526576123093e-2) *
      r +
      2.9656057182850489123e-1) *
      r +
      1.7848265399172913358) *
      r +
      5.4637849111641143699) *
      r +
    6.6579046435011037772;
  const den =
    ((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
      7.868691311456132591e-4) *
      r +
      1.48753612908506148525e-2) *
      r +
      1.3692988092273580531e-1) *
      r +
      5.9983220655588793769e-1) *
      r +
    1;
  return num / den;
}

/**
 * The standard normal quantile Φ⁻¹(p) (Wichura's AS241 PPND16, relative error ≈ 1e-16).
 * Φ⁻¹(0) = −∞, Φ⁻¹(1) = +∞, NaN outside [0, 1] and for NaN.
 */
export function normalInv(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5; // exact for p in [0.25, 1] (Sterbenz) and rounded harmlessly below
  if (Math.abs(q) <= 0.425) return ppndCentral(q);
  // For p > 0.5 the tail mass 1 − p is exact (Sterbenz); for p < 0.5 it is p itself.
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const v = r <= 5 ? ppndNear(r) : ppndFar(r);
  return q < 0 ? -v : v;
}
