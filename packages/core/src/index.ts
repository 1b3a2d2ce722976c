/**
 * @wengert/core — the shared tape of Wengert: recording, replay, forward and reverse sweeps,
 * JAX-style transforms, recorded functions, custom rules, atomics and gradient checks.
 *
 * @packageDocumentation
 */

export { compile, RecordedFunction, type RecordOptions, record } from './adfun.js';
export {
  type AtomicDefinition,
  type AtomicOps,
  type AtomicResult,
  callAtomic,
  defineAtomic,
  type Plain,
} from './atomic.js';
export { type FdEstimate, type FdVectorEstimate, fdJvp, richardsonDerivative } from './check/finite-differences.js';
export {
  type AnyFn,
  type CheckOptions,
  type CheckReport,
  checkAdjoint,
  checkGradient,
  checkJvp,
  checkVjp,
} from './check.js';
export {
  type CheckpointOptions,
  type CheckpointStats,
  checkpointedLoop,
  checkpointedWhile,
  type StepFunction,
} from './checkpoint/loop.js';
export { optimalForwardSteps } from './checkpoint/revolve.js';
export { checkpoint } from './checkpoint/segment.js';
export {
  type CompileOptions,
  type CompileStats,
  isCompilationEnabled,
  setCompilation,
} from './compile/program.js';
export { customJvp, customVjp } from './custom.js';
export {
  BranchChangeError,
  DomainError,
  isWengertError,
  MissingRuleError,
  NonFiniteError,
  ShapeError,
  TapeMismatchError,
  TapeReleasedError,
  WengertError,
} from './errors.js';
export { BINARY_NAMES, BINARY_SPECS, UNARY_NAMES, UNARY_SPECS } from './ops/elementwise.js';
export {
  abs,
  acos,
  acosh,
  add,
  asin,
  asinh,
  atan,
  atan2,
  atanh,
  cbrt,
  ceil,
  clamp,
  concat,
  cos,
  cosh,
  detach,
  div,
  dot,
  eq,
  equal,
  erf,
  erfc,
  exp,
  expm1,
  floor,
  gather,
  ge,
  greater,
  greaterEqual,
  gt,
  hypot,
  le,
  less,
  lessEqual,
  log,
  log1p,
  log2,
  log10,
  logSumExp,
  lt,
  max,
  maxOf,
  min,
  minOf,
  mul,
  ne,
  neg,
  normalCdf,
  normalInv,
  notEqual,
  pow,
  prod,
  reciprocal,
  round,
  scatterAdd,
  select,
  sigmoid,
  sign,
  sin,
  sinh,
  slice,
  softplus,
  sqrt,
  square,
  stack,
  stopGradient,
  sub,
  sum,
  tan,
  tanh,
  trunc,
} from './ops/functions.js';
export type { BinarySpec, DerivativeClass, GenericOps, Interval, OpSpec, UnarySpec } from './ops/spec.js';
export type { DenseMatrix } from './recording.js';
export { isDebugNonFinite, setDebugNonFinite } from './sweeps/nonfinite.js';
export type { BranchReport } from './sweeps/replay.js';
export { setChunkPoolLimit } from './tape/pool.js';
export { nestingDepth } from './tape/record.js';
export type { TapeStats } from './tape/tape.js';
export { Active, ActiveVec, type Real, type Value, type Vec } from './tape/values.js';
export type { TransformOptions } from './traced.js';
export {
  type ActiveMatrix,
  grad,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  type ScalarFn,
  type ScalarGrad,
  type VectorFn,
  type VectorGrad,
  type VectorResult,
  valueAndGrad,
  vjp,
} from './transforms.js';
