/**
 * The evaluation network: a small convolutional MNIST classifier whose
 * softmax gives the Inception Score and class coverage, and whose
 * penultimate layer gives the features of the Fréchet distance.
 *
 *   x [B, 28, 28, 1] pixels in [0, 1]
 *   conv 3x3, 32, relu  -> [B, 26, 26, 32]
 *   max pool 2          -> [B, 13, 13, 32]
 *   conv 3x3, 64, relu  -> [B, 11, 11, 64]
 *   max pool 2          -> [B, 5, 5, 64]
 *   flatten             -> [B, 1600]
 *   dense 128, relu     -> [B, 128]   the features (F = 128)
 *   dense 10, softmax   -> [B, 10]    class probabilities (K = 10)
 *
 * The network is kept as a TF.js layers model, so the shipped files in
 * `assets/evaluator/` load in a browser too, but it is run here through
 * {@link evaluatorForward}, which computes features and logits in one pass
 * and (when training) applies a seeded dropout mask to the features.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { IMAGE_PIXELS, IMAGE_SIZE } from '../data/mnist.js';
import { initializeWeights } from '../models/init.js';
import { loadModel } from '../models/io.js';
import { UserError } from '../util/errors.js';
import type { Random } from '../util/random.js';
import { conv2dValid } from './conv2d-valid.js';

/** Length of the feature vector the Fréchet distance is computed on. */
export const EVALUATOR_FEATURES = 128;
/** Number of classes the evaluator predicts. */
export const EVALUATOR_CLASSES = 10;
/** Images per forward pass when classifying a large set. */
export const EVALUATOR_BATCH = 500;

const CONV_FILTERS = [32, 64];
const KERNEL_SIZE = 3;

/** Folder of the evaluator shipped with the package. */
export function bundledEvaluatorDir(): string {
  // This file is compiled to dist/src/eval/, three levels below the root.
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', '..', 'assets', 'evaluator');
}

/** Builds the evaluator with weights drawn from `random` (Glorot uniform). */
export function buildEvaluator(random: Random): tfl.Sequential {
  const model = tfl.sequential({ name: 'evaluator' });
  CONV_FILTERS.forEach((filters, i) => {
    model.add(
      tfl.layers.conv2d({
        filters,
        kernelSize: KERNEL_SIZE,
        activation: 'relu',
        name: `e_conv_${i + 1}`,
        ...(i === 0 ? { inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1] } : {}),
      }),
    );
    model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: `e_pool_${i + 1}` }));
  });
  model.add(tfl.layers.flatten({ name: 'e_flatten' }));
  model.add(
    tfl.layers.dense({
      units: EVALUATOR_FEATURES,
      activation: 'relu',
      name: 'e_features',
    }),
  );
  model.add(
    tfl.layers.dense({ units: EVALUATOR_CLASSES, activation: 'softmax', name: 'e_out' }),
  );
  initializeWeights(model, random);
  return model;
}

/** The trainable variables of an evaluator, in layer order. */
export interface EvaluatorParams {
  convKernels: tf.Variable[];
  convBiases: tf.Variable[];
  featureKernel: tf.Variable;
  featureBias: tf.Variable;
  outKernel: tf.Variable;
  outBias: tf.Variable;
}

/**
 * The variables of a model built by {@link buildEvaluator} (or loaded from
 * its files). A model of another shape is a {@link UserError}: a folder
 * passed as `--evaluator` may hold any model.
 */
