/** Runs the README example verbatim and checks what it prints. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it, vi } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
const file = join(here, '.readme-example.generated.ts');
afterAll(() => rmSync(file, { force: true }));

it('the README example runs: Newton on Bratu converges with the sparse Jacobian plan and sparse LU', async () => {
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
  const out = lines.join('\n');
  expect(out).toMatch(/pattern: 7840 nonzeros, 5 colors \(forward mode\)/);
  expect(out).toMatch(/step 0: max\|F\| = 6\.00e\+0/);
  const steps = [...out.matchAll(/step (\d+): max\|F\| = ([0-9.e+-]+)/g)].map((m) => Number(m[2]));
  expect(steps.at(-1)!).toBeLessThan(1e-9);
  expect(steps.length).toBeLessThanOrEqual(6);
  expect(out).toMatch(/reused plan: 5 colors, same fingerprint: true/);
});
