// Property tests run seeded, so CI is reproducible; PROP_SEED=<n> tries another seed, PROP_SEED=random a fresh one.
import fc from 'fast-check';

if (process.env.PROP_SEED !== 'random') fc.configureGlobal({ seed: Number(process.env.PROP_SEED ?? 0x5eed5) });
