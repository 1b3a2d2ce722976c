import { env } from 'node:process';
import { defineConfig } from 'vitest/config';

// A JSON report for CI is asked for through the environment: `pnpm test --reporter=json` is taken by
// pnpm itself (its own --reporter option), and flags after `pnpm test --` reach vitest behind a `--`
// that it ignores.
const jsonReport = env.WENGERT_TEST_REPORT;

// One vitest run over every package (each has its own vitest.config.ts), so CI gets one summary.
export default defineConfig({
  test: {
    projects: ['packages/*'],
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
