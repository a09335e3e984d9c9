import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import {
  multiplySquare,
  symmetricEigen,
  symmetricSqrt,
} from '../src/eval/symmetric-eigen.js';
import { Random } from '../src/util/random.js';

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A random symmetric positive definite n x n matrix, B B^T + 0.1 I. */
function randomSpd(n: number, seed: number): Float64Array {
  const random = new Random(seed);
  const b = Float64Array.from(random.fillNormal(new Float32Array(n * n)));
  const bt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bt[j * n + i] = b[i * n + j];
  const spd = multiplySquare(b, bt, n);
  for (let i = 0; i < n; i++) spd[i * n + i] += 0.1;
  return spd;
}

test('symmetricEigen() finds the eigenvalues 1 and 3 of [[2, 1], [1, 2]]', () => {
  const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
  const sorted = [...values].sort((a, b) => a - b);
  assert.ok(maxDifference(sorted, [1, 3]) < 1e-14, `eigenvalues ${sorted}`);
  // Each column v satisfies A v = lambda v.
  for (let j = 0; j < 2; j++) {
    const v = [vectors[j], vectors[2 + j]];
    const av = [2 * v[0] + v[1], v[0] + 2 * v[1]];
    assert.ok(maxDifference(av, [values[j] * v[0], values[j] * v[1]]) < 1e-14);
  }
});

test('symmetricSqrt() of [[5, 4], [4, 5]] is [[2, 1], [1, 2]]', () => {
  const root = symmetricSqrt(Float64Array.of(5, 4, 4, 5), 2);
  const difference = maxDifference(root, [2, 1, 1, 2]);
  assert.ok(difference < 1e-14, `largest difference ${difference}`);
});

test('symmetricSqrt() of diag(4, 9, 0) is diag(2, 3, 0)', () => {
  const root = symmetricSqrt(Float64Array.of(4, 0, 0, 0, 9, 0, 0, 0, 0), 3);
  assert.deepEqual([...root], [2, 0, 0, 0, 3, 0, 0, 0, 0]);
});

test('symmetricSqrt() squares back to a random 40 x 40 covariance', () => {
  const n = 40;
  const matrix = randomSpd(n, 3);
  const root = symmetricSqrt(matrix, n);
  const difference = maxDifference(multiplySquare(root, root, n), matrix);
  let scale = 0;
  for (const value of matrix) scale = Math.max(scale, Math.abs(value));
  assert.ok(
    difference < 1e-11 * scale,
    `largest difference ${difference} (scale ${scale})`,
  );
});

test('symmetricEigen() keeps the trace and reconstructs the matrix', () => {
  const n = 12;
  const matrix = randomSpd(n, 5);
  const { values, vectors } = symmetricEigen(matrix, n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += matrix[i * n + i];
  assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - trace) < 1e-10 * trace);
  const rebuilt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++)
        rebuilt[i * n + j] += vectors[i * n + k] * values[k] * vectors[j * n + k];
    }
  }
  assert.ok(maxDifference(rebuilt, matrix) < 1e-10 * trace);
});

test('symmetricEigen() refuses a non-finite entry and a wrong size', () => {
  assert.throws(
    () => symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2),
    /expected finite entries, found NaN/,
  );
  assert.throws(() => symmetricEigen(new Float64Array(5), 2), /expected an n x n matrix/);
});
