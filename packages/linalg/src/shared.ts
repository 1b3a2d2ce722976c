/**
 * One decomposition per active matrix. `eigh` and `eigvalsh` (`svd` and `svdvals`) of the same active
 * matrix — the same active vector object, with the same options — share one atomic call on the tape, so its
 * reverse rule sees the whole loss: the value cotangent and the vector cotangent together. Split across two
 * atomics, a loss such as tr(V diag(λ) Vᵀ W) with λ from `eigvalsh` and V from `eigh` would reach each rule
 * with half of its cotangents, and the degeneracy checks could not see it. (It is also one decomposition
 * fewer.) Plain inputs are not shared: a Float64Array may change between calls.
 */
import { ActiveVec, type AtomicDefinition, callAtomic, type Value, type Vec } from '@wengert/core';

const calls = new WeakMap<object, Map<AtomicDefinition<never>, Value[]>>();

/** callAtomic(def, [data]), once per active data object and definition. */
export function sharedCall<S>(def: AtomicDefinition<S>, data: Vec): Value[] {
  if (!(data instanceof ActiveVec)) return callAtomic(def, [data]);
  let byDef = calls.get(data);
  if (byDef === undefined) {
    byDef = new Map();
    calls.set(data, byDef);
  }
  const key = def as unknown as AtomicDefinition<never>;
  let out = byDef.get(key);
  if (out === undefined) {
    out = callAtomic(def, [data]);
    byDef.set(key, out);
  }
  return out;
}
