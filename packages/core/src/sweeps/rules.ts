/**
 * Values and partial derivatives of elementwise ops, as the sweeps call them.
 *
 * The math lives in the op specs only. The hottest opcodes get their own `case` whose call site
 * always sees the same spec function, so V8 inlines it; every other opcode goes through the spec
 * table. `test/table.test.ts` checks that the literal labels match the table.
 */
import { BINARY_SPECS, UNARY_SPECS } from '../ops/elementwise.js';
import type { BinarySpec, UnarySpec } from '../ops/spec.js';
import { binarySpec, unarySpec } from '../ops/table.js';

const NEG = UNARY_SPECS.neg as UnarySpec;
const SQUARE = UNARY_SPECS.square as UnarySpec;
const RECIP = UNARY_SPECS.reciprocal as UnarySpec;
const SQRT = UNARY_SPECS.sqrt as UnarySpec;
const EXP = UNARY_SPECS.exp as UnarySpec;
const LOG = UNARY_SPECS.log as UnarySpec;
const SIN = UNARY_SPECS.sin as UnarySpec;
const COS = UNARY_SPECS.cos as UnarySpec;
const TANH = UNARY_SPECS.tanh as UnarySpec;
const ABS = UNARY_SPECS.abs as UnarySpec;
const ADD = BINARY_SPECS.add as BinarySpec;
const SUB = BINARY_SPECS.sub as BinarySpec;
const MUL = BINARY_SPECS.mul as BinarySpec;
const DIV = BINARY_SPECS.div as BinarySpec;
const POW = BINARY_SPECS.pow as BinarySpec;
const MIN = BINARY_SPECS.min as BinarySpec;
const MAX = BINARY_SPECS.max as BinarySpec;

/** Scratch for the two partials of a binary op: P[0] = ∂y/∂a, P[1] = ∂y/∂b. */
export const P = new Float64Array(2);

export function unaryValue(op: number, x: number): number {
  switch (op) {
    case 2:
      return NEG.value(x);
    case 3:
      return SQUARE.value(x);
    case 4:
      return RECIP.value(x);
    case 5:
      return SQRT.value(x);
    case 6:
      return EXP.value(x);
    case 7:
      return LOG.value(x);
    case 8:
      return SIN.value(x);
    case 9:
      return COS.value(x);
    case 10:
      return TANH.value(x);
    case 11:
      return ABS.value(x);
    default:
      return unarySpec(op).value(x);
  }
}

export function binaryValue(op: number, a: number, b: number): number {
  switch (op) {
    case 64:
      return ADD.value(a, b);
    case 65:
      return SUB.value(a, b);
    case 66:
      return MUL.value(a, b);
    case 67:
      return DIV.value(a, b);
    case 68:
      return POW.value(a, b);
    case 69:
      return MIN.value(a, b);
    case 70:
      return MAX.value(a, b);
    default:
      return binarySpec(op).value(a, b);
  }
}

/** dy/dx of unary op at x with y = f(x). */
export function unaryPartial(op: number, x: number, y: number): number {
  switch (op) {
    case 2:
      return NEG.d(x, y);
    case 3:
      return SQUARE.d(x, y);
    case 4:
      return RECIP.d(x, y);
    case 5:
      return SQRT.d(x, y);
    case 6:
      return EXP.d(x, y);
    case 7:
      return LOG.d(x, y);
    case 8:
      return SIN.d(x, y);
    case 9:
      return COS.d(x, y);
    case 10:
      return TANH.d(x, y);
    case 11:
      return ABS.d(x, y);
    default:
      return unarySpec(op).d(x, y);
  }
}

/** Sets P[0] = ∂y/∂a, P[1] = ∂y/∂b of binary op at (a, b) with y = f(a, b). */
export function binaryPartials(op: number, a: number, b: number, y: number): void {
  switch (op) {
    case 64:
      P[0] = ADD.da(a, b, y);
      P[1] = ADD.db(a, b, y);
      return;
    case 65:
      P[0] = SUB.da(a, b, y);
      P[1] = SUB.db(a, b, y);
      return;
    case 66:
      P[0] = MUL.da(a, b, y);
      P[1] = MUL.db(a, b, y);
      return;
    case 67:
      P[0] = DIV.da(a, b, y);
      P[1] = DIV.db(a, b, y);
      return;
    case 68:
      P[0] = POW.da(a, b, y);
      P[1] = POW.db(a, b, y);
      return;
    case 69:
      P[0] = MIN.da(a, b, y);
      P[1] = MIN.db(a, b, y);
      return;
    case 70:
      P[0] = MAX.da(a, b, y);
      P[1] = MAX.db(a, b, y);
      return;
    default: {
      const s = binarySpec(op);
      P[0] = s.da(a, b, y);
      P[1] = s.db(a, b, y);
    }
  }
}

/** Only ∂y/∂a (the other operand is a constant: its partial is never formed, so pow's log(a<0) is not touched). */
export function binaryPartialA(op: number, a: number, b: number, y: number): number {
  switch (op) {
    case 64:
      return ADD.da(a, b, y);
    case 65:
      return SUB.da(a, b, y);
    case 66:
      return MUL.da(a, b, y);
    case 67:
      return DIV.da(a, b, y);
    case 68:
      return POW.da(a, b, y);
    default:
      return binarySpec(op).da(a, b, y);
  }
}

/** Only ∂y/∂b. */
export function binaryPartialB(op: number, a: number, b: number, y: number): number {
  switch (op) {
    case 64:
      return ADD.db(a, b, y);
    case 65:
      return SUB.db(a, b, y);
    case 66:
      return MUL.db(a, b, y);
    case 67:
      return DIV.db(a, b, y);
    case 68:
      return POW.db(a, b, y);
    default:
      return binarySpec(op).db(a, b, y);
  }
}
