/**
 * Fréchet distance between two sets of feature vectors, each summarised by
 * a Gaussian (mean and covariance):
 *
 *   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1^1/2 S2 S1^1/2)
 *
 * The last term equals tr sqrt(S1 S2) (the two matrices share their
 * eigenvalues) but its argument is symmetric positive semi-definite, so it
 * can be taken with a symmetric eigendecomposition instead of a general
 * matrix square root. Everything is float64.
 *
 * On the evaluator's features this is an "MNIST FID": the same formula as
 * the Fréchet Inception Distance, but on a small MNIST classifier rather than
 * Inception-v3, so its values are not comparable with published FIDs.
 */
import { multiplySquare, symmetricEigen, symmetricSqrt } from './symmetric-eigen.js';

/** Mean and covariance of a set of feature vectors (float64). */
export interface GaussianStats {
  /** Number of vectors summarised. */
  count: number;
  /** Length D of each vector. */
  dim: number;
  /** Mean, [D]. */
  mean: Float64Array;
  /** Unbiased covariance (divided by count - 1), [D, D] row-major. */
  covariance: Float64Array;
}

/**
 * Mean and covariance of `features` [count, dim] row-major. At least two
 * vectors are needed for a covariance.
 */
export function gaussianStats(
  features: Float32Array,
  count: number,
  dim: number,
): GaussianStats {
  if (features.length !== count * dim) {
    throw new Error(
      `gaussianStats: expected ${count} x ${dim} = ${count * dim} values, got ${features.length}`,
    );
  }
  if (count < 2) {
    throw new Error(
      `gaussianStats: expected at least 2 vectors for a covariance, got ${count}`,
    );
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) mean[d] += features[i * dim + d];
  }
  for (let d = 0; d < dim; d++) mean[d] /= count;

  // Upper triangle of the centred scatter matrix, mirrored at the end.
  const covariance = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < dim; d++) centred[d] = features[i * dim + d] - mean[d];
    for (let r = 0; r < dim; r++) {
      const x = centred[r];
      if (x === 0) continue;
      const row = r * dim;
      for (let c = r; c < dim; c++) covariance[row + c] += x * centred[c];
    }
  }
  for (let r = 0; r < dim; r++) {
    for (let c = r; c < dim; c++) {
      const value = covariance[r * dim + c] / (count - 1);
      covariance[r * dim + c] = value;
      covariance[c * dim + r] = value;
    }
  }
  return { count, dim, mean, covariance };
}

/** Fréchet distance (squared, as FID is reported) between two Gaussians. */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.dim !== b.dim) {
    throw new Error(
      `frechetDistance: expected equal feature lengths, got ${a.dim} and ${b.dim}`,
    );
  }
  const n = a.dim;
  let meanTerm = 0;
  for (let d = 0; d < n; d++) meanTerm += (a.mean[d] - b.mean[d]) ** 2;
  let traceA = 0;
  let traceB = 0;
  for (let d = 0; d < n; d++) {
    traceA += a.covariance[d * n + d];
    traceB += b.covariance[d * n + d];
  }

  const rootA = symmetricSqrt(a.covariance, n);
  const middle = multiplySquare(multiplySquare(rootA, b.covariance, n), rootA, n);
  const { values } = symmetricEigen(middle, n);
  let traceRoot = 0;
  for (const value of values) traceRoot += Math.sqrt(Math.max(value, 0));

  // Rounding can leave a distance of identical sets a hair below zero.
  return Math.max(meanTerm + traceA + traceB - 2 * traceRoot, 0);
}
