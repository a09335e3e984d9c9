/**
 * `mnist-gan explore`: a first look at the dataset before any training.
 * Writes example digits, class balance, pixel statistics and mean images
 * into a run folder and prints a short summary.
 */
import { loadDataset } from '../../data/mnist.js';
import type { SplitStats } from '../../data/stats.js';
import { writeDatasetReport } from '../../report/dataset-report.js';
import { UserError } from '../../util/errors.js';
import { defaultRunDir, ensureDir, writeConfig } from '../../util/run-dir.js';
import {
  COMMON_OPTIONS,
  intOption,
  optionalInt,
  optionalString,
  type Command,
} from '../options.js';

/** A share in [0, 1] as a percentage with two decimals. */
function percent(share: number): string {
  return `${(100 * share).toFixed(2)}%`;
}

/** E.g. "60000 images, class share 9.04% (class 5) to 11.24% (class 1)". */
function describeSplit(stats: SplitStats): string {
  if (stats.count === 0) return '0 images';
  const shares = stats.classShares;
  const low = shares.indexOf(Math.min(...shares));
  const high = shares.indexOf(Math.max(...shares));
  return (
    `${stats.count} images, class share ${percent(shares[low])} (class ${low}) ` +
    `to ${percent(shares[high])} (class ${high})`
  );
}

/** The `explore` command: dataset overview files and a printed summary. */
export const exploreCommand: Command = {
  name: 'explore',
  summary: 'Look at the dataset: examples, class balance, pixel statistics',
  description:
    'Loads the dataset and writes examples.png (a row of examples per class), ' +
    'class-balance.svg/.png, pixels.svg/.png (intensity histogram), mean-digit.png ' +
    'and stats.json into the run folder, then prints a summary.',
  options: {
    out: COMMON_OPTIONS.out,
    data: COMMON_OPTIONS.data,
    seed: {
      type: 'string',
      valueName: 'N',
      default: '0',
      description: 'Seed that picks the example digits',
    },
    'per-class': {
      type: 'string',
      valueName: 'N',
      default: '10',
      description: 'Examples per class in examples.png',
    },
    'train-limit': {
      type: 'string',
      valueName: 'N',
      description: 'Use only the first N training images (default: all)',
    },
    'test-limit': {
      type: 'string',
      valueName: 'N',
      description: 'Use only the first N test images (default: all)',
    },
    help: COMMON_OPTIONS.help,
  },

  async run(values, _positionals, io) {
    const seed = intOption(values, 'seed', { min: 0, max: 2 ** 32 - 1 });
    const perClass = intOption(values, 'per-class', { min: 1, max: 100 });
    const trainLimit = optionalInt(values, 'train-limit', { min: 1 });
    const testLimit = optionalInt(values, 'test-limit', { min: 1 });
    const dataDir = optionalString(values, 'data');
    const out = optionalString(values, 'out') ?? defaultRunDir('explore');

    // Load before creating the run folder, so bad data leaves nothing behind.
    const dataset = loadDataset({ dataDir, trainLimit, testLimit });
    try {
      ensureDir(out);
    } catch (error) {
      throw new UserError(
        'OUT_UNWRITABLE',
        `creating run folder "${out}": ${(error as Error).message} (choose another --out)`,
      );
    }
    writeConfig(out, {
      command: 'explore',
      data: dataset.source,
      bundled: dataset.bundled,
      seed,
      perClass,
      trainLimit: trainLimit ?? null,
      testLimit: testLimit ?? null,
    });

    const { stats, files } = await writeDatasetReport(dataset, out, { seed, perClass });
    io.out(
      `dataset: ${dataset.bundled ? 'bundled MNIST' : dataset.source}, ${stats.numClasses} classes`,
    );
    io.out(`train: ${describeSplit(stats.train)}`);
    io.out(`test:  ${describeSplit(stats.test)}`);
    io.out(
      `pixels (train, in [0, 1]): mean ${stats.train.pixelMean.toFixed(4)}, ` +
        `std ${stats.train.pixelStd.toFixed(4)}, blank ${percent(stats.train.zeroShare)}`,
    );
    io.out(`wrote ${out}: ${['config.json', ...files].join(', ')}`);
  },
};
