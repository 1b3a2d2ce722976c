/** Runs the README example verbatim and checks what it prints. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../core/test/support/readme-example.js';

const here = dirname(fileURLToPath(import.meta.url));
const readme = join(here, '..', 'README.md');

it('the README example runs: Newton on Bratu converges with the sparse Jacobian plan and sparse LU', async () => {
  const lines = await runReadmeExample(readme, here);
  const out = lines.join('\n');
  expect(out).toMatch(/pattern: 7840 nonzeros, 5 colors \(forward mode\)/);
  expect(out).toMatch(/step 0: max\|F\| = 6\.00e\+0/);
  const steps = [...out.matchAll(/step (\d+): max\|F\| = ([0-9.e+-]+)/g)].map((m) => Number(m[2]));
  expect(steps.at(-1)!).toBeLessThan(1e-9);
  expect(steps.length).toBeLessThanOrEqual(6);
  expect(out).toMatch(/reused plan: 5 colors, same fingerprint: true/);
});
