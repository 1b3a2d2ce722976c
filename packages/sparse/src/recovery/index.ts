export {
  type PreparedRecovery,
  prepareAcyclicRecovery,
  prepareBicoloredRecovery,
  prepareColumnRecovery,
  prepareRowRecovery,
  prepareStarRecovery,
  recoverAcyclic,
  recoverBicolored,
  recoverColumnCompressed,
  recoverRowCompressed,
  recoverStar,
} from './recover.js';
