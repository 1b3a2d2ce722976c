/**
 * Runs the README's example verbatim: the code between the example markers is written to a module
 * next to this test and imported, and what it prints is checked.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { type ActiveVec, add, concat, grad, mul, slice, square, sub, sum, type Value, type Vec } from '../src/index.js';
import { runReadmeExample } from './support/readme-example.js';

const here = dirname(fileURLToPath(import.meta.url));
const readme = join(here, '..', 'README.md');

it('the README example runs and prints what it claims', async () => {
  const lines = await runReadmeExample(readme, here);
  const out = lines.join('\n');
  expect(out).toMatch(/∂f\/∂x0 = -215\.59999999999/);
  expect(out).toMatch(/branch changes: 0/);
  expect(out).toMatch(/softplus'\(0\.5\) = 0\.622459331201854/);
  const err = /max relative error vs finite differences: ([0-9.e+-]+)/.exec(out);
  expect(err).not.toBeNull();
  expect(Number(err![1])).toBeLessThan(1e-8);
});

it('the checkpointing example runs and agrees with the plain tape', async () => {
  // Same code with 200 steps instead of 10^4, so the test stays fast.
  const lines = await runReadmeExample(readme, here, {
    marker: 'checkpoint-example',
    edit: (code) => code.replace('10_000', '200'),
  });
  const m = /∂loss\/∂α = (-?[0-9.e+-]+)/.exec(lines.join('\n'));
  expect(m).not.toBeNull();
  // The same loss on the plain tape (every step recorded).
  const step = (u: Vec, alpha: Value): Vec => {
    const n = u.length;
    return add(u, mul(alpha, sub(add(concat([0, slice(u, 0, n - 1)]), concat([slice(u, 1, n), 0])), mul(2, u))));
  };
  const plain = (v: ActiveVec) => {
    let u: Vec = v.slice(0, 1000);
    for (let k = 0; k < 200; k++) u = step(u, v.at(1000));
    return sum(square(u));
  };
  const v0 = new Float64Array(1001).map((_, i) => (i < 1000 ? Math.sin((Math.PI * (i + 1)) / 1001) : 0.25));
  const want = grad(plain)(v0)[1000]!;
  expect(Math.abs(Number(m![1]) - want) / Math.abs(want)).toBeLessThan(1e-13);
});
