/**
 * Deterministic choice of example images per class, for figures such as the
 * "MNIST data example" grid (ten examples of each digit, one row per digit).
 */
import type { DigitSet } from './mnist.js';

/**
 * Mulberry32: a small, fast 32-bit generator. Good enough to pick examples
 * reproducibly; not for anything that needs statistical strength.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks up to `perClass` image indices of each class of `set`, at random but
 * fully determined by `seed`. Result[c] lists the chosen indices of class c
 * in ascending order; a class with fewer images gives all it has.
 *
 * ```ts
 * const rows = pickExamplesPerClass(dataset.train, 10, 10, 0); // 10 x 10
 * ```
 */
export function pickExamplesPerClass(
  set: DigitSet,
  numClasses: number,
  perClass: number,
  seed: number,
): number[][] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let n = 0; n < set.count; n++) byClass[set.labels[n]].push(n);

  // A partial Fisher-Yates shuffle per class; each class draws from the same
  // generator in class order, so one seed fixes the whole selection.
  const random = mulberry32(seed);
  return byClass.map((indices) => {
    const take = Math.min(perClass, indices.length);
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(random() * (indices.length - i));
      [indices[i], indices[j]] = [indices[j], indices[i]];
    }
    return indices.slice(0, take).sort((a, b) => a - b);
  });
}
