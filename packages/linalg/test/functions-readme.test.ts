/**
 * Runs the README's matrix-function example verbatim and checks the gradient it prints against the
 * Daleckii–Krein reference with the exact eigenbasis.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../core/test/support/readme-example.js';
import { expectClose, HOUSEHOLDER4, matmulPlain, transposePlain } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const readme = join(here, '..', 'README.md');

it('the README matrix-function example runs and prints the Daleckii–Krein gradient', async () => {
  const lines = await runReadmeExample(readme, here, { marker: 'functions-example' });
  expect(lines).toHaveLength(1);
  const g = lines[0]!.split(',').map(Number);
  // reference: Q (F¹ ∘ Qᵀ sym(W) Q) Qᵀ with eigenvalues (3, 3, 1, 2) in the columns of Q
  const lam = [3, 3, 1, 2];
  const W = Float64Array.from({ length: 16 }, (_, e) => Math.sin(e));
  const Ws = W.map((_, e) => 0.5 * (W[e]! + W[(e % 4) * 4 + Math.floor(e / 4)]!));
  const Q = HOUSEHOLDER4;
  const T = matmulPlain(matmulPlain(transposePlain(Q, 4, 4), Ws, 4, 4, 4), Q, 4, 4, 4);
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) {
      const a = lam[i]!;
      const b = lam[j]!;
      T[i * 4 + j] *= a === b ? Math.exp(a) : (Math.exp(a) - Math.exp(b)) / (a - b);
    }
  expectClose(g, matmulPlain(matmulPlain(Q, T, 4, 4, 4), transposePlain(Q, 4, 4), 4, 4, 4), 1e-10, 'README gradient');
});
