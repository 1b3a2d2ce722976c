/**
 * The seed of a property test: its own fixed default (CI is reproducible), `PROP_SEED=<n>` for another,
 * `PROP_SEED=random` for a fresh one (printed, so a failure can be replayed). Not a test file.
 */
export function propSeed(fallback: number): number {
  const s = process.env.PROP_SEED;
  if (s === undefined) return fallback;
  if (s !== 'random') return Number(s);
  const seed = Math.floor(Math.random() * 2 ** 31);
  console.log(`PROP_SEED=random: seed ${seed}`);
  return seed;
}
