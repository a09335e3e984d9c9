import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../src/backend/select.js';
import { loadDataset } from '../src/data/mnist.js';
import { trainEvaluator } from '../src/eval/train-evaluator.js';

before(async () => {
  await initBackend('wasm');
});

const dataset = loadDataset({ trainLimit: 128, testLimit: 20 });

async function trainedWeights(seed: number): Promise<Float32Array[]> {
  const { model } = await trainEvaluator(dataset, { seed, epochs: 1, batchSize: 64 });
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return weights;
}

test('trainEvaluator() gives the same weights for the same seed', async () => {
  const first = await trainedWeights(5);
  const second = await trainedWeights(5);
  const other = await trainedWeights(6);
  assert.equal(first.length, 8);
  first.forEach((weights, i) => assert.deepEqual(weights, second[i], `weight ${i}`));
  assert.notDeepEqual(first[0], other[0]);
});

test('trainEvaluator() lowers the loss and leaks no tensors', async () => {
  const before = tf.memory().numTensors;
  const { model, epochs } = await trainEvaluator(dataset, { epochs: 2, batchSize: 32 });
  assert.equal(epochs.length, 2);
  assert.ok(epochs[1].loss < epochs[0].loss, `losses ${epochs.map((e) => e.loss)}`);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('trainEvaluator() stops with a one-line error on a non-finite loss', async () => {
  await assert.rejects(trainEvaluator(dataset, { epochs: 1, learningRate: 1e30 }), {
    name: 'UserError',
    message: /expected a finite loss, got NaN at epoch 1 step \d+/,
  });
});
