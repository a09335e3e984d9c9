/**
 * Calibration of the quality metrics: what they say about sets whose
 * quality is known, from real digits (the floor a perfect generator would
 * reach) through damaged digits to noise and collapse (the ceiling).
 */
import { gatherUnitPixels, toFloatPixels } from '../data/batches.js';
import { IMAGE_PIXELS, type Dataset } from '../data/mnist.js';
import { Random } from '../util/random.js';
import { addNoise, gaussianBlur, repeatImage, uniformNoise } from './degrade.js';
import {
  evaluateImages,
  trainSubsetOrder,
  type QualityContext,
  type QualityOptions,
  type QualityReport,
} from './quality.js';

/** One calibration set and its report. */
export interface CalibrationRow {
  /** Short name used in tables. */
  name: string;
  /** What the set is. */
  description: string;
  report: QualityReport;
}

/** Seed of the noise used by the damaged sets. */
const CALIBRATION_SEED = 7;

interface CalibrationSet {
  name: string;
  description: string;
  images: () => Float32Array;
}

function calibrationSets(
  dataset: Dataset,
  reference: { trainSubset: number; seed: number },
): CalibrationSet[] {
  const test = toFloatPixels(dataset.test.images);
  const count = dataset.test.count;
  // Training images outside the memorisation subsample, so their nearest
  // training image is not themselves.
  const { rest } = trainSubsetOrder(
    dataset.train.count,
    reference.trainSubset,
    reference.seed,
  );
  const unseen = rest.subarray(0, Math.min(count, rest.length));
  const ones: number[] = [];
  for (let i = 0; i < count; i++) if (dataset.test.labels[i] === 1) ones.push(i);
  const random = new Random(CALIBRATION_SEED);
  const sets: CalibrationSet[] = [
    {
      name: 'real train',
      description: `${unseen.length} training images outside the memorisation subsample`,
      images: () => gatherUnitPixels(dataset.train.images, unseen),
    },
    {
      name: 'real test',
      description: 'the test set itself (FID 0 by construction)',
      images: () => test,
    },
    {
      name: 'test + noise 0.1',
      description: 'test images plus Gaussian pixel noise, std 0.1, clipped',
      images: () => addNoise(test, 0.1, random),
    },
    {
      name: 'test + noise 0.3',
      description: 'test images plus Gaussian pixel noise, std 0.3, clipped',
      images: () => addNoise(test, 0.3, random),
    },
    {
      name: 'test blur 1',
      description: 'test images blurred, Gaussian sigma 1 pixel',
      images: () => gaussianBlur(test, 1),
    },
    {
      name: 'test blur 2',
      description: 'test images blurred, Gaussian sigma 2 pixels',
      images: () => gaussianBlur(test, 2),
    },
    {
      name: 'only 1s',
      description: `the ${ones.length} test images of class 1`,
      images: () => gatherUnitPixels(dataset.test.images, ones),
    },
    {
      name: 'one digit',
      description: `test image 0 (a ${dataset.test.labels[0]}) repeated ${count} times`,
      images: () => repeatImage(test, 0, count),
    },
    {
      name: 'uniform noise',
      description: `${count} images of uniform noise in [0, 1]`,
      images: () => uniformNoise(count, random),
    },
  ];
  return sets;
}

/**
 * Evaluates every calibration set against `context`'s reference.
 * `reference` must be the options `context.reference` was prepared with,
 * so that the "real train" set avoids the memorisation subsample.
 * `onRow` is called as each row is done.
 */
export function runCalibration(
  dataset: Dataset,
  context: QualityContext,
  reference: { trainSubset: number; seed: number },
  options: QualityOptions = {},
  onRow?: (row: CalibrationRow) => void,
): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (const set of calibrationSets(dataset, reference)) {
    const images = set.images();
    // A small --data folder can leave a set with fewer than two images.
    if (images.length < 2 * IMAGE_PIXELS) continue;
    const row = {
      name: set.name,
      description: set.description,
      report: evaluateImages(images, context, options),
    };
    rows.push(row);
    onRow?.(row);
  }
  return rows;
}
