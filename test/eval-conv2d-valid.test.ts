import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers the gradients of the core ops (sum, mul, ...).
import '@tensorflow/tfjs-layers';

import { initBackend } from '../src/backend/select.js';
import { conv2dValid } from '../src/eval/conv2d-valid.js';
import { Random } from '../src/util/random.js';

before(async () => {
  await initBackend('cpu');
});

function normal(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Random(seed).fillNormal(new Float32Array(size)), shape);
}

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test('conv2dValid() matches tf.conv2d and its gradients on the cpu backend', (t) => {
  const x = normal([3, 9, 8, 4], 1) as tf.Tensor4D;
  const kernel = normal([3, 2, 4, 5], 2) as tf.Tensor4D;
  // A weighted sum makes every output element's gradient different.
  const weights = normal([3, 7, 7, 5], 3);
  const loss =
    (f: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), weights));

  const expected = tf.conv2d(x, kernel, 1, 'valid');
  const actual = conv2dValid(x, kernel);
  assert.deepEqual(actual.shape, [3, 7, 7, 5]);
  const valueDiff = maxDifference(actual, expected);

  const [dxRef, dwRef] = tf.grads(loss((a, b) => tf.conv2d(a, b, 1, 'valid')))([
    x,
    kernel,
  ]);
  const [dx, dw] = tf.grads(loss(conv2dValid))([x, kernel]);
  const dxDiff = maxDifference(dx, dxRef);
  const dwDiff = maxDifference(dw, dwRef);
  const report = `largest differences: value ${valueDiff}, dx ${dxDiff}, dw ${dwDiff}`;
  t.diagnostic(report);
  assert.ok(valueDiff < 1e-5 && dxDiff < 1e-4 && dwDiff < 1e-4, report);
  tf.dispose([x, kernel, weights, expected, actual, dxRef, dwRef, dx, dw]);
});

test('conv2dValid() leaks no tensors through a gradient', () => {
  const x = normal([2, 6, 6, 1], 4) as tf.Tensor4D;
  const kernel = normal([3, 3, 1, 2], 5) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(conv2dValid(a as tf.Tensor4D, b as tf.Tensor4D)),
  )([x, kernel]);
  tf.dispose(grads);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, kernel]);
});
