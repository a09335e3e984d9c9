/**
 * Class coverage of a set of digits: which digits the evaluator sees in it.
 * A generator that collapses onto a few modes shows a peaked histogram, a
 * low entropy and a smallest share near zero.
 */

/** Histogram of predicted classes and its summaries. */
export interface ClassCoverage {
  /** Images predicted as each class (argmax of the probabilities). */
  counts: number[];
  /** counts / total, each 0 to 1. */
  shares: number[];
  /** Entropy of the shares in bits: 0 (one class) to log2(classes). */
  entropyBits: number;
  /** Largest share and its class. */
  maxShare: number;
  maxClass: number;
  /** Smallest share and its class. */
  minShare: number;
  minClass: number;
}

/** Index of the largest entry of `row` (the first one on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/** Class coverage of `probabilities` [count, classes] row-major. */
export function classCoverage(
  probabilities: Float32Array,
  count: number,
  classes: number,
): ClassCoverage {
  if (probabilities.length !== count * classes || count < 1) {
    throw new Error(
      `classCoverage: expected ${count} x ${classes} probabilities (count >= 1), got ${probabilities.length}`,
    );
  }
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i++) {
    counts[argmax(probabilities.subarray(i * classes, (i + 1) * classes))] += 1;
  }
  const shares = counts.map((c) => c / count);
  let entropyBits = 0;
  for (const share of shares) if (share > 0) entropyBits -= share * Math.log2(share);
  const maxClass = argmax(shares);
  const minClass = argmax(shares.map((share) => -share));
  return {
    counts,
    shares,
    entropyBits,
    maxShare: shares[maxClass],
    maxClass,
    minShare: shares[minClass],
    minClass,
  };
}
