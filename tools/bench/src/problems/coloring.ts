/**
 * Coloring benchmark (issue 3): time of our colorings against ColPack 1.0.10's serial greedy
 * colorings (times from the reference run in packages/sparse/test/fixtures/colpack-reference.json,
 * copied here: the bench does not read test fixtures) on the 2D 5-point Laplacian N = 300 (90 000
 * columns) and random_n2000_k5_seed42, for column (partial distance-2), star and acyclic colorings.
 * 'best' is compared with the sum of ColPack's five orderings; single orderings with ColPack's
 * time for the same ordering.
 */

import { pathToFileURL } from 'node:url';
import {
  acyclicColoring,
  type Coloring,
  type ColoringOptions,
  columnColoring,
  type Ordering,
  type SparsityPattern,
  starColoring,
} from '@wengert/sparse';
// The reference patterns' generators: one definition, in the sparse package's test support.
import { lap2d, randomLcg } from '../../../../packages/sparse/test/support/coloring-support.js';
import { measure, type TimingOptions } from '../harness.js';

export interface ColoringRow {
  readonly name: string;
  readonly ms: number;
  readonly colors: number;
  readonly colpackMs: number;
  readonly colpackColors: number;
}

type Kind = 'column' | 'star' | 'acyclic';
const COLPACK_ORDERINGS = [
  'natural',
  'largest-first',
  'smallest-last',
  'incidence-degree',
  'dynamic-largest-first',
] as const;

/** ColPack 1.0.10 [colors, ms] per ordering (natural, LF, SL, ID, DLF), from the reference JSON. */
const COLPACK: Record<string, Record<Kind, readonly (readonly [number, number])[]>> = {
  lap2d_5pt_N300: {
    column: [
      [7, 4.5],
      [7, 9.3],
      [5, 16.8],
      [6, 16],
      [9, 47.6],
    ],
    star: [
      [5, 25.6],
      [5, 24.1],
      [6, 30.4],
      [6, 38.2],
      [8, 26.1],
    ],
    acyclic: [
      [4, 76.3],
      [4, 77.7],
      [4, 88.5],
      [4, 126.3],
      [6, 69.8],
    ],
  },
  random_n2000_k5_seed42: {
    column: [
      [13, 0.1],
      [11, 0.4],
      [11, 0.9],
      [11, 0.9],
      [11, 0.8],
    ],
    star: [
      [23, 4],
      [23, 4.9],
      [20, 5],
      [21, 4.9],
      [26, 4.4],
    ],
    acyclic: [
      [9, 5.3],
      [10, 6.9],
      [10, 8.1],
      [9, 8.3],
      [11, 6.3],
    ],
  },
};

const COLOR: Record<Kind, (p: SparsityPattern, o: ColoringOptions) => Coloring> = {
  column: columnColoring,
  star: starColoring,
  acyclic: acyclicColoring,
};

/** Timing rows: per pattern and kind, 'best' (default options) then each single ordering (with improve). */
export function coloringBenchmarks(timing: TimingOptions, singles = true, only = ''): ColoringRow[] {
  const patterns: [string, SparsityPattern][] = [
    ['lap2d_5pt_N300', lap2d(300)],
    ['random_n2000_k5_seed42', randomLcg(2000, 5, 42n)],
  ];
  const rows: ColoringRow[] = [];
  for (const [pname, p] of patterns) {
    for (const kind of ['column', 'star', 'acyclic'] as const) {
      const ref = COLPACK[pname]![kind];
      const color = COLOR[kind];
      let result = color(p, {});
      const bestName = `${kind} ${pname} best (${result.ordering})`;
      if (bestName.includes(only)) {
        const best = measure(() => (result = color(p, {})), timing);
        rows.push({
          name: bestName,
          ms: best.ms,
          colors: result.count,
          colpackMs: ref.reduce((a, r) => a + r[1], 0),
          colpackColors: Math.min(...ref.map((r) => r[0])),
        });
      }
      if (!singles) continue;
      COLPACK_ORDERINGS.forEach((ordering: Ordering, q) => {
        if (!`${kind} ${pname} ${ordering}`.includes(only)) return;
        let r1 = color(p, { ordering, improve: false });
        const t = measure(() => (r1 = color(p, { ordering, improve: false })), timing);
        rows.push({
          name: `${kind} ${pname} ${ordering}`,
          ms: t.ms,
          colors: r1.count,
          colpackMs: ref[q]![1],
          colpackColors: ref[q]![0],
        });
      });
    }
  }
  return rows;
}

/**
 * Run directly (`npx tsx --conditions=@wengert/source tools/bench/src/problems/coloring.ts
 * [--quick] [--only SUBSTRING]`): prints ours vs ColPack per row.
 */
function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const o = args.indexOf('--only');
  const only = o >= 0 ? (args[o + 1] ?? '') : '';
  const timing: TimingOptions = quick
    ? { warmupMs: 40, samples: 3, minSampleMs: 10 }
    : { warmupMs: 200, samples: 7, minSampleMs: 30 };
  const rows = coloringBenchmarks(timing, true, only);
  console.log('problem'.padEnd(58), 'ours ms'.padStart(9), 'colors', 'ColPack ms'.padStart(10), 'colors', ' ratio');
  for (const r of rows) {
    console.log(
      r.name.padEnd(58),
      r.ms.toFixed(2).padStart(9),
      String(r.colors).padStart(6),
      r.colpackMs.toFixed(1).padStart(10),
      String(r.colpackColors).padStart(6),
      (r.ms / r.colpackMs).toFixed(2).padStart(6),
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
