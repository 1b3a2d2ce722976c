/**
 * Runs the README's example verbatim: the code between the example markers is written to a module
 * next to this test and imported, and what it prints is checked.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
const file = join(here, '.readme-example.generated.ts');

afterAll(() => rmSync(file, { force: true }));

it('the README example runs and prints what it claims', async () => {
  expect(block, 'README has an example block').not.toBeNull();
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
  const out = lines.join('\n');
  expect(out).toMatch(/∂f\/∂x0 = -215\.59999999999/);
  expect(out).toMatch(/branch changes: 0/);
  expect(out).toMatch(/softplus'\(0\.5\) = 0\.622459331201854/);
  const err = /max relative error vs finite differences: ([0-9.e+-]+)/.exec(out);
  expect(err).not.toBeNull();
  expect(Number(err![1])).toBeLessThan(1e-8);
});
