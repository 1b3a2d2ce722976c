import { describe, expect, it } from 'vitest';
import { describeValue, isWengertError, ShapeError, WengertError } from '../src/errors.js';

describe('WengertError', () => {
  it('is an Error whose name is the concrete class name', () => {
    const e = new WengertError('boom');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('boom');
    expect(e.name).toBe('WengertError');
    expect(new ShapeError('x', 'a', 'b').name).toBe('ShapeError');
  });

  it('carries the brand used across package copies', () => {
    expect(new WengertError('m').wengertError).toBe(true);
  });
});

describe('ShapeError', () => {
  it('formats "argument: expected E, received R" and keeps the parts', () => {
    const e = new ShapeError('v (tangent)', 'Float64Array of length 3', 'Float64Array(2)');
    expect(e.message).toBe('v (tangent): expected Float64Array of length 3, received Float64Array(2)');
    expect(e.argument).toBe('v (tangent)');
    expect(e.expected).toBe('Float64Array of length 3');
    expect(e.received).toBe('Float64Array(2)');
    expect(e).toBeInstanceOf(WengertError);
    expect(() => {
      throw e;
    }).toThrow(ShapeError);
  });
});

describe('isWengertError', () => {
  it('accepts Wengert errors, including subclasses', () => {
    expect(isWengertError(new WengertError('m'))).toBe(true);
    expect(isWengertError(new ShapeError('x', 'a', 'b'))).toBe(true);
  });

  it('accepts a branded error from another copy of the package (no instanceof)', () => {
    const foreign = Object.assign(new Error('other copy'), { wengertError: true });
    expect(foreign instanceof WengertError).toBe(false);
    expect(isWengertError(foreign)).toBe(true);
  });

  it('rejects everything else', () => {
    for (const v of [new Error('plain'), new TypeError('t'), null, undefined, 0, 'WengertError', {}]) {
      expect(isWengertError(v)).toBe(false);
    }
    expect(isWengertError({ wengertError: 'true' })).toBe(false);
    expect(isWengertError({ wengertError: 1 })).toBe(false);
  });
});

describe('describeValue', () => {
  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [3, 'number 3'],
    [Number.NaN, 'number NaN'],
    [-Infinity, 'number -Infinity'],
    [() => 1, 'a function'],
    ['s', 'string'],
    [true, 'boolean'],
    [10n, 'bigint'],
    [new Float64Array(3), 'Float64Array(3)'],
    [new Float32Array(0), 'Float32Array(0)'],
    [new Int32Array(5), 'Int32Array(5)'],
    [[1, 2], 'Array(2)'],
    [{ a: 1 }, 'an object'],
    [Object.create(null), 'an object'],
    [new Map(), 'a Map'],
  ])('describes %o as %s', (v, expected) => {
    expect(describeValue(v)).toBe(expected);
  });
});
