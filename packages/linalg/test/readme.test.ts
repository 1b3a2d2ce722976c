/** Runs the README example verbatim and checks what it prints. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';
import { inv, mat, toMatrix } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
const file = join(here, '.readme-example.generated.ts');
afterAll(() => rmSync(file, { force: true }));

it('the README example runs: the logdet gradient is ½(Σ⁻¹ − Σ⁻¹rrᵀΣ⁻¹), the degenerate case raises', async () => {
  expect(block).not.toBeNull();
  writeFileSync(file, block![1]!);
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
  }
  expect(lines).toHaveLength(4);
  const g = lines[0]!.split('=')[1]!.split(',').map(Number);
  const Si = toMatrix(inv(mat(Float64Array.of(2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 1.5), 3, 3)));
  const r = [0.5, -1, 2];
  const Sir = [0, 1, 2].map((i) => r.reduce((s, rj, j) => s + Si.get(i, j) * rj, 0));
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) expect(g[i * 3 + j]).toBeCloseTo(0.5 * (Si.get(i, j) - Sir[i]! * Sir[j]!), 13);
  expect(lines[2]).toBe('∂Σλ/∂A = 1,0,0,0,1,0,0,0,1');
  expect(lines[3]).toBe('true true 1,2');
});
