import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { IMAGE_PIXELS } from '../src/data/mnist.js';
import { addNoise, gaussianBlur, repeatImage } from '../src/eval/degrade.js';
import { Random } from '../src/util/random.js';

test('gaussianBlur() spreads a centre dot and keeps its mass', () => {
  const image = new Float32Array(IMAGE_PIXELS);
  image[14 * 28 + 14] = 1;
  const blurred = gaussianBlur(image, 1);
  const mass = blurred.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(mass - 1) < 1e-6, `mass ${mass}`);
  assert.ok(blurred[14 * 28 + 14] < 0.2 && blurred[14 * 28 + 15] > 0.05);
  assert.equal(blurred[14 * 28 + 15], blurred[15 * 28 + 14], 'isotropic');
});

test('addNoise() stays in [0, 1] and repeats with the seed', () => {
  const images = new Float32Array(2 * IMAGE_PIXELS).fill(0.5);
  const a = addNoise(images, 0.5, new Random(1));
  const b = addNoise(images, 0.5, new Random(1));
  assert.deepEqual(a, b);
  assert.ok(a.every((v) => v >= 0 && v <= 1));
  assert.ok(a.some((v) => v !== 0.5));
});

test('repeatImage() copies one image and refuses an index out of range', () => {
  const images = Float32Array.from({ length: 2 * IMAGE_PIXELS }, (_, i) => i);
  const repeated = repeatImage(images, 1, 3);
  assert.equal(repeated.length, 3 * IMAGE_PIXELS);
  assert.equal(repeated[2 * IMAGE_PIXELS], IMAGE_PIXELS);
  assert.throws(() => repeatImage(images, 2, 3), /out of range/);
});
