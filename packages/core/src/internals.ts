/**
 * @wengert/core/internals: the tape as data, for Wengert's own sibling packages (higher-order,
 * sparse, compile) that add sweeps over the same instruction stream. Not a stable public API: the
 * encoding may change with core; packages depending on it pin core's version.
 *
 * @packageDocumentation
 */
export { type AtomicCallRecord, callAtomic, readInputs, readOutputs } from './atomic.js';
export {
  type Analysis,
  analyze,
  forEachRead,
  type Member,
  type Operand,
  READER_END,
  type Run,
  type Step,
} from './compile/analyze.js';
export { type AccumulationPlan, planAccumulation, type Use } from './compile/order.js';
export { type CompiledSweeps, compileRecording, isCompilationEnabled } from './compile/program.js';
export { binaryD, unaryD, valueExpr } from './compile/rules.js';
export { describeValue } from './errors.js';
export { argExtreme } from './ops/functions.js';
export type { BinarySpec, OpSpec, UnarySpec } from './ops/spec.js';
export {
  BCAST_A,
  BCAST_B,
  BCAST_C,
  binarySpec,
  OP_ATOMIC,
  OP_CONCAT,
  OP_CONST_RUN,
  OP_DOT,
  OP_GATHER,
  OP_INPUT,
  OP_INPUT_RUN,
  OP_PROD,
  OP_RMAX,
  OP_RMIN,
  OP_SCATTER_ADD,
  OP_SELECT,
  OP_SUM,
  opName,
  SPECS,
  unarySpec,
} from './ops/table.js';
export {
  inputCount,
  isNested,
  jvpFloat,
  laneColumns,
  moveTo,
  moveToWithLanes,
  outputCount,
  outputValues,
  type Recording,
  recordCall,
  vjpFloat,
  writeInputs,
} from './recording.js';
export { forwardSweep } from './sweeps/forward.js';
export { G as genericOps } from './sweeps/generic.js';
export { isDebugNonFinite } from './sweeps/nonfinite.js';
export { type BranchReport, checkBranches, replayExt, replayRange, replayValues } from './sweeps/replay.js';
export { reverseRange, reverseSweep } from './sweeps/reverse.js';
export { replayAndTangent } from './sweeps/value-tangent.js';
export { giveSweepBuffer, takeSweepBuffer } from './tape/pool.js';
export { requireFinite } from './tape/record.js';
export { SLOT_SHIFT } from './tape/slots.js';
export {
  A_CONST,
  B_CONST,
  COL_CHUNK,
  E_A,
  E_AUX,
  E_B,
  E_C,
  E_LEN,
  E_OUT,
  E_PREV,
  EXT,
  type Instr,
  listInstructions,
  Tape,
} from './tape/tape.js';
