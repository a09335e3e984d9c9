/**
 * Inception Score (Salimans et al., 2016) computed with the evaluation
 * network instead of Inception-v3:
 *
 *   IS = exp( mean over x of KL( p(y | x) || p(y) ) )
 *
 * where p(y) is the mean prediction over the split. It runs from 1 (every
 * image gets the same prediction, or every prediction is uniform) to the
 * number of classes (confident predictions spread evenly over all classes).
 * As in the original, the set is cut into splits (10 by default, in order)
 * and the mean and standard deviation over the splits are reported.
 */

/** Inception Score of a set. */
export interface InceptionScore {
  /** Mean of the per-split scores. */
  mean: number;
  /** Population standard deviation of the per-split scores. */
  std: number;
  /** Number of splits actually used. */
  splits: number;
}

/** Default number of splits, as in the original paper's code. */
export const INCEPTION_SPLITS = 10;

/**
 * Inception Score of `probabilities` [count, classes] row-major. Uses
 * `splits` equal consecutive parts (the last takes the remainder), or fewer
 * when there are fewer images than splits.
 */
export function inceptionScore(
  probabilities: Float32Array,
  count: number,
  classes: number,
  splits = INCEPTION_SPLITS,
): InceptionScore {
  if (probabilities.length !== count * classes || count < 1) {
    throw new Error(
      `inceptionScore: expected ${count} x ${classes} probabilities (count >= 1), got ${probabilities.length}`,
    );
  }
  const parts = Math.max(1, Math.min(splits, count));
  const size = Math.floor(count / parts);
  const scores: number[] = [];
  for (let s = 0; s < parts; s++) {
    const start = s * size;
    const end = s === parts - 1 ? count : start + size;
    scores.push(splitScore(probabilities, start, end, classes));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / parts;
  const variance = scores.reduce((a, b) => a + (b - mean) ** 2, 0) / parts;
  return { mean, std: Math.sqrt(variance), splits: parts };
}

function splitScore(
  p: Float32Array,
  start: number,
  end: number,
  classes: number,
): number {
  const marginal = new Float64Array(classes);
  for (let i = start; i < end; i++) {
    for (let k = 0; k < classes; k++) marginal[k] += p[i * classes + k];
  }
  const rows = end - start;
  for (let k = 0; k < classes; k++) marginal[k] /= rows;
  let kl = 0;
  for (let i = start; i < end; i++) {
    for (let k = 0; k < classes; k++) {
      const pk = p[i * classes + k];
      // 0 * log 0 = 0; marginal[k] >= pk / rows > 0 whenever pk > 0.
      if (pk > 0) kl += pk * (Math.log(pk) - Math.log(marginal[k]));
    }
  }
  return Math.exp(kl / rows);
}
