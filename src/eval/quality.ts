/**
 * The quality report of a set of generated digits: every metric of this
 * folder computed against the real MNIST test set, through one evaluator.
 *
 * Use: `const context = await prepareQuality({ dataset })` once (it loads the
 * evaluator and summarises the real images), then
 * `evaluateImages(images, context)` for each set, e.g. once per epoch.
 */
import { gatherUnitPixels, toFloatPixels } from '../data/batches.js';
import type { Dataset } from '../data/mnist.js';
import { IMAGE_PIXELS } from '../data/mnist.js';
import { UserError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { classCoverage, type ClassCoverage } from './class-coverage.js';
import { CONFIDENCE_THRESHOLD, confidentShare } from './confidence.js';
import {
  EVALUATOR_CLASSES,
  EVALUATOR_FEATURES,
  classifyImages,
  loadEvaluator,
  type Evaluator,
} from './evaluator.js';
import { frechetDistance, gaussianStats, type GaussianStats } from './frechet.js';
import {
  INCEPTION_SPLITS,
  inceptionScore,
  type InceptionScore,
} from './inception-score.js';
import { median, nearestDistances } from './nearest-neighbour.js';

/** Options of the reference summary. */
export interface ReferenceOptions {
  /** Training images the memorisation check compares with. Default 10000. */
  trainSubset?: number;
  /** Seed choosing that subsample. Default 0. */
  seed?: number;
  /** Images (samples and real) whose nearest distance is measured. Default 1000. */
  nearestSamples?: number;
}

/** Defaults of {@link ReferenceOptions}. */
export const REFERENCE_DEFAULTS = { trainSubset: 10000, seed: 0, nearestSamples: 1000 };

/** What generated images are compared with, computed once. */
export interface QualityReference {
  /** Evaluator-feature statistics of the real test images. */
  testStats: GaussianStats;
  /** Indices of the training images used by the memorisation check. */
  trainIndices: Int32Array;
  /** Those training images, [M * 784] in [0, 1]. */
  trainImages: Float32Array;
  /** Median distance from the first `nearestSamples` test images to them. */
  realNearestMedian: number;
  /** Images whose nearest distance is measured, in each set. */
  nearestSamples: number;
}

/** An evaluator and a reference: all {@link evaluateImages} needs. */
export interface QualityContext {
  evaluator: Evaluator;
  reference: QualityReference;
}

/** Options of {@link evaluateImages}. */
export interface QualityOptions {
  /** Splits of the Inception Score. Default 10. */
  splits?: number;
  /** Probability above which a prediction is confident. Default 0.9. */
  confidenceThreshold?: number;
}

/** The numbers that judge a set of digits. */
export interface QualityReport {
  /** Images evaluated. */
  count: number;
  /** Fréchet distance of evaluator features to the test set (MNIST FID). */
  fid: number;
  /** Inception Score with the evaluator. */
  inceptionScore: InceptionScore;
  /** Histogram of predicted classes. */
  coverage: ClassCoverage;
  /** Share of images predicted with probability above the threshold. */
  confidentShare: number;
  confidenceThreshold: number;
  memorisation: {
    /** Samples measured (the first ones of the set). */
    samples: number;
    /** Training images compared with. */
    trainingImages: number;
    /** Median pixel distance of a sample to its nearest training image. */
    sampleMedian: number;
    /** The same for real test images: what "not copied" looks like. */
    realMedian: number;
    /** sampleMedian / realMedian; well below 1 suggests copying. */
    ratio: number;
  };
}

/**
 * The seeded choice of `size` distinct training indices out of `total`
 * (the first `size` of a shuffled order; the rest of that order is returned
 * too, for sets that must not overlap the subsample).
 */
export function trainSubsetOrder(
  total: number,
  size: number,
  seed: number,
): { chosen: Int32Array; rest: Int32Array } {
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  new Random(seed).shuffle(order);
  const cut = Math.min(size, total);
  return { chosen: order.slice(0, cut), rest: order.slice(cut) };
}

/** Summarises the real images of `dataset` for {@link evaluateImages}. */
export function prepareReference(
  evaluator: Evaluator,
  dataset: Dataset,
  options: ReferenceOptions = {},
): QualityReference {
  const settings = { ...REFERENCE_DEFAULTS, ...options };
  const test = toFloatPixels(dataset.test.images);
  const outputs = classifyImages(evaluator, test);
  const testStats = gaussianStats(outputs.features, outputs.count, EVALUATOR_FEATURES);

  const { chosen } = trainSubsetOrder(
    dataset.train.count,
    settings.trainSubset,
    settings.seed,
  );
  const trainImages = gatherUnitPixels(dataset.train.images, chosen);
  const nearestSamples = Math.min(settings.nearestSamples, dataset.test.count);
  const realNearest = nearestDistances(
    test.subarray(0, nearestSamples * IMAGE_PIXELS),
    trainImages,
  );
  return {
    testStats,
    trainIndices: chosen,
    trainImages,
    realNearestMedian: median(realNearest),
    nearestSamples,
  };
}

/** Loads an evaluator (default: the shipped one) and summarises `dataset`. */
export async function prepareQuality(
  dataset: Dataset,
  options: ReferenceOptions & { evaluatorDir?: string } = {},
): Promise<QualityContext> {
  const evaluator = await loadEvaluator(options.evaluatorDir);
  return { evaluator, reference: prepareReference(evaluator, dataset, options) };
}

/**
 * Scores `images` [N * 784], pixels in [0, 1], N >= 2. Map a generator's
 * tanh output with (x + 1) / 2 first.
 */
export function evaluateImages(
  images: Float32Array,
  context: QualityContext,
  options: QualityOptions = {},
): QualityReport {
  const splits = options.splits ?? INCEPTION_SPLITS;
  const threshold = options.confidenceThreshold ?? CONFIDENCE_THRESHOLD;
  const { reference } = context;
  if (images.length < 2 * IMAGE_PIXELS || images.length % IMAGE_PIXELS !== 0) {
    throw new UserError(
      'EVAL_TOO_FEW',
      `evaluating images: expected at least 2 whole images of ${IMAGE_PIXELS} pixels, got ${images.length} values`,
    );
  }
  const outputs = classifyImages(context.evaluator, images);
  const { count, probabilities } = outputs;

  const stats = gaussianStats(outputs.features, count, EVALUATOR_FEATURES);
  const measured = Math.min(reference.nearestSamples, count);
  const nearest = nearestDistances(
    images.subarray(0, measured * IMAGE_PIXELS),
    reference.trainImages,
  );
  const sampleMedian = median(nearest);
  return {
    count,
    fid: frechetDistance(stats, reference.testStats),
    inceptionScore: inceptionScore(probabilities, count, EVALUATOR_CLASSES, splits),
    coverage: classCoverage(probabilities, count, EVALUATOR_CLASSES),
    confidentShare: confidentShare(probabilities, count, EVALUATOR_CLASSES, threshold),
    confidenceThreshold: threshold,
    memorisation: {
      samples: measured,
      trainingImages: reference.trainIndices.length,
      sampleMedian,
      realMedian: reference.realNearestMedian,
      ratio: sampleMedian / reference.realNearestMedian,
    },
  };
}

/** The headline numbers of a report as one flat record, e.g. for metrics.jsonl. */
export type QualitySummary = {
  fid: number;
  inceptionScore: number;
  inceptionScoreStd: number;
  classEntropyBits: number;
  maxClassShare: number;
  minClassShare: number;
  confidentShare: number;
  nearestTrainMedian: number;
  nearestTrainRatio: number;
};

/** Flattens `report` to its {@link QualitySummary}. */
export function qualitySummary(report: QualityReport): QualitySummary {
  return {
    fid: report.fid,
    inceptionScore: report.inceptionScore.mean,
    inceptionScoreStd: report.inceptionScore.std,
    classEntropyBits: report.coverage.entropyBits,
    maxClassShare: report.coverage.maxShare,
    minClassShare: report.coverage.minShare,
    confidentShare: report.confidentShare,
    nearestTrainMedian: report.memorisation.sampleMedian,
    nearestTrainRatio: report.memorisation.ratio,
  };
}
