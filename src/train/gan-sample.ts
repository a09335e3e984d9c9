/**
 * Drawing digits from a trained GAN run: pick a checkpoint, load its
 * generator, generate from seeded noise, and walk the latent space between
 * two noise vectors.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../data/mnist.js';
import type { IdxArray } from '../data/idx.js';
import { NOISE_DIM } from '../models/gan.js';
import { loadModel } from '../models/io.js';
import { UserError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import { CHECKPOINTS_DIR, listCheckpoints, verifyCheckpoint } from './checkpoint.js';
import { toUnitRange } from './real-batches.js';

/**
 * The end-of-epoch checkpoint of `runDir` for `epoch`, or the newest one
 * when `epoch` is undefined. Mid-epoch checkpoints are never picked: their
 * generator is between two sampled states.
 */
export function findEpochCheckpoint(
  runDir: string,
  epoch?: number,
): { dir: string; epoch: number } {
  const checkpointsDir = path.join(runDir, CHECKPOINTS_DIR);
  const complete = listCheckpoints(checkpointsDir).filter(
    (entry) => entry.manifest.step === 0,
  );
  if (complete.length === 0) {
    throw new UserError(
      'SAMPLE_NO_CHECKPOINT',
      `reading run "${runDir}": no complete checkpoint in "${checkpointsDir}"`,
    );
  }
  const chosen =
    epoch === undefined
      ? complete.at(-1)
      : complete.find((entry) => entry.manifest.epoch === epoch);
  if (chosen === undefined) {
    const available = complete.map((entry) => entry.manifest.epoch).join(', ');
    throw new UserError(
      'SAMPLE_NO_EPOCH',
      `reading run "${runDir}": no checkpoint for epoch ${epoch} (kept: ${available})`,
    );
  }
  return { dir: chosen.dir, epoch: chosen.manifest.epoch };
}

/** Verifies the checkpoint in `dir` and loads its generator. */
export async function loadCheckpointGenerator(dir: string): Promise<tfl.LayersModel> {
  verifyCheckpoint(dir);
  return loadModel(path.join(dir, 'generator'));
}

/** Runs `generator` on noise rows `z` ([rows * 100]); returns [rows * 784] in [0, 1]. */
export function generateFromNoise(
  generator: tfl.LayersModel,
  z: Float32Array,
): Float32Array {
  const rows = z.length / NOISE_DIM;
  const output = tf.tidy(
    () => generator.predict(tf.tensor2d(z, [rows, NOISE_DIM])) as tf.Tensor,
  );
  const values = (output.dataSync() as Float32Array).slice();
  output.dispose();
  return toUnitRange(values);
}

/** Generates `count` digits from noise drawn from `random`: [count * 784] in [0, 1]. */
export function sampleDigits(
  generator: tfl.LayersModel,
  count: number,
  random: Random,
): Float32Array {
  return generateFromNoise(
    generator,
    random.fillNormal(new Float32Array(count * NOISE_DIM)),
  );
}

/**
 * Digits along the path between two noise vectors drawn from `random`:
 * `steps` points, ends included. The path is spherical (slerp) rather than
 * straight: a straight line between two Gaussian vectors passes through
 * shorter vectors than the generator ever saw in training, which shows as
 * faint digits in the middle. Returns [steps * 784] in [0, 1].
 */
export function interpolateDigits(
  generator: tfl.LayersModel,
  steps: number,
  random: Random,
): Float32Array {
  const a = random.fillNormal(new Float32Array(NOISE_DIM));
  const b = random.fillNormal(new Float32Array(NOISE_DIM));
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < NOISE_DIM; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(normA * normB))));
  const z = new Float32Array(steps * NOISE_DIM);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    // Nearly parallel vectors: slerp's weights are 0/0; a straight line is exact enough.
    const wa = omega < 1e-6 ? 1 - t : Math.sin((1 - t) * omega) / Math.sin(omega);
    const wb = omega < 1e-6 ? t : Math.sin(t * omega) / Math.sin(omega);
    for (let i = 0; i < NOISE_DIM; i++) z[s * NOISE_DIM + i] = wa * a[i] + wb * b[i];
  }
  return generateFromNoise(generator, z);
}

/** Digits in [0, 1] as MNIST's own format: uint8 [N, 28, 28], 0 background, 255 ink. */
export function toMnistIdx(images: Float32Array): IdxArray {
  const count = images.length / IMAGE_PIXELS;
  const data = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) data[i] = Math.round(images[i] * 255);
  return { dtype: 'uint8', shape: [count, IMAGE_SIZE, IMAGE_SIZE], data };
}
