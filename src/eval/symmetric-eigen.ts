/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method,
 * in float64, and the matrix square root built on it.
 *
 * Jacobi was chosen over faster methods (Householder tridiagonalisation plus
 * QL) because it is short, needs no external library, and is accurate to
 * the last digits for the small matrices used here (128 x 128 covariances):
 * each rotation zeroes one off-diagonal pair, and sweeps over all pairs
 * repeat until the off-diagonal mass is negligible. Matrices are n x n,
 * row-major, in a Float64Array of length n * n.
 */

/** Eigenvalues and eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, in no particular order. */
  values: Float64Array;
  /** Eigenvectors as columns, [n, n] row-major: column j goes with values[j]. */
  vectors: Float64Array;
}

/** Upper bound on sweeps; convergence is quadratic, 6 to 10 are typical. */
const MAX_SWEEPS = 100;

function checkSquare(matrix: Float64Array, n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new Error(
      `${what}: expected an n x n matrix with n = ${n}, got ${matrix.length} values`,
    );
  }
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new Error(
        `${what}: expected finite entries, found ${matrix[i]} at row ${Math.floor(i / n)}, column ${i % n}`,
      );
    }
  }
}

/**
 * Eigendecomposition of the symmetric `matrix` [n, n]. Only the symmetric
 * part (A + A^T) / 2 is used, so rounding asymmetry in the input is harmless.
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  checkSquare(matrix, n, 'symmetricEigen');
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++)
      a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    }
    // Relative test: a zero matrix, or one already diagonal to working
    // precision, stops at once.
    if (off <= 1e-30 * total || off === 0) break;

    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q]; t = tan(angle) is taken as
        // the smaller root, which keeps the rotation below 45 degrees and
        // the update stable.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t =
          (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A <- A R (columns p and q), then A <- R^T A (rows p and q).
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        // V <- V R accumulates the eigenvectors.
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/**
 * Square root of a symmetric positive semi-definite `matrix` [n, n]:
 * V diag(sqrt(lambda)) V^T. Eigenvalues that rounding made slightly negative
 * are taken as 0, as a covariance cannot have negative ones.
 */
export function symmetricSqrt(matrix: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const roots = values.map((value) => Math.sqrt(Math.max(value, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++)
        sum += vectors[i * n + k] * roots[k] * vectors[j * n + k];
      out[i * n + j] = sum;
      out[j * n + i] = sum;
    }
  }
  return out;
}

/** Product of two [n, n] row-major matrices. */
export function multiplySquare(
  a: Float64Array,
  b: Float64Array,
  n: number,
): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}
