/**
 * `mnist-gan train-evaluator`: trains the evaluation network behind
 * `mnist-gan evaluate` and saves it as a TF.js model. The package ships the
 * result of the defaults in `assets/evaluator/`; rerunning with
 * `--backend wasm` rebuilds the same weights.
 */
import * as path from 'node:path';

import { initBackend, type BackendName } from '../../backend/select.js';
import { loadDataset } from '../../data/mnist.js';
import { TRAIN_EVALUATOR_DEFAULTS, trainEvaluator } from '../../eval/train-evaluator.js';
import { saveModel } from '../../models/io.js';
import {
  appendMetric,
  defaultRunDir,
  ensureDir,
  writeConfig,
} from '../../util/run-dir.js';
import {
  COMMON_OPTIONS,
  intOption,
  numberOption,
  optionalInt,
  optionalString,
  type Command,
} from '../options.js';
import { createProgress } from '../progress.js';

const defaults = TRAIN_EVALUATOR_DEFAULTS;

/** The `train-evaluator` command: options and entry point. */
export const trainEvaluatorCommand: Command = {
  name: 'train-evaluator',
  summary: 'Train the MNIST classifier that scores generated digits',
  description:
    'Trains the small convolutional classifier used by "mnist-gan evaluate"\n' +
    '(FID features, Inception Score, class coverage). Deterministic: the same\n' +
    'seed, backend and thread count give the same weights.',
  options: {
    ...COMMON_OPTIONS,
    epochs: {
      type: 'string',
      valueName: 'N',
      default: String(defaults.epochs),
      description: 'Passes over the training set',
    },
    'batch-size': {
      type: 'string',
      valueName: 'N',
      default: String(defaults.batchSize),
      description: 'Images per step',
    },
    'learning-rate': {
      type: 'string',
      valueName: 'X',
      default: String(defaults.learningRate),
      description: 'Adam learning rate of the first epoch',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      default: String(defaults.seed),
      description: 'Seed of weights, shuffles and dropout',
    },
    'train-limit': {
      type: 'string',
      valueName: 'N',
      description: 'Use only the first N training images (for quick trials)',
    },
    'model-dir': {
      type: 'string',
      valueName: 'DIR',
      description: 'Where to save model.json and weights.bin (default: <out>/evaluator)',
    },
  },
  async run(values, _positionals, io) {
    const epochs = intOption(values, 'epochs', { min: 1, max: 100 });
    const batchSize = intOption(values, 'batch-size', { min: 1, max: 4096 });
    const learningRate = numberOption(values, 'learning-rate', { min: 0, max: 1 });
    const seed = intOption(values, 'seed', { min: 0, max: 2 ** 32 - 1 });
    const trainLimit = optionalInt(values, 'train-limit', { min: 1 });
    const out = optionalString(values, 'out') ?? defaultRunDir('train-evaluator');
    const modelDir = optionalString(values, 'model-dir') ?? path.join(out, 'evaluator');

    const dataset = loadDataset({ dataDir: optionalString(values, 'data'), trainLimit });
    const backend = await initBackend(values.backend as BackendName);
    io.err(`backend: ${backend.name} (${backend.reason})`);
    ensureDir(out);
    writeConfig(out, {
      command: 'train-evaluator',
      epochs,
      batchSize,
      learningRate,
      seed,
      trainImages: dataset.train.count,
      backend: backend.name,
      modelDir,
    });

    const progress = createProgress(io);
    const { model, epochs: history } = await trainEvaluator(dataset, {
      epochs,
      batchSize,
      learningRate,
      seed,
      onProgress: (done, total) => progress.update(done, total, 'training'),
      onEpoch: (record) => {
        progress.clear();
        appendMetric(out, record);
        io.out(
          `epoch ${record.epoch}/${epochs}  loss ${record.loss.toFixed(4)}  ` +
            `test accuracy ${(100 * record.testAccuracy).toFixed(2)}%  ${record.seconds.toFixed(1)} s`,
        );
      },
    });
    await saveModel(model, modelDir);
    const total = history.reduce((sum, record) => sum + record.seconds, 0);
    io.out(`saved ${modelDir} (training ${total.toFixed(1)} s)`);
    model.dispose();
  },
};
