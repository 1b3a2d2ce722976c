/**
 * Opcode numbering: one table from opcode to spec, built in this one module.
 *
 * Unary elementwise ops take opcodes 2‥63 in `UNARY_NAMES` order, binary ones 64‥127 in
 * `BINARY_NAMES` order, structural instructions 128 and up. The first names of each list have
 * fixed opcodes that the sweeps' fast paths use as literal `case` labels (so V8 can build a jump
 * table); `test/table.test.ts` checks that these literals match this table.
 */
import { BINARY_NAMES, BINARY_SPECS, UNARY_NAMES, UNARY_SPECS } from './elementwise.js';
import type { BinarySpec, OpSpec, UnarySpec } from './spec.js';

export const OP_INPUT = 1;
export const UNARY_BASE = 2;
export const BINARY_BASE = 64;

// Fixed fast opcodes (literal values used in the sweeps).
export const OP_NEG = 2;
export const OP_SQUARE = 3;
export const OP_RECIPROCAL = 4;
export const OP_SQRT = 5;
export const OP_EXP = 6;
export const OP_LOG = 7;
export const OP_SIN = 8;
export const OP_COS = 9;
export const OP_TANH = 10;
export const OP_ABS = 11;
export const OP_ADD = 64;
export const OP_SUB = 65;
export const OP_MUL = 66;
export const OP_DIV = 67;
export const OP_POW = 68;
export const OP_MIN = 69;
export const OP_MAX = 70;

// Structural instructions (always extension records).
/** A run of independent variables (E_AUX = input index). */
export const OP_INPUT_RUN = 128;
/** A run of constants copied from a Float64Array (values stay in the slots). */
export const OP_CONST_RUN = 129;
/** select(mask, a, b): E_C = mask slot, E_A/E_B = branches; flags A_CONST/B_CONST; E_AUX bit0/1/2 = broadcast a/b/mask. */
export const OP_SELECT = 130;
export const OP_SUM = 131;
export const OP_DOT = 132;
export const OP_PROD = 133;
export const OP_RMAX = 134;
export const OP_RMIN = 135;
/** out[i] = a[idx[i]]: E_A source start, E_B source length, E_AUX index array id. */
export const OP_GATHER = 136;
/** out = zeros(E_LEN); out[idx[i]] += a[i]: E_A source start, E_B source length, E_AUX index array id. */
export const OP_SCATTER_ADD = 137;
/** Concatenation of the operand list E_AUX. */
export const OP_CONCAT = 138;
/** Atomic call E_AUX. */
export const OP_ATOMIC = 139;

/** Broadcast flags in E_AUX of elementwise vector records. */
export const BCAST_A = 1;
export const BCAST_B = 2;
export const BCAST_C = 4;

const table: (OpSpec | undefined)[] = new Array(256).fill(undefined);
const opcodeByName = new Map<string, number>();

UNARY_NAMES.forEach((name, i) => {
  const spec = UNARY_SPECS[name];
  if (!spec) throw new Error(`op table: no unary spec named ${name}`);
  table[UNARY_BASE + i] = spec;
  opcodeByName.set(name, UNARY_BASE + i);
});
BINARY_NAMES.forEach((name, i) => {
  const spec = BINARY_SPECS[name];
  if (!spec) throw new Error(`op table: no binary spec named ${name}`);
  table[BINARY_BASE + i] = spec;
  opcodeByName.set(name, BINARY_BASE + i);
});

/** Spec of an elementwise opcode (flags masked off), or undefined for structural opcodes. */
export const SPECS: readonly (OpSpec | undefined)[] = Object.freeze(table);

export function unarySpec(op: number): UnarySpec {
  return SPECS[op] as UnarySpec;
}
export function binarySpec(op: number): BinarySpec {
  return SPECS[op] as BinarySpec;
}

/** Opcode of an elementwise op by name (throws on an unknown name: a programming error). */
export function opcode(name: string): number {
  const op = opcodeByName.get(name);
  if (op === undefined) throw new Error(`op table: unknown op ${name}`);
  return op;
}

const STRUCT_NAMES: Record<number, string> = {
  [OP_INPUT]: 'input',
  [OP_INPUT_RUN]: 'input',
  [OP_CONST_RUN]: 'constant',
  [OP_SELECT]: 'select',
  [OP_SUM]: 'sum',
  [OP_DOT]: 'dot',
  [OP_PROD]: 'prod',
  [OP_RMAX]: 'max (reduction)',
  [OP_RMIN]: 'min (reduction)',
  [OP_GATHER]: 'gather',
  [OP_SCATTER_ADD]: 'scatterAdd',
  [OP_CONCAT]: 'concat',
  [OP_ATOMIC]: 'atomic',
};

/** Human name of an opcode, for error messages. */
export function opName(op: number): string {
  return SPECS[op]?.name ?? STRUCT_NAMES[op] ?? `op#${op}`;
}
