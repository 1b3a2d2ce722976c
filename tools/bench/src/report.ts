/** Plain-text table of suite results (shared by `pnpm bench` and the demo). */
import type { Result, TapeBytes } from './suite.js';

const num = (v: number | undefined): string => (v === undefined ? '–' : v.toPrecision(3));
const bytes = (b: TapeBytes | undefined): string =>
  b === undefined
    ? '–'
    : b.unit === 'of plain'
      ? `${b.value.toExponential(2)} ${b.unit}`
      : `${b.value.toFixed(1)} ${b.unit}`;

function ratioText(r: Result): string {
  return r.memory ? bytes(r.bytes) : `${r.ratio.toFixed(2)}x`;
}
function budgetText(r: Result): string {
  if (r.budget === null) return 'ref';
  return r.memory ? `<= ${r.budget} ${r.bytes!.unit}` : `<= ${r.budget}x`;
}
function statusText(r: Result): string {
  if (!r.correct) return 'WRONG';
  if (r.budget === null) return '';
  return r.pass ? 'pass' : 'FAIL';
}

/** Aligned columns: id, size, ratio, budget, status, ms per call, primal ms, tape bytes, max rel err. */
export function formatTable(results: readonly Result[]): string {
  const header = ['id', 'n', 'ratio', 'budget', 'status', 'ms/call', 'primal ms', 'tape bytes', 'max rel err'];
  const rows = results.map((r) => [
    r.id,
    r.size,
    ratioText(r),
    budgetText(r),
    statusText(r),
    num(r.ms),
    num(r.baselineMs),
    bytes(r.bytes),
    r.error === undefined ? '–' : r.error.toExponential(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
