/**
 * Digits drawn from a saved generator, for evaluation: seeded noise in,
 * images in [0, 1] out. The same seed gives the same noise on every backend,
 * so two epochs of a run are compared on the same latent points.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { IMAGE_PIXELS } from '../data/mnist.js';
import { UserError } from '../util/errors.js';
import { Random } from '../util/random.js';

/** Noise vectors per forward pass. */
const SAMPLE_BATCH = 1000;

/**
 * Runs `generator` ([B, Z] noise -> [B, 784] in [-1, 1], tanh) on `count`
 * standard normal vectors drawn from `Random(seed)`; returns [count * 784]
 * pixels mapped to [0, 1] by (x + 1) / 2.
 */
export function sampleGenerator(
  generator: tfl.LayersModel,
  count: number,
  seed: number,
  source: string,
): Float32Array {
  const inputShape = generator.inputs[0].shape;
  const outputShape = generator.outputs[0].shape;
  const noiseDim = inputShape[1];
  if (
    inputShape.length !== 2 ||
    typeof noiseDim !== 'number' ||
    outputShape[1] !== IMAGE_PIXELS
  ) {
    throw new UserError(
      'EVAL_BAD_GENERATOR',
      `sampling generator "${source}": expected [batch, Z] -> [batch, ${IMAGE_PIXELS}], found [${inputShape.join(', ')}] -> [${outputShape.join(', ')}]`,
    );
  }
  const random = new Random(seed);
  const out = new Float32Array(count * IMAGE_PIXELS);
  for (let start = 0; start < count; start += SAMPLE_BATCH) {
    const rows = Math.min(SAMPLE_BATCH, count - start);
    const noise = random.fillNormal(new Float32Array(rows * noiseDim));
    const images = tf.tidy(() => {
      const z = tf.tensor2d(noise, [rows, noiseDim]);
      const x = generator.predict(z) as tf.Tensor;
      return tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1);
    });
    out.set(images.dataSync(), start * IMAGE_PIXELS);
    images.dispose();
  }
  return out;
}
