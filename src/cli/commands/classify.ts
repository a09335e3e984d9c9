/** `mnist-gan classify`: the case study's feed-forward classifier. */
import { initBackend } from '../../backend/select.js';
import { CLASSIFIER_DEFAULTS, OPTIMIZERS } from '../../train/classifier.js';
import { runClassifierStudy } from '../../train/classify-run.js';
import { defaultRunDir } from '../../util/run-dir.js';
import {
  choiceOption,
  COMMON_OPTIONS,
  intOption,
  numberOption,
  optionalInt,
  optionalString,
  type BackendOption,
  type Command,
} from '../options.js';
import { createProgress } from '../progress.js';

const d = CLASSIFIER_DEFAULTS;

export const classifyCommand: Command = {
  name: 'classify',
  summary:
    'Train the feed-forward classifier (784-512-512-10) and chart loss and accuracy',
  description:
    'Trains the classic MNIST multilayer perceptron (784-512-512-10, ReLU, dropout 0.2,\n' +
    'softmax) and writes metrics.jsonl, training.png/svg (loss and accuracy against\n' +
    'epochs), confusion-matrix.png/svg, misclassified.png, results.json and the\n' +
    'trained model in TF.js format (model/model.json).',
  options: {
    epochs: {
      type: 'string',
      valueName: 'N',
      default: String(d.epochs),
      description: 'Training epochs',
    },
    'batch-size': {
      type: 'string',
      valueName: 'N',
      default: String(d.batchSize),
      description: 'Images per batch',
    },
    'learning-rate': {
      type: 'string',
      valueName: 'X',
      default: String(d.learningRate),
      description: 'Learning rate',
    },
    optimizer: {
      type: 'string',
      valueName: 'NAME',
      default: d.optimizer,
      description: `Optimizer: ${OPTIMIZERS.join(', ')}`,
    },
    'validation-split': {
      type: 'string',
      valueName: 'X',
      default: String(d.validationSplit),
      description: 'Share of the training set held out for validation (from its end)',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      default: String(d.seed),
      description: 'Random seed',
    },
    'train-limit': {
      type: 'string',
      valueName: 'N',
      description: 'Use only the first N training images (quick runs)',
    },
    ...COMMON_OPTIONS,
  },
  async run(values, _positionals, io) {
    const config = {
      epochs: intOption(values, 'epochs', { min: 0, max: 100000 }),
      batchSize: intOption(values, 'batch-size', { min: 1, max: 60000 }),
      learningRate: numberOption(values, 'learning-rate', { min: 0 }),
      optimizer: choiceOption(values, 'optimizer', OPTIMIZERS),
      validationSplit: numberOption(values, 'validation-split', { min: 0, max: 0.9 }),
      seed: intOption(values, 'seed', { min: 0, max: 0xffffffff }),
    };
    const trainLimit = optionalInt(values, 'train-limit', { min: 1 });
    const backend = await initBackend(values.backend as BackendOption);
    io.err(`backend: ${backend.name} (${backend.reason})`);
    const out = optionalString(values, 'out') ?? defaultRunDir('classify');
    const progress = createProgress(io);
    const result = await runClassifierStudy(
      {
        ...config,
        out,
        dataDir: optionalString(values, 'data'),
        backend: backend.name,
        trainLimit,
      },
      {
        onConfig: (resolved) => io.out(`config: ${JSON.stringify(resolved)}`),
        onBatch: (done, total) => progress.update(done, total, 'training'),
        onEpoch: (m) => {
          progress.clear();
          const validation =
            m.valLoss === null
              ? ''
              : `  val_loss ${m.valLoss.toFixed(4)}  val_acc ${(m.valAccuracy ?? 0).toFixed(4)}`;
          io.out(
            `epoch ${String(m.epoch).padStart(3)}/${config.epochs}  loss ${m.loss.toFixed(4)}  ` +
              `acc ${m.accuracy.toFixed(4)}${validation}  ${m.seconds.toFixed(1)}s  ` +
              `${Math.round(m.imagesPerSecond)} img/s`,
          );
        },
      },
    );
    io.out(
      `test accuracy ${(100 * result.testAccuracy).toFixed(2)}%  test loss ${result.testLoss.toFixed(4)}  ` +
        `(${result.trainSeconds.toFixed(0)}s training, ${result.secondsPerEpoch.toFixed(1)}s per epoch)`,
    );
    io.out(`wrote ${out}`);
  },
};
