/** Runs the README example verbatim and checks what it prints. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../core/test/support/readme-example.js';
import { inv, mat, toMatrix } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const readme = join(here, '..', 'README.md');

it('the README example runs: the logdet gradient is ½(Σ⁻¹ − Σ⁻¹rrᵀΣ⁻¹), the degenerate case raises', async () => {
  const lines = await runReadmeExample(readme, here);
  expect(lines).toHaveLength(4);
  const g = lines[0]!.split('=')[1]!.split(',').map(Number);
  const Si = toMatrix(inv(mat(Float64Array.of(2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 1.5), 3, 3)));
  const r = [0.5, -1, 2];
  const Sir = [0, 1, 2].map((i) => r.reduce((s, rj, j) => s + Si.get(i, j) * rj, 0));
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) expect(g[i * 3 + j]).toBeCloseTo(0.5 * (Si.get(i, j) - Sir[i]! * Sir[j]!), 13);
  // the identity, to rounding (the eigenvalue-3 eigenspace's basis is a generic rotation of the axes)
  const I = lines[2]!.split('=')[1]!.split(',').map(Number);
  I.forEach((v, e) => {
    expect(v).toBeCloseTo(e % 4 === 0 ? 1 : 0, 14);
  });
  expect(lines[3]).toBe('true true 1,2');
});
