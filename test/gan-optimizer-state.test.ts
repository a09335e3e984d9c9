import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../src/backend/select.js';
import {
  captureOptimizerState,
  restoreOptimizerState,
} from '../src/train/optimizer-state.js';

/** An optimizer keeping its beta products as plain numbers, as a fused Adam may. */
function sgdWithProducts(accBeta1: number, accBeta2: number): tf.Optimizer {
  return Object.assign(tf.train.sgd(0.1), { accBeta1, accBeta2 });
}

describe('optimizer state', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('restoreOptimizerState() brings back beta products kept as plain numbers', async () => {
    const source = sgdWithProducts(0.5 ** 7, Math.fround(0.999 ** 7));
    const chunks: Uint8Array[] = [];
    const { state } = await captureOptimizerState(source, chunks, 0);
    assert.deepEqual(state.products, {
      accBeta1: 0.5 ** 7,
      accBeta2: Math.fround(0.999 ** 7),
    });

    const target = sgdWithProducts(0.5, 0.999);
    await restoreOptimizerState(
      target,
      state,
      new Uint8Array(Buffer.concat(chunks)),
      'test',
    );
    const fields = target as unknown as Record<string, number>;
    assert.equal(fields.accBeta1, 0.5 ** 7);
    assert.equal(fields.accBeta2, Math.fround(0.999 ** 7));
  });

  it('restoreOptimizerState() refuses products the optimizer has no field for', async () => {
    const chunks: Uint8Array[] = [];
    const { state } = await captureOptimizerState(
      sgdWithProducts(0.25, 0.998),
      chunks,
      0,
    );
    await assert.rejects(
      restoreOptimizerState(
        tf.train.sgd(0.1),
        state,
        new Uint8Array(Buffer.concat(chunks)),
        'test',
      ),
      /^Error: test: the saved state has "accBeta1" but this optimizer has no such field$/,
    );
  });
});
