/**
 * Deterministic training of the evaluation network on MNIST.
 *
 * Every random choice comes from one seeded {@link Random}: the initial
 * weights, the order of the training images in each epoch and the dropout
 * masks on the features. With the same seed, backend and thread count the
 * trained weights are the same bit for bit, so the shipped evaluator can be
 * rebuilt and checked by anyone.
 *
 * Recipe: Adam (Keras defaults), cross-entropy on the logits, dropout 0.25
 * on the 128 features, the learning rate halved after each epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { toFloatPixels } from '../data/batches.js';
import { IMAGE_PIXELS, IMAGE_SIZE, type Dataset, type DigitSet } from '../data/mnist.js';
import { UserError } from '../util/errors.js';
import { Random } from '../util/random.js';
import {
  EVALUATOR_CLASSES,
  EVALUATOR_FEATURES,
  buildEvaluator,
  classifyImages,
  evaluatorForward,
  evaluatorParams,
  type EvaluatorParams,
} from './evaluator.js';

/** Hyper-parameters of {@link trainEvaluator}. */
export interface TrainEvaluatorOptions {
  /** Seed of weights, shuffles and dropout. Default 1. */
  seed?: number;
  /** Passes over the training set. Default 4. */
  epochs?: number;
  /** Images per step. Default 64. */
  batchSize?: number;
  /** Adam learning rate of the first epoch. Default 0.001. */
  learningRate?: number;
  /** Factor applied to the learning rate after each epoch. Default 0.5. */
  decay?: number;
  /** Dropout rate on the features during training. Default 0.25. */
  dropout?: number;
  /** Called after each epoch with its figures. */
  onEpoch?: (record: EvaluatorEpoch) => void;
  /** Called every `progressEvery` steps with steps done and total. */
  onProgress?: (done: number, total: number) => void;
}

/** Defaults of {@link TrainEvaluatorOptions}. */
export const TRAIN_EVALUATOR_DEFAULTS = {
  seed: 1,
  epochs: 4,
  batchSize: 64,
  learningRate: 0.001,
  decay: 0.5,
  dropout: 0.25,
};

/** Figures of one epoch. */
export interface EvaluatorEpoch {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Share of the test set classified correctly, 0 to 1. */
  testAccuracy: number;
  /** Wall-clock seconds of the epoch (training only). */
  seconds: number;
}

/** Result of {@link trainEvaluator}. */
export interface TrainedEvaluator {
  model: tfl.Sequential;
  epochs: EvaluatorEpoch[];
}

/** Share of `set` that the evaluator with `params` classifies correctly. */
export function testAccuracy(
  model: tfl.LayersModel,
  params: EvaluatorParams,
  set: DigitSet,
): number {
  const { probabilities } = classifyImages(
    { model, params, source: 'training' },
    toFloatPixels(set.images),
  );
  let correct = 0;
  for (let i = 0; i < set.count; i++) {
    const row = probabilities.subarray(
      i * EVALUATOR_CLASSES,
      (i + 1) * EVALUATOR_CLASSES,
    );
    let best = 0;
    for (let k = 1; k < EVALUATOR_CLASSES; k++) if (row[k] > row[best]) best = k;
    if (best === set.labels[i]) correct += 1;
  }
  return set.count === 0 ? 0 : correct / set.count;
}

function batchTensors(
  set: DigitSet,
  order: Int32Array,
  start: number,
  rows: number,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels = new Float32Array(rows * IMAGE_PIXELS);
  const onehot = new Float32Array(rows * EVALUATOR_CLASSES);
  for (let r = 0; r < rows; r++) {
    const index = order[start + r];
    const image = set.images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
    for (let p = 0; p < IMAGE_PIXELS; p++) pixels[r * IMAGE_PIXELS + p] = image[p] / 255;
    onehot[r * EVALUATOR_CLASSES + set.labels[index]] = 1;
  }
  return {
    x: tf.tensor4d(pixels, [rows, IMAGE_SIZE, IMAGE_SIZE, 1]),
    y: tf.tensor2d(onehot, [rows, EVALUATOR_CLASSES]),
  };
}

/**
 * Trains a fresh evaluator on `dataset.train` and measures it on
 * `dataset.test` after each epoch. The last, partial batch of an epoch is
 * used too, so every image is seen once per epoch.
 */
export async function trainEvaluator(
  dataset: Dataset,
  options: TrainEvaluatorOptions = {},
): Promise<TrainedEvaluator> {
  const settings = { ...TRAIN_EVALUATOR_DEFAULTS, ...options };
  const random = new Random(settings.seed);
  const model = buildEvaluator(random);
  const params = evaluatorParams(model, 'training');
  const variables = [
    ...params.convKernels.flatMap((kernel, i) => [kernel, params.convBiases[i]]),
    params.featureKernel,
    params.featureBias,
    params.outKernel,
    params.outBias,
  ];
  const train = dataset.train;
  const stepsPerEpoch = Math.ceil(train.count / settings.batchSize);
  const order = new Int32Array(train.count);
  const history: EvaluatorEpoch[] = [];

  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const started = performance.now();
    // A fresh optimizer per epoch is how the decayed rate is applied: TF.js
    // optimizers do not expose their rate for change. Adam's moments restart
    // with it, which costs a few steps of bias-corrected warm-up.
    const rate = settings.learningRate * settings.decay ** (epoch - 1);
    const optimizer = tf.train.adam(rate, 0.9, 0.999, 1e-7);
    for (let i = 0; i < order.length; i++) order[i] = i;
    random.shuffle(order);

    let lossSum = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      const start = step * settings.batchSize;
      const rows = Math.min(settings.batchSize, train.count - start);
      const { x, y } = batchTensors(train, order, start, rows);
      const mask = random.fillDropoutMask(
        new Float32Array(rows * EVALUATOR_FEATURES),
        settings.dropout,
      );
      const maskTensor = tf.tensor2d(mask, [rows, EVALUATOR_FEATURES]);
      const loss = optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy(
            y,
            evaluatorForward(params, x, maskTensor).logits,
          ) as tf.Scalar,
        true,
        variables,
      ) as tf.Scalar;
      // Reading the loss each step keeps at most one step queued on the
      // backend, and the sum is needed for the epoch's line anyway.
      const value = (await loss.data())[0];
      tf.dispose([x, y, maskTensor, loss]);
      if (!Number.isFinite(value)) {
        optimizer.dispose();
        throw new UserError(
          'EVALUATOR_NAN_LOSS',
          `training the evaluator: expected a finite loss, got ${value} at epoch ${epoch} step ${step + 1} (lower --learning-rate)`,
        );
      }
      lossSum += value;
      options.onProgress?.(step + 1, stepsPerEpoch);
    }
    optimizer.dispose();
    const seconds = (performance.now() - started) / 1000;

    const record = {
      epoch,
      loss: lossSum / stepsPerEpoch,
      testAccuracy: testAccuracy(model, params, dataset.test),
      seconds,
    };
    history.push(record);
    options.onEpoch?.(record);
  }
  return { model, epochs: history };
}
