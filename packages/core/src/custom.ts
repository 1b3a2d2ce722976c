/**
 * Custom rules (JAX's custom_vjp / custom_jvp): a function whose derivative the user supplies.
 * Both are atomics on the tape. A rule written with Wengert's functions works on plain numbers
 * and on active values alike, so it also serves when the derivative is itself differentiated.
 */
import { type AtomicDefinition, callAtomic, type Plain } from './atomic.js';
import { describeValue, ShapeError } from './errors.js';
import * as F from './ops/functions.js';
import { Active, ActiveVec, type Value } from './tape/values.js';

function toPlain(v: unknown, who: string): Plain {
  if (typeof v === 'number') return v;
  if (v instanceof Float64Array && v.length > 0) return v;
  if (v instanceof Active || v instanceof ActiveVec) {
    throw new ShapeError(
      who,
      'a number or Float64Array computed from the arguments only',
      'an active value (a custom function must not close over values being differentiated)',
    );
  }
  throw new ShapeError(who, 'a number or a non-empty Float64Array', describeValue(v));
}

/** Elementwise dot product of two same-shaped values, as a differentiable scalar. */
function inner(a: Value, b: Value): Value {
  if (typeof a === 'number' || a instanceof Active) return F.mul(a, b);
  return F.dot(a as Float64Array, b as Float64Array);
}

function zerosLike(x: Value): Value {
  return typeof x === 'number' || x instanceof Active ? 0 : new Float64Array(x.length);
}

function unit(x: Value, e: number): Value {
  if (typeof x === 'number' || x instanceof Active) return 1;
  const u = new Float64Array(x.length);
  u[e] = 1;
  return u;
}

/**
 * A function with a user-supplied reverse rule. `rule(xs, y, ybar)` returns the cotangents of the
 * arguments (same shapes), given the arguments, the result y and the result's cotangent.
 * Forward mode through it raises MissingRuleError (supply customJvp for that), as in JAX.
 */
export function customVjp(
  f: (...xs: Value[]) => Value,
  rule: (xs: readonly Value[], y: Value, ybar: Value) => readonly Value[],
  name = f.name || 'customVjp',
): (...xs: Value[]) => Value {
  const def: AtomicDefinition<undefined> = {
    name,
    value: (inputs) => ({ outputs: [toPlain(f(...inputs), `${name}: f result`)] }),
    vjp: (inputs, outputs, cot) =>
      rule(inputs, outputs[0]!, cot[0]!).map((g, i) => toPlain(g, `${name}: rule result[${i}]`)),
    vjpGeneric: (_G, inputs, outputs, cot) => rule(inputs, outputs[0]!, cot[0]!),
  };
  return (...xs) => callAtomic(def as AtomicDefinition<unknown>, xs)[0]!;
}

/**
 * A function with a user-supplied forward rule. `rule(xs, y, xdots)` returns the tangent of the
 * result. Reverse mode works too: it transposes the rule by calling it once per input element
 * (fine for the small blocks custom rules usually wrap; use customVjp for wide inputs).
 */
export function customJvp(
  f: (...xs: Value[]) => Value,
  rule: (xs: readonly Value[], y: Value, xdots: readonly Value[]) => Value,
  name = f.name || 'customJvp',
): (...xs: Value[]) => Value {
  const transpose = (inputs: readonly Value[], y: Value, ybar: Value): Value[] =>
    inputs.map((x, i) => {
      const n = typeof x === 'number' || x instanceof Active ? 1 : x.length;
      const parts: Value[] = [];
      for (let e = 0; e < n; e++) {
        const xdots = inputs.map((z, k) => (k === i ? unit(z, e) : zerosLike(z)));
        parts.push(inner(rule(inputs, y, xdots), ybar));
      }
      return n === 1 && (typeof x === 'number' || x instanceof Active) ? parts[0]! : F.concat(parts);
    });
  const def: AtomicDefinition<undefined> = {
    name,
    value: (inputs) => ({ outputs: [toPlain(f(...inputs), `${name}: f result`)] }),
    jvp: (inputs, outputs, tangents) => [toPlain(rule(inputs, outputs[0]!, tangents), `${name}: rule result`)],
    jvpGeneric: (_G, inputs, outputs, tangents) => [rule(inputs, outputs[0]!, tangents)],
    vjp: (inputs, outputs, cot) =>
      transpose(inputs, outputs[0]!, cot[0]!).map((g, i) => toPlain(g, `${name}: transposed rule[${i}]`)),
    vjpGeneric: (_G, inputs, outputs, cot) => transpose(inputs, outputs[0]!, cot[0]!),
  };
  return (...xs) => callAtomic(def as AtomicDefinition<unknown>, xs)[0]!;
}
