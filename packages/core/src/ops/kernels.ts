/**
 * Value kernels over runs: y[i] = f(a[i*sa], b[i*sb]) with strides 0 (broadcast scalar) or 1.
 * Used by recording and by replay so both compute bit-identical values. The hottest ops get
 * their own loop (a call per element through the spec table is several times slower); every
 * other op goes through its spec's `value`.
 */
import { binarySpec, unarySpec } from './table.js';

export function evalUnaryRun(op: number, y: Float64Array, yo: number, x: Float64Array, xo: number, n: number): void {
  switch (op) {
    case 2 /* neg */:
      for (let i = 0; i < n; i++) y[yo + i] = -x[xo + i]!;
      return;
    case 3 /* square */:
      for (let i = 0; i < n; i++) {
        const v = x[xo + i]!;
        y[yo + i] = v * v;
      }
      return;
    case 6 /* exp */:
      for (let i = 0; i < n; i++) y[yo + i] = Math.exp(x[xo + i]!);
      return;
    default: {
      const f = unarySpec(op).value;
      for (let i = 0; i < n; i++) y[yo + i] = f(x[xo + i]!);
    }
  }
}

export function evalBinaryRun(
  op: number,
  y: Float64Array,
  yo: number,
  a: Float64Array,
  ao: number,
  sa: number,
  b: Float64Array,
  bo: number,
  sb: number,
  n: number,
): void {
  if (sa === 1 && sb === 1) {
    switch (op) {
      case 64 /* add */:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! + b[bo + i]!;
        return;
      case 65 /* sub */:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! - b[bo + i]!;
        return;
      case 66 /* mul */:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! * b[bo + i]!;
        return;
      case 67 /* div */:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! / b[bo + i]!;
        return;
    }
  } else if (sb === 0) {
    const c = b[bo]!;
    switch (op) {
      case 64:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! + c;
        return;
      case 65:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! - c;
        return;
      case 66:
        for (let i = 0; i < n; i++) y[yo + i] = a[ao + i]! * c;
        return;
    }
  } else {
    const c = a[ao]!;
    switch (op) {
      case 64:
        for (let i = 0; i < n; i++) y[yo + i] = c + b[bo + i]!;
        return;
      case 65:
        for (let i = 0; i < n; i++) y[yo + i] = c - b[bo + i]!;
        return;
      case 66:
        for (let i = 0; i < n; i++) y[yo + i] = c * b[bo + i]!;
        return;
    }
  }
  const f = binarySpec(op).value;
  for (let i = 0; i < n; i++) y[yo + i] = f(a[ao + i * sa]!, b[bo + i * sb]!);
}
