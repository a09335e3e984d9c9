/**
 * Descriptive statistics of a dataset split: class counts and shares, pixel
 * intensity distribution, mean images. Pixels are read as intensities in
 * [0, 1] (value / 255), the scale the models train on.
 */
import { IMAGE_PIXELS, classCounts, type DigitSet } from './mnist.js';

/** Gray levels of an 8-bit pixel. */
const LEVELS = 256;

/** Statistics of one split. */
export interface SplitStats {
  count: number;
  /** Images per class, index = class. */
  classCounts: number[];
  /** Share of the split per class, in [0, 1]; all 0 for an empty split. */
  classShares: number[];
  /** Mean pixel intensity in [0, 1] over every pixel of every image. */
  pixelMean: number;
  /** Population standard deviation of pixel intensity, in [0, 1] units. */
  pixelStd: number;
  /** Share of pixels that are exactly 0 (blank background). */
  zeroShare: number;
  /** How many pixels hold each gray level 0..255 (length 256). */
  levelCounts: number[];
}

/**
 * Counts classes and gray levels of `set` and derives mean, standard
 * deviation and blank share from the level counts (exact, one pass).
 */
export function splitStats(set: DigitSet, numClasses: number): SplitStats {
  const levels = new Float64Array(LEVELS);
  const pixels = set.images.subarray(0, set.count * IMAGE_PIXELS);
  for (let i = 0; i < pixels.length; i++) levels[pixels[i]] += 1;

  // Sums over 256 levels instead of 47 million pixels keep the float error
  // of the mean and variance negligible.
  let sum = 0;
  let sumSquares = 0;
  for (let level = 0; level < LEVELS; level++) {
    const value = level / 255;
    sum += levels[level] * value;
    sumSquares += levels[level] * value * value;
  }
  const total = pixels.length;
  const mean = total === 0 ? 0 : sum / total;
  const variance = total === 0 ? 0 : Math.max(0, sumSquares / total - mean * mean);
  const counts = classCounts(set, numClasses);
  return {
    count: set.count,
    classCounts: counts,
    classShares: counts.map((c) => (set.count === 0 ? 0 : c / set.count)),
    pixelMean: mean,
    pixelStd: Math.sqrt(variance),
    zeroShare: total === 0 ? 0 : levels[0] / total,
    levelCounts: Array.from(levels),
  };
}

/**
 * Mean image of the images whose label is `label` (all images when `label`
 * is undefined): [28, 28] intensities in [0, 1]. All zeros when none match.
 */
export function meanImage(set: DigitSet, label?: number): Float32Array {
  const sums = new Float64Array(IMAGE_PIXELS);
  let matched = 0;
  for (let n = 0; n < set.count; n++) {
    if (label !== undefined && set.labels[n] !== label) continue;
    matched += 1;
    const offset = n * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++) sums[p] += set.images[offset + p];
  }
  const mean = new Float32Array(IMAGE_PIXELS);
  if (matched === 0) return mean;
  for (let p = 0; p < IMAGE_PIXELS; p++) mean[p] = sums[p] / (matched * 255);
  return mean;
}

/**
 * Groups the 256 level counts into `bins` equal bins over [0, 1]. Returns the
 * bin edges (length bins + 1) and the count per bin. `bins` must divide 256.
 */
export function binLevels(
  levelCounts: readonly number[],
  bins: number,
): { edges: number[]; counts: number[] } {
  if (!Number.isInteger(bins) || bins < 1 || LEVELS % bins !== 0) {
    throw new RangeError(`binning gray levels: expected a divisor of 256, got ${bins}`);
  }
  const width = LEVELS / bins;
  const counts = new Array<number>(bins).fill(0);
  levelCounts.forEach((count, level) => {
    counts[Math.floor(level / width)] += count;
  });
  const edges = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  return { edges, counts };
}
