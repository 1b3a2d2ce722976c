/** Runs the README example verbatim and checks what it prints. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../core/test/support/readme-example.js';

const here = dirname(fileURLToPath(import.meta.url));
const readme = join(here, '..', 'README.md');

it('the README example runs: Newton–CG finds the minimum, the Hessian and ∂³f are right', async () => {
  const lines = await runReadmeExample(readme, here);
  const out = lines.join('\n');
  expect(out).toMatch(/minimum found at (1\.000000 ){9}1\.000000/);
  expect(out).toMatch(/H = 802,-400,-400,200/);
  expect(out).toMatch(/∂³f: 2400,-400,0,0/);
  expect(out).toMatch(/sparse H: 2998 nonzeros from 2 HVPs \(acyclic\); H00 = 802, H01 = -400/);
});
