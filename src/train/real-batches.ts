/**
 * Batches of real digits for the discriminator, as the generator's tanh
 * output expects them: [B, 784] float32 in [-1, 1].
 */
import { gatherImages } from '../data/batches.js';
import { IMAGE_PIXELS } from '../data/mnist.js';
import type { Random } from '../util/random.js';

/**
 * Draws `batchSize` rows of `pixels` ([count, 784], already in [-1, 1]) at
 * random indices, with replacement. Returns a Float32Array [batchSize * 784].
 *
 * Porting note: the tutorial picks each batch with
 * `np.random.randint(0, 60000, size=128)`, so an epoch of 468 batches sees
 * some images twice and misses about a third of them; this keeps that
 * behaviour (rather than a shuffled pass without replacement) so runs follow
 * the case study as published.
 */
export function sampleRealBatch(
  pixels: Float32Array,
  count: number,
  batchSize: number,
  random: Random,
): Float32Array {
  if (count < 1 || pixels.length < count * IMAGE_PIXELS) {
    throw new Error(
      `sampling a real batch: expected ${count} images of ${IMAGE_PIXELS} pixels, ` +
        `found ${pixels.length} pixels`,
    );
  }
  const indices = new Int32Array(batchSize);
  for (let row = 0; row < batchSize; row++) indices[row] = random.int(count);
  return gatherImages(pixels, indices, 0, batchSize);
}

/** Maps generator output in [-1, 1] to ink intensity in [0, 1], in place. */
export function toUnitRange(pixels: Float32Array): Float32Array {
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = Math.min(1, Math.max(0, (pixels[i] + 1) / 2));
  }
  return pixels;
}
