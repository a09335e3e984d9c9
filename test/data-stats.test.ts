import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { pickExamplesPerClass } from '../src/data/examples.js';
import type { DigitSet } from '../src/data/mnist.js';
import { binLevels, meanImage, splitStats } from '../src/data/stats.js';

const PIXELS = 28 * 28;

/** `count` images; image n has every pixel equal to (n * 53) % 256, label n % 3. */
function syntheticSet(count: number): DigitSet {
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    images.fill((n * 53) % 256, n * PIXELS, (n + 1) * PIXELS);
    labels[n] = n % 3;
  }
  return { images, labels, count };
}

test('splitStats() matches a direct computation of mean, std and blank share', () => {
  const set = syntheticSet(7);
  const stats = splitStats(set, 3);
  const values = Array.from(set.images, (v) => v / 255);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  assert.ok(
    Math.abs(stats.pixelMean - mean) < 1e-12,
    `mean ${stats.pixelMean} vs ${mean}`,
  );
  assert.ok(Math.abs(stats.pixelStd - std) < 1e-9, `std ${stats.pixelStd} vs ${std}`);
  assert.equal(stats.zeroShare, 1 / 7, 'only image 0 is blank');
  assert.deepEqual(stats.classCounts, [3, 2, 2]);
  assert.deepEqual(stats.classShares, [3 / 7, 2 / 7, 2 / 7]);
  assert.equal(stats.levelCounts.length, 256);
  assert.equal(stats.levelCounts[53], PIXELS);
});

test('splitStats() of an empty split is all zeros, not NaN', () => {
  const stats = splitStats(
    { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
    2,
  );
  assert.deepEqual([stats.pixelMean, stats.pixelStd, stats.zeroShare], [0, 0, 0]);
  assert.deepEqual(stats.classShares, [0, 0]);
});

test('meanImage() averages the images of one class in [0, 1]', () => {
  const set = syntheticSet(6); // class 1: images 1 and 4, levels 53 and 212
  const mean = meanImage(set, 1);
  assert.ok(Math.abs(mean[100] - (53 + 212) / 2 / 255) < 1e-6);
  assert.equal(meanImage(set, 7)[0], 0, 'no image of class 7');
});

test('binLevels() sums gray levels into equal bins and rejects uneven bins', () => {
  const levels = Array.from({ length: 256 }, (_, i) => i);
  const { edges, counts } = binLevels(levels, 4);
  assert.deepEqual(edges, [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(counts[0], (63 * 64) / 2);
  assert.equal(
    counts.reduce((s, c) => s + c, 0),
    (255 * 256) / 2,
  );
  assert.throws(() => binLevels(levels, 3), /expected a divisor of 256, got 3/);
});

test('pickExamplesPerClass() is fixed by the seed and picks only the right class', () => {
  const set = syntheticSet(300);
  const a = pickExamplesPerClass(set, 3, 5, 42);
  const b = pickExamplesPerClass(set, 3, 5, 42);
  const c = pickExamplesPerClass(set, 3, 5, 43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  a.forEach((indices, label) => {
    assert.equal(indices.length, 5);
    assert.equal(new Set(indices).size, 5, 'no index twice');
    for (const n of indices) assert.equal(set.labels[n], label);
  });
});

test('pickExamplesPerClass() gives a small class all it has', () => {
  const set = syntheticSet(4); // class 0: images 0 and 3
  assert.deepEqual(pickExamplesPerClass(set, 4, 10, 1), [[0, 3], [1], [2], []]);
});
