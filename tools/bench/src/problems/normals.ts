/**
 * The fixed standard normals of the Asian-option benchmark (BENCHMARKS.md §a.2), regenerated so the
 * benchmark needs no data file: a splitmix64 stream turned into normals by Box–Muller in pairs.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const MIX1 = 0xbf58476d1ce4e5b9n;
const MIX2 = 0x94d049bb133111ebn;

/** Seed of the benchmark's stream. */
export const ASIAN_SEED = 20240601n;

/**
 * `count` standard normals (count even) from splitmix64 seeded with `seed`, Box–Muller in pairs:
 * `u1 = 1 − u_a, u2 = u_b, r = sqrt(−2 ln u1)`, then `r cos(2π u2)`, `r sin(2π u2)`.
 * Agrees with the C++ generator's file to about 1e-15 (libm log/cos/sin may differ by an ulp).
 */
export function splitmixNormals(count: number, seed: bigint = ASIAN_SEED): Float64Array {
  let z = seed & MASK64;
  // BigInt keeps the 64-bit arithmetic exact; 640 000 draws take a fraction of a second, once.
  const uniform = (): number => {
    z = (z + GOLDEN) & MASK64;
    let w = z;
    w = ((w ^ (w >> 30n)) * MIX1) & MASK64;
    w = ((w ^ (w >> 27n)) * MIX2) & MASK64;
    w ^= w >> 31n;
    return Number(w >> 11n) * 2 ** -53;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
