/**
 * Runs a README example verbatim, for every package's readme test: the TypeScript block between
 * `<!-- NAME:start -->` and `<!-- NAME:end -->` is written to a module next to the calling test
 * (gitignored `.readme-*.generated.ts`), imported with `console.log` captured, and removed again;
 * the lines it printed come back for the test to check.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';

export interface ReadmeExampleOptions {
  /** Marker name (default `example`). */
  readonly marker?: string;
  /** Edits applied to the code before it runs (e.g. smaller sizes, or an import redirected). */
  readonly edit?: (code: string) => string;
}

/** The example block of `readmePath`, or undefined when the README has none under that marker. */
export function readmeExample(readmePath: string, marker = 'example'): string | undefined {
  const readme = readFileSync(readmePath, 'utf8');
  const re = new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`);
  return re.exec(readme)?.[1];
}

/**
 * Runs the example of `readmePath` as a module written in `testDir`; returns the printed lines.
 * Throws when the README has no such example.
 */
export async function runReadmeExample(
  readmePath: string,
  testDir: string,
  options: ReadmeExampleOptions = {},
): Promise<string[]> {
  const marker = options.marker ?? 'example';
  const code = readmeExample(readmePath, marker);
  if (code === undefined) throw new Error(`${readmePath} has no ${marker} block`);
  const file = join(testDir, `.readme-${marker}.generated.ts`);
  writeFileSync(file, options.edit ? options.edit(code) : code);
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
    rmSync(file, { force: true });
  }
  return lines;
}
