/**
 * The native backend's recycled output arrays: reuse happens, and never
 * while a tensor, a view or user code can still see the array.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import { BufferPool } from '../src/backend/buffer-pool.js';
import { NativeBackend } from '../src/backend/native-backend.js';
import { nativeSkipReason, useBackend } from './helpers/native.js';

const skip = await nativeSkipReason();

/** The backing array of a tensor in the native storage. */
function arrayOf(tensor: tf.Tensor): Float32Array {
  const backend = tf.backend() as NativeBackend;
  return backend.data.get(tensor.dataId).values as Float32Array;
}

describe('BufferPool', () => {
  it('reuses an array once its last tensor is released, up to its capacity', () => {
    const pool = new BufferPool(3 * 4 * 8192);
    const first = pool.take(8192);
    pool.stored(first);
    pool.stored(first.subarray(0, 10));
    pool.released(first);
    assert.notEqual(pool.take(8192), first, 'a view still holds the buffer');
    pool.released(first.subarray(0, 10));
    assert.equal(pool.bytesHeld, 4 * 8192);
    assert.equal(pool.take(8192), first);
    assert.equal(pool.bytesHeld, 0);
    assert.notEqual(pool.take(4096), first, 'only the same size is reused');
  });

  it('never reuses an exposed array, a small one, or past its capacity', () => {
    const pool = new BufferPool(4 * 8192);
    const exposed = pool.take(8192);
    pool.stored(exposed);
    pool.expose(exposed);
    pool.released(exposed);
    assert.equal(pool.bytesHeld, 0);
    const small = pool.take(100);
    pool.stored(small);
    pool.released(small);
    assert.notEqual(pool.take(100), small);
    const a = pool.take(8192);
    const b = pool.take(8192);
    pool.stored(a);
    pool.stored(b);
    pool.released(a);
    pool.released(b);
    assert.equal(pool.bytesHeld, 4 * 8192, 'the second array is over capacity');
  });
});

describe('native backend output reuse', { skip }, () => {
  it('a disposed product output is reused by the next product of its size', async () => {
    await useBackend('native');
    const a = tf.randomUniform([64, 128], -1, 1, 'float32', 1);
    const b = tf.randomUniform([128, 96], -1, 1, 'float32', 2);
    const first = tf.matMul(a, b);
    const array = arrayOf(first);
    first.dispose();
    const second = tf.matMul(a, b);
    assert.equal(arrayOf(second), array);
    tf.dispose([a, b, second]);
  });

  it('a slice viewing a disposed output keeps its values', async () => {
    await useBackend('native');
    const a = tf.randomUniform([64, 128], -1, 1, 'float32', 3);
    const b = tf.randomUniform([128, 96], -1, 1, 'float32', 4);
    const product = tf.matMul(a, b);
    const head = tf.slice(product, [0, 0], [8, 96]);
    const expected = Array.from(tf.clone(head).dataSync());
    assert.equal(arrayOf(head).buffer, arrayOf(product).buffer, 'slice is a view');
    product.dispose();
    const other = tf.matMul(tf.neg(a), b);
    assert.notEqual(arrayOf(other).buffer, arrayOf(head).buffer);
    assert.deepEqual(Array.from(head.dataSync()), expected);
    tf.dispose([a, b, head, other]);
  });

  it('values read by dataSync() stay intact after their tensor is disposed', async () => {
    await useBackend('native');
    const a = tf.randomUniform([64, 128], -1, 1, 'float32', 5);
    const b = tf.randomUniform([128, 96], -1, 1, 'float32', 6);
    const product = tf.matMul(a, b);
    const values = product.dataSync();
    const copy = Float32Array.from(values);
    product.dispose();
    const other = tf.matMul(tf.neg(a), b);
    assert.notEqual(arrayOf(other), values);
    assert.deepEqual(values, copy);
    tf.dispose([a, b, other]);
  });
});
