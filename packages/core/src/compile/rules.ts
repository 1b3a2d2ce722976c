/**
 * The interpreter's arithmetic, restated as code templates for the kernel generator. Every formula
 * here mirrors one place of the interpreter exactly (the comments name it), because the compiled
 * sweeps must give bitwise the same numbers:
 * - values: `ops/kernels.ts` (evalUnaryRun, evalBinaryRun);
 * - tangents: `sweeps/forward.ts` (forwardExt, binaryTangent): a zero tangent contributes nothing;
 * - adjoints: `sweeps/reverse.ts` (reverseExt, reverseBinaryRun): which contributions are skipped
 *   when the output adjoint is 0, and which broadcast operands are summed in a scalar first and
 *   added once after the instruction's loop ("final" contributions).
 *
 * Partials of add/sub/mul/neg/square/exp are written out (1, −1, b, a, 2x, y: exactly the specs'
 * formulas; test/compile.test.ts checks them against the specs); every other op calls its spec
 * function, passed to the generated code as a closure argument.
 */
import { OP_SUM } from '../ops/table.js';
import type { Member } from './analyze.js';

/** Names the expressions of one member at one element refer to. */
export interface Names {
  /** Operand values (a; b) and the output value y. */
  readonly A: string;
  readonly B: string;
  readonly y: string;
  /** Output adjoint or tangent-free partial names. */
  readonly g: string;
  /** Per-element partials (formed by `partialDecls`). */
  readonly pa: string;
  readonly pb: string;
}

/** The value of a member (ops/kernels.ts: operators for add/sub/mul/div, neg, square, exp; else the spec). */
export function valueExpr(m: Member, A: string, B: string): string {
  if (m.kind === 'unary') {
    switch (m.op) {
      case 2:
        return `-${A}`;
      case 3:
        return `${A} * ${A}`;
      case 6:
        return `Math.exp(${A})`;
      default:
        return `U${m.op}v(${A})`;
    }
  }
  switch (m.op) {
    case 64:
      return `${A} + ${B}`;
    case 65:
      return `${A} - ${B}`;
    case 66:
      return `${A} * ${B}`;
    case 67:
      return `${A} / ${B}`;
    default:
      return `B${m.op}v(${A}, ${B})`;
  }
}

/** dy/dx of a unary op (rules.ts unaryPartial = the spec's d; neg −1, square 2x, exp y). */
export function unaryD(op: number, x: string, y: string): string {
  switch (op) {
    case 2:
      return '-1';
    case 3:
      return `(2 * ${x})`;
    case 6:
      return y;
    default:
      return `U${op}d(${x}, ${y})`;
  }
}

/** ∂y/∂a or ∂y/∂b of a binary op (the spec's da/db; add 1 1, sub 1 −1, mul b a). */
export function binaryD(op: number, which: 'a' | 'b', A: string, B: string, y: string): string {
  switch (op) {
    case 64:
      return '1';
    case 65:
      return which === 'a' ? '1' : '-1';
    case 66:
      return which === 'a' ? B : A;
    default:
      return `B${op}${which === 'a' ? 'a' : 'b'}(${A}, ${B}, ${y})`;
  }
}

/** Spec functions a member's code calls (closure arguments of the generated function). */
export function specNames(m: Member): string[] {
  if (m.kind === 'sum' || m.kind === 'gather') return [];
  if (m.kind === 'unary') return m.op === 2 || m.op === 3 || m.op === 6 ? [] : [`U${m.op}v`, `U${m.op}d`];
  return m.op >= 64 && m.op <= 66
    ? []
    : m.op === 67
      ? [`B${m.op}a`, `B${m.op}b`]
      : [`B${m.op}v`, `B${m.op}a`, `B${m.op}b`];
}

// ---------------------------------------------------------------------------------------------
// Reverse rules

/** How one operand of a member receives its adjoint contribution in the interpreter. */
export interface OperandRule {
  /**
   * `none`: constant operand; `loop`: added per element to the operand's adjoint (at its own slot
   * for a broadcast operand); `final`: summed in a scalar during the instruction's loop and added
   * once after it.
   */
  readonly mode: 'none' | 'loop' | 'final';
  /** Skipped when the output adjoint is exactly 0. */
  readonly cond: boolean;
  /** The contribution, given the names of g, the operand values and the partials. */
  readonly c: (n: Names) => string;
  /** A final contribution is added negated (sub's broadcast b: `adj[ib] += -s`). */
  readonly finalNeg: boolean;
}

/** Rules of one member: per operand, and which partials the code must form first. */
export interface MemberRule {
  readonly a: OperandRule;
  readonly b: OperandRule;
  /** Partials to form per element: `pa`/`pb` (general binary path) or `d` in pa (unary). */
  readonly needPa: boolean;
  readonly needPb: boolean;
}

const NONE: OperandRule = { mode: 'none', cond: false, c: () => '0', finalNeg: false };

function rule(mode: 'loop' | 'final', cond: boolean, c: (n: Names) => string, finalNeg = false): OperandRule {
  return { mode, cond, c, finalNeg };
}

