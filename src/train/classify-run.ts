/**
 * The case study's second part as one function: train the feed-forward
 * classifier on MNIST, then write its metrics, charts, confusion matrix,
 * misclassified digits and the model into a run folder.
 */
import * as path from 'node:path';

import { toFloatPixels } from '../data/batches.js';
import { IMAGE_PIXELS, loadDataset } from '../data/mnist.js';
import { saveModel } from '../models/io.js';
import { writeHeatmap, writeLineChart } from '../report/chart.js';
import { writeDigitGrid } from '../report/grid.js';
import { writeJsonAtomic } from '../util/fs-atomic.js';
import { appendMetric, ensureDir, writeConfig } from '../util/run-dir.js';
import {
  evaluateClassifier,
  trainClassifier,
  type ClassifierConfig,
  type ClassifierEpoch,
} from './classifier.js';

/** Most misclassified digits shown in `misclassified.png`. */
const MAX_MISCLASSIFIED_SHOWN = 60;

export interface ClassifyRunOptions extends ClassifierConfig {
  /** Run folder. */
  out: string;
  /** Dataset folder; default the bundled MNIST. */
  dataDir?: string;
  /** Backend that is active, recorded in config.json. */
  backend: string;
  /** Use only the first N training images. */
  trainLimit?: number;
}

export interface ClassifyRunEvents {
  /** The resolved configuration, once, before training. */
  onConfig?: (config: Record<string, unknown>) => void;
  onEpoch?: (metrics: ClassifierEpoch) => void;
  onBatch?: (done: number, total: number) => void;
}

/** What a classifier run achieved. */
export interface ClassifyRunResult {
  testLoss: number;
  testAccuracy: number;
  /** Accuracy per true class. */
  classAccuracy: number[];
  /** confusion[true][predicted] = count. */
  confusion: number[][];
  trainSeconds: number;
  secondsPerEpoch: number;
  files: string[];
}

/** Trains, evaluates and writes a classifier run into `options.out`. */
export async function runClassifierStudy(
  options: ClassifyRunOptions,
  events: ClassifyRunEvents = {},
): Promise<ClassifyRunResult> {
  const data = loadDataset({ dataDir: options.dataDir, trainLimit: options.trainLimit });
  const out = ensureDir(options.out);
  const config = {
    command: 'classify',
    model: '784-512-512-10, ReLU, dropout 0.2, softmax',
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    optimizer: options.optimizer,
    validationSplit: options.validationSplit,
    seed: options.seed,
    backend: options.backend,
    data: data.source,
    trainImages: data.train.count,
    testImages: data.test.count,
  };
  writeConfig(out, config);
  events.onConfig?.(config);

  const train = {
    pixels: toFloatPixels(data.train.images),
    labels: data.train.labels,
    count: data.train.count,
  };
  const started = performance.now();
  const { model, history } = trainClassifier(train, data.numClasses, options, {
    onEpoch: (metrics) => {
      appendMetric(out, metrics);
      events.onEpoch?.(metrics);
    },
    onBatch: events.onBatch,
  });
  const trainSeconds = (performance.now() - started) / 1000;

  const test = {
    pixels: toFloatPixels(data.test.images),
    labels: data.test.labels,
    count: data.test.count,
  };
  const evaluation = evaluateClassifier(model, test, data.numClasses);
  const classes = data.numClasses;
  const confusion = Array.from({ length: classes }, () =>
    new Array<number>(classes).fill(0),
  );
  const wrong: number[] = [];
  for (let i = 0; i < test.count; i++) {
    confusion[test.labels[i]][evaluation.predictions[i]] += 1;
    if (test.labels[i] !== evaluation.predictions[i]) wrong.push(i);
  }
  const classAccuracy = confusion.map(
    (row, k) =>
      row[k] /
      Math.max(
        1,
        row.reduce((a, b) => a + b, 0),
      ),
  );

  const files: string[] = [];
  const epochs = history.map((h) => h.epoch);
  const chart = await writeLineChart(out, 'training', {
    title: 'Classifier: loss and accuracy against epochs',
    panels: [
      {
        title: 'loss',
        series: [
          { name: 'train', x: epochs, y: history.map((h) => h.loss) },
          ...(history[0]?.valLoss === null || history.length === 0
            ? []
            : [
                {
                  name: 'validation',
                  x: epochs,
                  y: history.map((h) => h.valLoss ?? NaN),
                },
              ]),
        ],
      },
      {
        title: 'accuracy',
        series: [
          { name: 'train', x: epochs, y: history.map((h) => h.accuracy) },
          ...(history[0]?.valAccuracy === null || history.length === 0
            ? []
            : [
                {
                  name: 'validation',
                  x: epochs,
                  y: history.map((h) => h.valAccuracy ?? NaN),
                },
              ]),
        ],
      },
    ],
  });
  files.push(chart.svg, chart.png);
  const heatmap = await writeHeatmap(out, 'confusion-matrix', {
    title: `Confusion matrix on ${test.count.toLocaleString('en-US')} test digits`,
    values: confusion,
    yTitle: 'true digit',
    xTitle: 'predicted digit',
  });
  files.push(heatmap.svg, heatmap.png);
  if (wrong.length > 0) {
    const shown = wrong.slice(0, MAX_MISCLASSIFIED_SHOWN);
    const file = path.join(out, 'misclassified.png');
    writeDigitGrid(
      file,
      shown.map((i) => test.pixels.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS)),
      {
        columns: 10,
        labels: shown.map(
          (i) => `true ${test.labels[i]}\npred ${evaluation.predictions[i]}`,
        ),
        title: `Misclassified test digits (first ${shown.length} of ${wrong.length})`,
      },
    );
    files.push(file);
  }
  const modelDir = path.join(out, 'model');
  await saveModel(model, modelDir);
  files.push(path.join(modelDir, 'model.json'));
  model.dispose();

  const result: ClassifyRunResult = {
    testLoss: evaluation.loss,
    testAccuracy: evaluation.accuracy,
    classAccuracy,
    confusion,
    trainSeconds,
    secondsPerEpoch: history.length > 0 ? trainSeconds / history.length : 0,
    files,
  };
  writeJsonAtomic(path.join(out, 'results.json'), result);
  files.push(path.join(out, 'results.json'));
  return result;
}
