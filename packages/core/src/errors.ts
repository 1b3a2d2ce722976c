/**
 * Typed errors of Wengert. Every error names the argument, what was expected and what came,
 * so a caller can act on it without reading the stack.
 *
 * Errors carry a brand (`wengertError`) so `isWengertError` works across duplicated package copies,
 * where `instanceof` would not.
 */

/** Describes a runtime value briefly for an error message ("Float64Array(3)", "number NaN", "undefined"). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return `number ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v !== 'object') return typeof v;
  if (v instanceof Float64Array) return `Float64Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Base class of every error Wengert throws on purpose. */
export class WengertError extends Error {
  /** Brand that survives duplicated package copies. */
  readonly wengertError = true;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** True for any error thrown by Wengert (works across package copies). */
export function isWengertError(e: unknown): e is WengertError {
  return typeof e === 'object' && e !== null && (e as { wengertError?: unknown }).wengertError === true;
}

/** An argument has the wrong kind, length or shape. */
export class ShapeError extends WengertError {
  constructor(
    /** The argument at fault, e.g. `"x"` or `"v (tangent)"`. */
    readonly argument: string,
    /** What was expected, e.g. `"Float64Array of length 3"`. */
    readonly expected: string,
    /** What came, e.g. `"Float64Array(2)"`. */
    readonly received: string,
  ) {
    super(`${argument}: expected ${expected}, received ${received}`);
  }
}

/** An argument is outside the domain an operation accepts (non-finite input, negative count …). */
export class DomainError extends WengertError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(`${argument}: expected ${expected}, received ${received}`);
  }
}

/** A sweep met an operation (usually an atomic) that lacks the rule the sweep needs. */
export class MissingRuleError extends WengertError {
  constructor(
    /** Name of the operation, e.g. `"solve2x2"`. */
    readonly op: string,
    /** The missing rule, e.g. `"vjp"`, `"jvp"`, `"second order"`. */
    readonly rule: string,
  ) {
    super(`operation "${op}" has no ${rule} rule, which this computation needs`);
  }
}

/** Active values of two unrelated tapes were combined, or a tape was used that is not recording. */
export class TapeMismatchError extends WengertError {}

/** An active value was used after the tape that recorded it was released (closed). */
export class TapeReleasedError extends TapeMismatchError {
  constructor(readonly argument: string) {
    super(
      `${argument}: expected an active value of a tape that is still recording, received a value whose tape was released ` +
        '(values recorded inside grad/jvp/record must not escape the call)',
    );
  }
}

/** A comparison recorded on a tape goes the other way at the point a recorded function is evaluated at. */
export class BranchChangeError extends WengertError {
  constructor(
    /** Index of the comparison in recording order. */
    readonly comparison: number,
    /** Operator, e.g. `"<"`. */
    readonly operator: string,
    /** Result recorded on the tape. */
    readonly recorded: boolean,
    /** Instruction count when the comparison was made (its position on the tape). */
    readonly position: number,
  ) {
    super(
      `comparison #${comparison} (${operator}, recorded after instruction ${position}) was ${recorded} when recorded ` +
        `and is ${!recorded} at this point: the recorded function does not represent f here; record again`,
    );
  }
}

/** A value or derivative became NaN or ±Infinity while the non-finite check was on. */
export class NonFiniteError extends WengertError {
  constructor(
    /** `"value"`, `"tangent"` or `"adjoint"`. */
    readonly sweep: string,
    /** Op name of the first instruction that produced the non-finite number. */
    readonly op: string,
    /** Instruction index on the tape. */
    readonly position: number,
    /** The non-finite number. */
    readonly value: number,
  ) {
    super(`${sweep} sweep: instruction ${position} (${op}) produced ${String(value)} from finite operands`);
  }
}