/**
 * The reverse rule of member m for q adjoint directions (q = 1 has the interpreter's special
 * cases; q > 1 its general loops).
 */
export function reverseRule(m: Member, q: number): MemberRule {
  if (m.kind === 'sum') {
    // reverseExt OP_SUM: q = 1 skips a zero output adjoint; q > 1 adds unconditionally.
    return { a: rule('loop', q === 1, (n) => n.g), b: NONE, needPa: false, needPb: false };
  }
  if (m.kind === 'gather') {
    // reverseExt OP_GATHER: adj[xs + ix[i]] += adj[out + i], zero adjoints included.
    return { a: rule('loop', false, (n) => n.g), b: NONE, needPa: false, needPb: false };
  }
  if (m.kind === 'unary') {
    const aConst = m.a.kind === 'const';
    if (aConst) return { a: NONE, b: NONE, needPa: false, needPb: false };
    if (q === 1) {
      switch (m.op) {
        case 2: // adj[xs + i] -= adj[out + i]  (≡ += −g)
          return { a: rule('loop', false, (n) => `-${n.g}`), b: NONE, needPa: false, needPb: false };
        case 3: // g * SQUARE.d(x, y)
          return { a: rule('loop', true, (n) => `${n.g} * (2 * ${n.A})`), b: NONE, needPa: false, needPb: false };
        case 6: // g * EXP.d(x, y)
          return { a: rule('loop', true, (n) => `${n.g} * ${n.y}`), b: NONE, needPa: false, needPb: false };
      }
    }
    return { a: rule('loop', true, (n) => `${n.pa} * ${n.g}`), b: NONE, needPa: true, needPb: false };
  }
  const aC = m.a.kind === 'const';
  const bC = m.b!.kind === 'const';
  const sa = m.a.stride;
  const sb = m.b!.stride;
  const op = m.op;
  const addSubMul = op === 64 || op === 65 || op === 66;
  if (q === 1 && addSubMul) {
    // reverseBinaryRun, q = 1 special cases, in its order.
    if (sa === 1 && sb === 1 && !aC && !bC) {
      if (op === 64)
        return ab(
          rule('loop', false, (n) => n.g),
          rule('loop', false, (n) => n.g),
        );
      if (op === 65)
        return ab(
          rule('loop', false, (n) => n.g),
          rule('loop', false, (n) => `-${n.g}`),
        );
      return ab(
        rule('loop', true, (n) => `${n.g} * ${n.B}`),
        rule('loop', true, (n) => `${n.g} * ${n.A}`),
      );
    }
    if (sa === 1 && sb === 0 && !aC) {
      if (op === 64 || op === 65) {
        return ab(
          rule('loop', false, (n) => n.g),
          bC ? NONE : rule('final', false, (n) => n.g, op === 65),
        );
      }
      return ab(
        rule('loop', true, (n) => `${n.g} * ${n.B}`),
        bC ? NONE : rule('final', true, (n) => `${n.g} * ${n.A}`),
      );
    }
    if (sa === 0 && sb === 1 && !bC) {
      if (op === 64 || op === 65) {
        const cb = op === 64 ? (n: Names) => n.g : (n: Names) => `-${n.g}`;
        return ab(aC ? NONE : rule('final', false, (n) => n.g), rule('loop', false, cb));
      }
      return ab(
        aC ? NONE : rule('final', true, (n) => `${n.g} * ${n.B}`),
        rule('loop', true, (n) => `${n.g} * ${n.A}`),
      );
    }
    if (op === 66 && sa === 0 && !aC && sb === 1 && bC) {
      return ab(
        rule('final', true, (n) => `${n.g} * ${n.B}`),
        NONE,
      );
    }
    if (op === 66 && sb === 0 && !bC && sa === 1 && aC) {
      return ab(
        NONE,
        rule('final', true, (n) => `${n.g} * ${n.A}`),
      );
    }
    // Any other mix: da = mul ? b : 1, db = mul ? a : sub ? −1 : 1; zero adjoints skipped.
    const ca = op === 66 ? (n: Names) => `${n.g} * ${n.B}` : (n: Names) => n.g;
    const cb = op === 66 ? (n: Names) => `${n.g} * ${n.A}` : op === 65 ? (n: Names) => `-${n.g}` : (n: Names) => n.g;
    return ab(
      aC ? NONE : rule(sa === 1 ? 'loop' : 'final', true, ca),
      bC ? NONE : rule(sb === 1 ? 'loop' : 'final', true, cb),
    );
  }
  // General path: partials from the specs (only the active operand's when the other is constant).
  return {
    a: aC ? NONE : rule('loop', true, (n) => `${n.pa} * ${n.g}`),
    b: bC ? NONE : rule('loop', true, (n) => `${n.pb} * ${n.g}`),
    needPa: !aC,
    needPb: !bC,
  };
}

function ab(a: OperandRule, b: OperandRule): MemberRule {
  return { a, b, needPa: false, needPb: false };
}

export function isSum(m: Member): boolean {
  return m.op === OP_SUM;
}
