/**
 * createAdam() against tf.train.adam: the same numbers (bit for bit, on the
 * native backend's fused kernel and on the ops fallback) and the same state
 * layout, so checkpoints move between the two.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import { nativeHasAvx2, setNativeIsa } from '../src/backend/native.js';
import { createAdam } from '../src/train/adam.js';
import { nativeSkipReason, randomValues, useBackend } from './helpers/native.js';

const skip = await nativeSkipReason();

const HYPER = { learningRate: 0.01, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };

function referenceAdam(): tf.Optimizer {
  return tf.train.adam(HYPER.learningRate, HYPER.beta1, HYPER.beta2, HYPER.epsilon);
}

let variableCounter = 0;

/** Variables of a small least-squares problem and its loss. */
function problem(): { variables: tf.Variable[]; loss: () => tf.Scalar } {
  const id = variableCounter++;
  // 1,500 weights: enough for the fused kernel's vector loops and their
  // remainders (1,500 is not a multiple of 8); 3 biases: the remainder only.
  const w = tf.variable(
    tf.tensor2d(randomValues(1500, 1), [500, 3]),
    true,
    `adam_w_${id}`,
  );
  const b = tf.variable(tf.tensor1d(randomValues(3, 2)), true, `adam_b_${id}`);
  const x = tf.tensor2d(randomValues(2500, 3), [5, 500]);
  const y = tf.tensor2d(randomValues(15, 4), [5, 3]);
  const loss = (): tf.Scalar => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y)));
  return { variables: [w, b], loss };
}

/** Values of the variables and the optimizer state after `steps` steps. */
async function train(
  backend: string,
  optimizer: tf.Optimizer,
  steps: number,
): Promise<{ values: Float32Array[]; state: { name: string; values: Float32Array }[] }> {
  await useBackend(backend);
  const { variables, loss } = problem();
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(loss, false, variables);
  }
  const values = variables.map((v) => v.dataSync() as Float32Array);
  const state = (await optimizer.getWeights()).map((w) => ({
    name: w.name.replace(/adam_[wb]_\d+/, '<var>'),
    values: w.tensor.dataSync() as Float32Array,
  }));
  optimizer.dispose();
  tf.dispose(variables);
  return { values, state };
}

function assertBitwiseEqual(
  actual: Float32Array[],
  expected: Float32Array[],
  what: string,
) {
  expected.forEach((e, i) => {
    assert.equal(actual[i].length, e.length, `${what} ${i}: length`);
    e.forEach((value, j) => {
      assert.ok(
        Object.is(actual[i][j], value),
        `${what} ${i}[${j}]: ${actual[i][j]} vs ${value}`,
      );
    });
  });
}

describe('createAdam()', { skip }, () => {
  const runs: { backend: string; isa?: 'avx2' | 'portable' }[] = [{ backend: 'cpu' }];
  if (skip === false) {
    runs.push({ backend: 'native', isa: 'portable' });
    if (nativeHasAvx2()) runs.push({ backend: 'native', isa: 'avx2' });
  }
  for (const { backend, isa } of runs) {
    const label = isa === undefined ? backend : `${backend} (${isa})`;
    it(`createAdam() gives tf.train.adam's numbers bit for bit on ${label}`, async () => {
      if (isa !== undefined) assert.ok(setNativeIsa(isa));
      try {
        // Both on the same backend, so the gradients are the same too.
        const expected = await train(backend, referenceAdam(), 7);
        const actual = await train(backend, createAdam(HYPER), 7);
        assertBitwiseEqual(actual.values, expected.values, 'variable');
        assert.deepEqual(
          actual.state.map((s) => s.name),
          expected.state.map((s) => s.name),
        );
        assertBitwiseEqual(
          actual.state.map((s) => s.values),
          expected.state.map((s) => s.values),
          'state',
        );
      } finally {
        if (isa !== undefined) setNativeIsa(nativeHasAvx2() ? 'avx2' : 'portable');
      }
    });
  }

  it('createAdam() restores state saved by tf.train.adam and continues identically', async () => {
    await tf.setBackend('native');
    const run = async (second: () => tf.Optimizer): Promise<Float32Array[]> => {
      const { variables, loss } = problem();
      const first = referenceAdam();
      for (let i = 0; i < 3; i++) first.minimize(loss, false, variables);
      // A checkpoint round trip: copy the state out, then into a new optimizer.
      const saved = (await first.getWeights()).map((w) => ({
        name: w.name,
        tensor: tf.tensor(w.tensor.dataSync(), w.tensor.shape, w.tensor.dtype),
      }));
      first.dispose();
      const resumed = second();
      await resumed.setWeights(saved);
      assert.equal(resumed.iterations, 3);
      for (let i = 0; i < 4; i++) resumed.minimize(loss, false, variables);
      const values = variables.map((v) => v.dataSync() as Float32Array);
      resumed.dispose();
      tf.dispose([...variables, ...saved.map((s) => s.tensor)]);
      return values;
    };
    const expected = await run(referenceAdam);
    const actual = await run(() => createAdam(HYPER));
    assertBitwiseEqual(actual, expected, 'variable');
  });

  it('createAdam() leaves a tensor shared with a variable untouched', async () => {
    await tf.setBackend('native');
    const initial = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(initial, true, `adam_shared_${variableCounter++}`);
    const optimizer = createAdam(HYPER);
    optimizer.minimize(() => tf.sum(tf.square(v)), false, [v]);
    // The variable moved; the tensor it was created from did not.
    assert.deepEqual(Array.from(initial.dataSync()), [1, 2, 3]);
    assert.notDeepEqual(Array.from(v.dataSync()), [1, 2, 3]);
    optimizer.dispose();
    tf.dispose([initial, v]);
  });

  it('createAdam() rejects a non-finite hyper-parameter', () => {
    assert.throws(
      () => createAdam({ learningRate: NaN }),
      /expected a finite learningRate, got NaN/,
    );
  });
});
