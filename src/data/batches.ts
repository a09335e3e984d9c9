/**
 * Turning uint8 digits into float batches for training.
 */
import { IMAGE_PIXELS } from './mnist.js';

/** Pixel range a model expects: [0, 1] (classifier) or [-1, 1] (GAN, tanh). */
export type PixelRange = 'unit' | 'symmetric';

/** Converts uint8 pixels to float32 in the requested range. */
export function toFloatPixels(
  images: Uint8Array,
  range: PixelRange = 'unit',
): Float32Array {
  const out = new Float32Array(images.length);
  if (range === 'unit') {
    for (let i = 0; i < images.length; i++) out[i] = images[i] / 255;
  } else {
    for (let i = 0; i < images.length; i++) out[i] = images[i] / 127.5 - 1;
  }
  return out;
}

/**
 * Copies the images at `indices[start .. start + size)` of `pixels`
 * ([N, 784] row-major) into a new [size, 784] array.
 */
export function gatherImages(
  pixels: Float32Array,
  indices: ArrayLike<number>,
  start: number,
  size: number,
): Float32Array {
  const out = new Float32Array(size * IMAGE_PIXELS);
  for (let row = 0; row < size; row++) {
    const from = indices[start + row] * IMAGE_PIXELS;
    out.set(pixels.subarray(from, from + IMAGE_PIXELS), row * IMAGE_PIXELS);
  }
  return out;
}

/** Copies the uint8 images at `indices` of `pixels` into [0, 1] floats, [K, 784]. */
export function gatherUnitPixels(
  pixels: Uint8Array,
  indices: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(indices.length * IMAGE_PIXELS);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i] * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++)
      out[i * IMAGE_PIXELS + p] = pixels[start + p] / 255;
  }
  return out;
}

/** One-hot encodes `labels` into a [N, numClasses] array. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) out[i * numClasses + labels[i]] = 1;
  return out;
}