export function evaluatorParams(model: tfl.LayersModel, source: string): EvaluatorParams {
  const byClass = (name: string) =>
    model.layers
      .filter((layer) => layer.getClassName() === name)
      .map((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  const convs = byClass('Conv2D');
  const denses = byClass('Dense');
  const expected = [
    [KERNEL_SIZE, KERNEL_SIZE, 1, CONV_FILTERS[0]],
    [KERNEL_SIZE, KERNEL_SIZE, CONV_FILTERS[0], CONV_FILTERS[1]],
    [25 * CONV_FILTERS[1], EVALUATOR_FEATURES],
    [EVALUATOR_FEATURES, EVALUATOR_CLASSES],
  ];
  const kernels = [...convs, ...denses].map((weights) => weights[0]?.shape ?? []);
  const matches =
    convs.length === 2 &&
    denses.length === 2 &&
    expected.every((shape, i) => shape.join(',') === kernels[i]?.join(','));
  if (!matches) {
    throw new UserError(
      'EVALUATOR_BAD_MODEL',
      `loading evaluator "${source}": expected kernels ${expected.map((s) => `[${s.join(', ')}]`).join(' ')}, found ${kernels.map((s) => `[${s.join(', ')}]`).join(' ')}`,
    );
  }
  return {
    convKernels: convs.map((w) => w[0]),
    convBiases: convs.map((w) => w[1]),
    featureKernel: denses[0][0],
    featureBias: denses[0][1],
    outKernel: denses[1][0],
    outBias: denses[1][1],
  };
}

/**
 * Runs the evaluator on `x` [B, 28, 28, 1]: returns features [B, 128] (after
 * the relu) and logits [B, 10]. `featureMask` [B, 128], when given, is an
 * inverted-dropout mask applied to the features before the last layer; it is
 * used in training only, so the returned features are never masked.
 */
export function evaluatorForward(
  params: EvaluatorParams,
  x: tf.Tensor4D,
  featureMask?: tf.Tensor2D,
): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    params.convKernels.forEach((kernel, i) => {
      const conv = conv2dValid(h, kernel as tf.Tensor4D);
      const activated = tf.relu(tf.add(conv, params.convBiases[i])) as tf.Tensor4D;
      h = tf.maxPool(activated, 2, 2, 'valid');
    });
    const flat = tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D;
    const features = tf.relu(
      tf.add(tf.matMul(flat, params.featureKernel as tf.Tensor2D), params.featureBias),
    ) as tf.Tensor2D;
    const dropped = featureMask === undefined ? features : tf.mul(features, featureMask);
    const logits = tf.add(
      tf.matMul(dropped as tf.Tensor2D, params.outKernel as tf.Tensor2D),
      params.outBias,
    ) as tf.Tensor2D;
    return { features, logits };
  });
}

/** A loaded evaluator, ready to classify images. */
export interface Evaluator {
  model: tfl.LayersModel;
  params: EvaluatorParams;
  /** Folder it was loaded from. */
  source: string;
}

/**
 * Loads the evaluator from `dir` (default: the one shipped with the
 * package). Missing or mismatched files are a {@link UserError}.
 */
export async function loadEvaluator(
  dir: string = bundledEvaluatorDir(),
): Promise<Evaluator> {
  const model = await loadModel(dir);
  return { model, params: evaluatorParams(model, dir), source: dir };
}

/** What the evaluator says about a set of N images. */
export interface EvaluatorOutputs {
  /** Number of images. */
  count: number;
  /** Penultimate features, [N, 128] row-major. */
  features: Float32Array;
  /** Class probabilities, [N, 10] row-major, each row summing to 1. */
  probabilities: Float32Array;
}

/**
 * Classifies `images` [N * 784], pixels in [0, 1], in batches of
 * {@link EVALUATOR_BATCH}. Pixel values outside [0, 1] or not finite are a
 * {@link UserError}: a generator's tanh output must be mapped first.
 */
export function classifyImages(
  evaluator: Evaluator,
  images: Float32Array,
): EvaluatorOutputs {
  if (images.length % IMAGE_PIXELS !== 0) {
    throw new Error(
      `classifyImages: expected a multiple of ${IMAGE_PIXELS} pixels, got ${images.length}`,
    );
  }
  checkPixelRange(images);
  const count = images.length / IMAGE_PIXELS;
  const features = new Float32Array(count * EVALUATOR_FEATURES);
  const probabilities = new Float32Array(count * EVALUATOR_CLASSES);
  for (let start = 0; start < count; start += EVALUATOR_BATCH) {
    const rows = Math.min(EVALUATOR_BATCH, count - start);
    const slice = images.subarray(start * IMAGE_PIXELS, (start + rows) * IMAGE_PIXELS);
    const [f, p] = tf.tidy(() => {
      const x = tf.tensor4d(slice, [rows, IMAGE_SIZE, IMAGE_SIZE, 1]);
      const out = evaluatorForward(evaluator.params, x);
      return [out.features, tf.softmax(out.logits)];
    });
    // Read back per batch so device memory stays bounded by one batch.
    features.set(f.dataSync(), start * EVALUATOR_FEATURES);
    probabilities.set(p.dataSync(), start * EVALUATOR_CLASSES);
    tf.dispose([f, p]);
  }
  return { count, features, probabilities };
}

function checkPixelRange(images: Float32Array): void {
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= 0 && v <= 1)) {
      const image = Math.floor(i / IMAGE_PIXELS);
      throw new UserError(
        'EVAL_BAD_PIXELS',
        `evaluating images: expected pixels in [0, 1], found ${v} in image ${image}`,
      );
    }
  }
}
