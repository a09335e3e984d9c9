/**
 * Training loop of the feed-forward classifier.
 *
 * Dropout masks and batch order come from the run's seeded {@link Random},
 * so a run repeats exactly on the same backend and thread count; that is why
 * the loop runs the layers itself instead of calling `model.fit`, whose
 * dropout draws from an unseeded source. The output layer is evaluated as
 * logits so the loss can use the stable softmax cross-entropy, which equals
 * Keras' categorical cross-entropy on the softmax output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { gatherImages, oneHot } from '../data/batches.js';
import { IMAGE_PIXELS } from '../data/mnist.js';
import { UserError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { buildClassifier, CLASSIFIER_DROPOUT } from '../models/classifier.js';
import { dense } from '../models/dense.js';

export const OPTIMIZERS = ['rmsprop', 'adam', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Settings of a classifier run; {@link CLASSIFIER_DEFAULTS} holds the case study's. */
export interface ClassifierConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: OptimizerName;
  /** Share of the training set held out for validation, taken from its end as Keras does. */
  validationSplit: number;
  seed: number;
}

/** The Keras MNIST multilayer perceptron's settings: RMSprop, 20 epochs, batch 128. */
export const CLASSIFIER_DEFAULTS: ClassifierConfig = {
  epochs: 20,
  batchSize: 128,
  learningRate: 0.001,
  optimizer: 'rmsprop',
  validationSplit: 0.1,
  seed: 42,
};

/** One line of metrics.jsonl. */
export interface ClassifierEpoch {
  epoch: number;
  /** Mean training loss over the epoch's batches (dropout on). */
  loss: number;
  /** Training accuracy over the epoch's batches (dropout on). */
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  seconds: number;
  imagesPerSecond: number;
}

/** Inputs of training: pixels in [0, 1], [N, 784], and labels. */
export interface LabelledPixels {
  pixels: Float32Array;
  labels: Uint8Array;
  count: number;
}

/** Result of evaluating a classifier on a labelled set. */
export interface ClassifierEvaluation {
  loss: number;
  accuracy: number;
  /** Predicted class of each image. */
  predictions: Uint8Array;
}

export interface ClassifierHooks {
  /** Called after each epoch with its metrics. */
  onEpoch?: (metrics: ClassifierEpoch) => void;
  /** Called after each batch: batches done and batches in the epoch. */
  onBatch?: (done: number, total: number) => void;
}

function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    // Keras' defaults: rho 0.9 for RMSprop, epsilon 1e-7 for both.
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, 0, 1e-7);
    case 'adam':
      return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
    case 'sgd':
      return tf.train.sgd(learningRate);
  }
}

interface DenseParams {
  kernel: tf.Variable;
  bias: tf.Variable;
}

function denseParams(model: tfl.LayersModel): DenseParams[] {
  return model.layers
    .filter((layer) => layer.getClassName() === 'Dense')
    .map((layer) => {
      const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      return { kernel, bias };
    });
}

/** Logits [B, classes] of the network; `masks` null means inference (no dropout). */
function logits(
  params: DenseParams[],
  x: tf.Tensor2D,
  masks: tf.Tensor2D[] | null,
): tf.Tensor2D {
  let h = x;
  params.forEach(({ kernel, bias }, i) => {
    const hidden = i < params.length - 1;
    h = dense(h, kernel as tf.Tensor2D, bias as tf.Tensor1D);
    if (hidden) h = tf.relu(h);
    if (hidden && masks !== null) h = tf.mul(h, masks[i]);
  });
  return h;
}

/** Splits `data` into training and validation parts (validation from the end). */
export function splitValidation(
  data: LabelledPixels,
  share: number,
): { train: LabelledPixels; validation: LabelledPixels | null } {
  const held = Math.floor(data.count * share);
  if (held === 0) return { train: data, validation: null };
  const kept = data.count - held;
  return {
    train: {
      pixels: data.pixels.subarray(0, kept * IMAGE_PIXELS),
      labels: data.labels.subarray(0, kept),
      count: kept,
    },
    validation: {
      pixels: data.pixels.subarray(kept * IMAGE_PIXELS),
      labels: data.labels.subarray(kept),
      count: held,
    },
  };
}

/**
 * Loss and accuracy of `model` on `data`, in batches of `batchSize`, dropout
 * off.
 */
