import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { classCoverage } from '../src/eval/class-coverage.js';
import { confidentShare } from '../src/eval/confidence.js';
import { inceptionScore } from '../src/eval/inception-score.js';

/** count rows of probability `peak` on class(i), the rest spread evenly. */
function predictions(count: number, peak: number, classOf: (i: number) => number) {
  const classes = 10;
  const p = new Float32Array(count * classes).fill((1 - peak) / (classes - 1));
  for (let i = 0; i < count; i++) p[i * classes + classOf(i)] = peak;
  return p;
}

test('inceptionScore() of a single-class set is 1', () => {
  const score = inceptionScore(
    predictions(1000, 0.999, () => 3),
    1000,
    10,
  );
  assert.ok(Math.abs(score.mean - 1) < 1e-6, `score ${score.mean}`);
  assert.equal(score.splits, 10);
});

test('inceptionScore() of confident, evenly spread predictions is near 10', () => {
  const score = inceptionScore(
    predictions(1000, 1, (i) => i % 10),
    1000,
    10,
  );
  assert.ok(Math.abs(score.mean - 10) < 1e-4, `score ${score.mean}`);
  assert.ok(score.std < 1e-4);
});

test('inceptionScore() of uniform predictions is 1', () => {
  const score = inceptionScore(
    predictions(200, 0.1, (i) => i % 10),
    200,
    10,
  );
  assert.ok(Math.abs(score.mean - 1) < 1e-5, `score ${score.mean}`);
});

test('inceptionScore() uses fewer splits than images when it must', () => {
  const score = inceptionScore(
    predictions(4, 1, (i) => i),
    4,
    10,
  );
  assert.equal(score.splits, 4);
  assert.ok(Math.abs(score.mean - 1) < 1e-6, 'one image per split scores 1');
});

test('classCoverage() of a single-class set has entropy 0', () => {
  const coverage = classCoverage(
    predictions(50, 0.9, () => 7),
    50,
    10,
  );
  assert.equal(coverage.entropyBits, 0);
  assert.equal(coverage.maxClass, 7);
  assert.equal(coverage.maxShare, 1);
  assert.equal(coverage.minShare, 0);
  assert.equal(coverage.counts[7], 50);
});

test('classCoverage() of an even set has entropy log2(10)', () => {
  const coverage = classCoverage(
    predictions(100, 0.9, (i) => i % 10),
    100,
    10,
  );
  assert.ok(Math.abs(coverage.entropyBits - Math.log2(10)) < 1e-12);
  assert.equal(coverage.maxShare, 0.1);
  assert.equal(coverage.minShare, 0.1);
});

test('confidentShare() counts rows above the threshold only', () => {
  const p = predictions(4, 0.95, () => 0);
  // Lower the peak of two rows to 0.9 exactly and 0.5.
  p.set(
    predictions(1, 0.9, () => 0),
    10,
  );
  p.set(
    predictions(1, 0.5, () => 0),
    20,
  );
  assert.equal(confidentShare(p, 4, 10, 0.9), 0.5);
});

test('classCoverage() refuses a wrong number of probabilities', () => {
  assert.throws(
    () => classCoverage(new Float32Array(15), 2, 10),
    /expected 2 x 10 probabilities/,
  );
});
