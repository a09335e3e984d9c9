import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../src/backend/select.js';
import { toFloatPixels } from '../src/data/batches.js';
import {
  CLASSIFIER_DEFAULTS,
  evaluateClassifier,
  splitValidation,
  trainClassifier,
} from '../src/train/classifier.js';
import { syntheticDigits } from './helpers/dataset.js';

function labelled(count: number, seed: number) {
  const { images, labels } = syntheticDigits(count, seed);
  return { pixels: toFloatPixels(images), labels, count };
}

describe('trainClassifier()', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('trainClassifier() learns a small synthetic set', () => {
    const config = {
      ...CLASSIFIER_DEFAULTS,
      epochs: 3,
      batchSize: 32,
      validationSplit: 0.2,
    };
    const before = evaluateClassifier(
      trainClassifier(labelled(40, 1), 10, { ...config, epochs: 0 }).model,
      labelled(100, 2),
      10,
    );
    const { model, history } = trainClassifier(labelled(300, 1), 10, config);
    const after = evaluateClassifier(model, labelled(100, 2), 10);
    assert.equal(history.length, 3);
    assert.ok(
      history[2].loss < history[0].loss,
      `loss did not fall: ${JSON.stringify(history)}`,
    );
    assert.ok(history[2].valAccuracy !== null && history[2].valAccuracy > 0.9);
    assert.ok(before.accuracy < 0.5, `untrained accuracy ${before.accuracy}`);
    assert.ok(after.accuracy > 0.95, `trained accuracy ${after.accuracy}`);
  });

  it('trainClassifier() repeats exactly with the same seed', () => {
    const config = { ...CLASSIFIER_DEFAULTS, epochs: 1, batchSize: 50 };
    const a = trainClassifier(labelled(200, 1), 10, config);
    const b = trainClassifier(labelled(200, 1), 10, config);
    const c = trainClassifier(labelled(200, 1), 10, { ...config, seed: 7 });
    const weights = (m: typeof a.model) =>
      m.getWeights().flatMap((w) => [...w.dataSync()]);
    assert.deepEqual(weights(a.model), weights(b.model));
    assert.notDeepEqual(weights(a.model), weights(c.model));
    assert.equal(a.history[0].loss, b.history[0].loss);
  });

  it('trainClassifier() leaks no tensors across epochs', () => {
    const start = tf.memory().numTensors;
    const { model } = trainClassifier(labelled(100, 1), 10, {
      ...CLASSIFIER_DEFAULTS,
      epochs: 2,
      batchSize: 25,
    });
    // Only the model's own six weight tensors remain.
    assert.equal(tf.memory().numTensors - start, model.getWeights().length);
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('splitValidation() holds out the end of the set', () => {
    const data = labelled(10, 1);
    const { train, validation } = splitValidation(data, 0.3);
    assert.equal(train.count, 7);
    assert.equal(validation?.count, 3);
    assert.deepEqual([...(validation?.labels ?? [])], [...data.labels.subarray(7)]);
  });
});