export function evaluateClassifier(
  model: tfl.LayersModel,
  data: LabelledPixels,
  numClasses: number,
  batchSize = 1000,
): ClassifierEvaluation {
  const params = denseParams(model);
  const predictions = new Uint8Array(data.count);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    const [loss, predicted] = tf.tidy(() => {
      const x = tf.tensor2d(
        data.pixels.subarray(start * IMAGE_PIXELS, (start + size) * IMAGE_PIXELS),
        [size, IMAGE_PIXELS],
      );
      const y = tf.tensor2d(
        oneHot(data.labels.subarray(start, start + size), numClasses),
        [size, numClasses],
      );
      const z = logits(params, x, null);
      const batchLoss = tf.losses.softmaxCrossEntropy(y, z);
      return [batchLoss.dataSync()[0], tf.argMax(z, 1).dataSync()];
    });
    lossSum += loss * size;
    for (let i = 0; i < size; i++) {
      predictions[start + i] = predicted[i];
      if (predicted[i] === data.labels[start + i]) correct += 1;
    }
  }
  return { loss: lossSum / data.count, accuracy: correct / data.count, predictions };
}

/**
 * Trains a fresh classifier on `data` with `config`. Throws a
 * {@link UserError} if the loss becomes NaN or infinite.
 */
export function trainClassifier(
  data: LabelledPixels,
  numClasses: number,
  config: ClassifierConfig,
  hooks: ClassifierHooks = {},
): { model: tfl.LayersModel; history: ClassifierEpoch[] } {
  const random = new Random(config.seed);
  const model = buildClassifier(random, numClasses);
  const params = denseParams(model);
  const variables = params.flatMap(({ kernel, bias }) => [kernel, bias]);
  const optimizer = makeOptimizer(config.optimizer, config.learningRate);
  const { train, validation } = splitValidation(data, config.validationSplit);
  if (train.count < config.batchSize) {
    throw new UserError(
      'BAD_FLAG',
      `--batch-size: expected at most the ${train.count} training images, got ${config.batchSize}`,
    );
  }
  const order = Array.from({ length: train.count }, (_, i) => i);
  const batches = Math.ceil(train.count / config.batchSize);
  const history: ClassifierEpoch[] = [];

  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const started = performance.now();
    random.shuffle(order);
    let lossSum = tf.scalar(0);
    let correctSum = tf.scalar(0);
    for (let b = 0; b < batches; b++) {
      const start = b * config.batchSize;
      const size = Math.min(config.batchSize, train.count - start);
      const batchLabels = Uint8Array.from(
        order.slice(start, start + size),
        (i) => train.labels[i],
      );
      const masks = params.slice(0, -1).map(({ bias }) => {
        const units = bias.shape[0];
        return random.fillDropoutMask(new Float32Array(size * units), CLASSIFIER_DROPOUT);
      });
      const [nextLoss, nextCorrect] = tf.tidy(() => {
        const x = tf.tensor2d(gatherImages(train.pixels, order, start, size), [
          size,
          IMAGE_PIXELS,
        ]);
        const y = tf.tensor2d(oneHot(batchLabels, numClasses), [size, numClasses]);
        const maskTensors = masks.map((m, i) =>
          tf.tensor2d(m, [size, params[i].bias.shape[0]]),
        );
        let z: tf.Tensor2D | undefined;
        const loss = optimizer.minimize(
          () => {
            z = tf.keep(logits(params, x, maskTensors));
            return tf.losses.softmaxCrossEntropy(y, z) as tf.Scalar;
          },
          true,
          variables,
        ) as tf.Scalar;
        const hits = tf.sum(
          tf.cast(tf.equal(tf.argMax(z as tf.Tensor2D, 1), tf.argMax(y, 1)), 'float32'),
        );
        (z as tf.Tensor).dispose();
        return [tf.add(lossSum, tf.mul(loss, size)), tf.add(correctSum, hits)];
      });
      lossSum.dispose();
      correctSum.dispose();
      lossSum = nextLoss as tf.Scalar;
      correctSum = nextCorrect as tf.Scalar;
      hooks.onBatch?.(b + 1, batches);
    }
    const loss = lossSum.dataSync()[0] / train.count;
    const accuracy = correctSum.dataSync()[0] / train.count;
    lossSum.dispose();
    correctSum.dispose();
    if (!Number.isFinite(loss)) {
      throw new UserError(
        'NAN_LOSS',
        `training classifier: loss became ${loss} in epoch ${epoch} (try a lower --learning-rate)`,
        3,
      );
    }
    const evaluation = validation
      ? evaluateClassifier(model, validation, numClasses)
      : null;
    const seconds = (performance.now() - started) / 1000;
    const metrics: ClassifierEpoch = {
      epoch,
      loss,
      accuracy,
      valLoss: evaluation?.loss ?? null,
      valAccuracy: evaluation?.accuracy ?? null,
      seconds,
      imagesPerSecond: train.count / seconds,
    };
    history.push(metrics);
    hooks.onEpoch?.(metrics);
  }
  optimizer.dispose();
  return { model, history };
}
