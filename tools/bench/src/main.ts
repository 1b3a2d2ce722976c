// Placeholder benchmark runner. Usage: `pnpm bench [--json FILE]` (FILE gets the results as JSON).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { json: { type: 'string' } } });

const results: unknown[] = [];
console.log('no benchmarks yet');
if (values.json !== undefined) {
  writeFileSync(values.json, `${JSON.stringify({ results }, null, 2)}\n`);
  console.log(`wrote ${values.json}`);
}
