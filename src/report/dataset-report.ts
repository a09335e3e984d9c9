/**
 * The dataset overview written by `mnist-gan explore`: example digits, class
 * balance, pixel intensity distribution, mean images and their statistics.
 */
import * as path from 'node:path';

import { writeJsonAtomic } from '../util/fs-atomic.js';
import { pickExamplesPerClass } from '../data/examples.js';
import { IMAGE_PIXELS, type Dataset } from '../data/mnist.js';
import { binLevels, meanImage, splitStats, type SplitStats } from '../data/stats.js';
import { writeBarChart, writeHistogram } from './chart.js';
import { writeDigitGrid } from './grid.js';

/** Options of {@link writeDatasetReport}. */
export interface DatasetReportOptions {
  /** Seed that fixes which examples are shown. */
  seed: number;
  /** Examples per class in `examples.png`. Default 10. */
  perClass?: number;
}

/** Everything `stats.json` holds. */
export interface DatasetStats {
  source: string;
  bundled: boolean;
  numClasses: number;
  train: SplitStats;
  test: SplitStats;
  /** Training-set indices shown in `examples.png`, one list per class. */
  examples: { seed: number; indices: number[][] };
}

/** What {@link writeDatasetReport} produced. */
export interface DatasetReport {
  stats: DatasetStats;
  /** Names of the files written, relative to the report folder. */
  files: string[];
}

/** Bins of the intensity histogram: 32 bins of 8 gray levels each. */
const HISTOGRAM_BINS = 32;

/**
 * Writes `examples.png`, `class-balance.svg/.png`, `pixels.svg/.png`,
 * `mean-digit.png` and `stats.json` into `dir`, every file atomically.
 */
export async function writeDatasetReport(
  dataset: Dataset,
  dir: string,
  options: DatasetReportOptions,
): Promise<DatasetReport> {
  const { numClasses } = dataset;
  const classNames = Array.from({ length: numClasses }, (_, c) => String(c));
  const train = splitStats(dataset.train, numClasses);
  const test = splitStats(dataset.test, numClasses);
  const files: string[] = [];

  // Examples: one row per class. A class with fewer images than asked for
  // leaves blank cells so the rows stay aligned with their labels.
  const perClass = options.perClass ?? 10;
  const indices = pickExamplesPerClass(dataset.train, numClasses, perClass, options.seed);
  const examples = new Uint8Array(numClasses * perClass * IMAGE_PIXELS);
  indices.forEach((row, c) => {
    row.forEach((n, k) => {
      const source = dataset.train.images.subarray(
        n * IMAGE_PIXELS,
        (n + 1) * IMAGE_PIXELS,
      );
      examples.set(source, (c * perClass + k) * IMAGE_PIXELS);
    });
  });
  writeDigitGrid(path.join(dir, 'examples.png'), examples, {
    columns: perClass,
    rows: numClasses,
    rowLabels: classNames,
    title: `${dataset.bundled ? 'MNIST data' : 'Data'} examples (seed ${options.seed})`,
  });
  files.push('examples.png');

  // Class balance: one panel per split, since the training split is six
  // times the test split and would flatten it on a shared axis.
  await writeBarChart(dir, 'class-balance', {
    title: 'Class balance',
    categories: classNames,
    series: [
      {
        name: `train (${train.count.toLocaleString('en-US')} images)`,
        values: train.classCounts,
      },
      {
        name: `test (${test.count.toLocaleString('en-US')} images)`,
        values: test.classCounts,
      },
    ],
    xTitle: 'class',
    yTitle: 'images',
    layout: 'panels',
  });
  files.push('class-balance.svg', 'class-balance.png');

  // Intensity histogram as a share of each split's pixels, on a log axis:
  // about four pixels in five are blank and would hide every other bin.
  const share = (stats: SplitStats) => {
    const { edges, counts } = binLevels(stats.levelCounts, HISTOGRAM_BINS);
    const total = stats.levelCounts.reduce((sum, c) => sum + c, 0);
    return { edges, shares: counts.map((c) => (total === 0 ? 0 : (100 * c) / total)) };
  };
  const trainShare = share(train);
  await writeHistogram(dir, 'pixels', {
    title: 'Pixel intensity distribution',
    edges: trainShare.edges,
    series: [
      { name: 'train', counts: trainShare.shares },
      { name: 'test', counts: share(test).shares },
    ],
    xTitle: 'intensity (0 = background, 1 = full ink)',
    yTitle: 'share of pixels (%)',
    yScale: 'log',
  });
  files.push('pixels.svg', 'pixels.png');

  // Mean images: each class of the training split, then all of it.
  const means = new Float32Array((numClasses + 1) * IMAGE_PIXELS);
  for (let c = 0; c < numClasses; c++)
    means.set(meanImage(dataset.train, c), c * IMAGE_PIXELS);
  means.set(meanImage(dataset.train), numClasses * IMAGE_PIXELS);
  writeDigitGrid(path.join(dir, 'mean-digit.png'), means, {
    columns: numClasses + 1,
    scale: 3,
    labels: [...classNames, 'all'],
    title: 'Mean training image per class',
  });
  files.push('mean-digit.png');

  const stats: DatasetStats = {
    source: dataset.source,
    bundled: dataset.bundled,
    numClasses,
    train,
    test,
    examples: { seed: options.seed, indices },
  };
  writeJsonAtomic(path.join(dir, 'stats.json'), stats);
  files.push('stats.json');
  return { stats, files };
}
