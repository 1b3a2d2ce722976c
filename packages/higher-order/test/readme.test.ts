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

it('the README example runs: Newton–CG finds the minimum, the Hessian and ∂³f are right', async () => {
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
  expect(out).toMatch(/minimum found at (1\.000000 ){9}1\.000000/);
  expect(out).toMatch(/H = 802,-400,-400,200/);
  expect(out).toMatch(/∂³f: 2400,-400,0,0/);
  expect(out).toMatch(/sparse H: 2998 nonzeros from 2 HVPs \(acyclic\); H00 = 802, H01 = -400/);
});
