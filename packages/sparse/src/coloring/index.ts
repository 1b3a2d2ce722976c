export { coloringLowerBound, forestBound } from './bounds.js';
export {
  checkAcyclicColoring,
  checkColumnColoring,
  checkDistance1Coloring,
  checkRowColoring,
  checkStarBicoloring,
  checkStarColoring,
} from './check.js';
export {
  acyclicColoring,
  columnColoring,
  distance1Coloring,
  rowColoring,
  starBicoloring,
  starColoring,
} from './color.js';
export { symmetrizePattern } from './graph.js';
export { orderVertices } from './order.js';
export { proposeStencilColorings, type StencilColoringKind } from './stencil.js';
export {
  type Bicoloring,
  type CheckResult,
  type Coloring,
  type ColoringKind,
  type ColoringOptions,
  ORDERINGS,
  type Ordering,
} from './types.js';
