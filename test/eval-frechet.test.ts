import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { frechetDistance, gaussianStats } from '../src/eval/frechet.js';
import { Random } from '../src/util/random.js';

/** count vectors of length dim: x = mean + scale * z, z standard normal. */
function normalFeatures(count: number, dim: number, seed: number, mean = 0, scale = 1) {
  const random = new Random(seed);
  const values = random.fillNormal(new Float32Array(count * dim), mean, scale);
  return gaussianStats(values, count, dim);
}

test('gaussianStats() gives the unbiased covariance of a small set', () => {
  // Points (0, 0), (2, 0), (1, 3): mean (1, 1); unbiased covariance
  // [[1, 0], [0, 3]].
  const stats = gaussianStats(Float32Array.of(0, 0, 2, 0, 1, 3), 3, 2);
  assert.deepEqual([...stats.mean], [1, 1]);
  assert.deepEqual([...stats.covariance], [1, 0, 0, 3]);
});

test('frechetDistance() of one-dimensional Gaussians matches the closed form', () => {
  // (mu1 - mu2)^2 + (s1 - s2)^2 for N(mu1, s1^2) and N(mu2, s2^2).
  const a = {
    count: 2,
    dim: 1,
    mean: Float64Array.of(0),
    covariance: Float64Array.of(4),
  };
  const b = {
    count: 2,
    dim: 1,
    mean: Float64Array.of(3),
    covariance: Float64Array.of(1),
  };
  assert.ok(Math.abs(frechetDistance(a, b) - 10) < 1e-12);
});

test('frechetDistance() of a set with itself is about 0', () => {
  const stats = normalFeatures(2000, 32, 1);
  const distance = frechetDistance(stats, stats);
  assert.ok(distance < 1e-8, `distance ${distance}`);
});

test('frechetDistance() is symmetric', () => {
  const a = normalFeatures(1500, 24, 1);
  const b = normalFeatures(1500, 24, 2, 0.3, 1.5);
  const ab = frechetDistance(a, b);
  const ba = frechetDistance(b, a);
  assert.ok(ab > 1, `distance ${ab}`);
  assert.ok(Math.abs(ab - ba) < 1e-9 * ab, `d(a, b) = ${ab}, d(b, a) = ${ba}`);
});

test('frechetDistance() grows with the shift between two sets', () => {
  const base = normalFeatures(2000, 16, 1);
  const distances = [0, 0.2, 0.5, 1].map((shift) =>
    frechetDistance(base, normalFeatures(2000, 16, 2, shift)),
  );
  for (let i = 1; i < distances.length; i++) {
    assert.ok(distances[i] > distances[i - 1], `distances ${distances.join(', ')}`);
  }
  // A shift of 1 in each of 16 dimensions contributes 16 by itself.
  assert.ok(Math.abs(distances[3] - 16) < 2, `distance ${distances[3]}`);
});

test('gaussianStats() refuses a single vector and a wrong length', () => {
  assert.throws(() => gaussianStats(new Float32Array(4), 1, 4), /at least 2 vectors/);
  assert.throws(
    () => gaussianStats(new Float32Array(7), 2, 4),
    /expected 2 x 4 = 8 values, got 7/,
  );
});

test('frechetDistance() refuses feature lengths that differ', () => {
  assert.throws(
    () => frechetDistance(normalFeatures(10, 3, 1), normalFeatures(10, 4, 1)),
    /expected equal feature lengths, got 3 and 4/,
  );
});
