/**
 * Controlled damage to digit images, for calibrating the metrics and for
 * testing that they respond: Gaussian blur, additive noise, pure noise and
 * a single repeated digit. Images are [N * 784] floats in [0, 1].
 */
import { IMAGE_PIXELS, IMAGE_SIZE } from '../data/mnist.js';
import type { Random } from '../util/random.js';

/**
 * Blurs each 28x28 image with a Gaussian of standard deviation `sigma`
 * pixels (separable, kernel radius ceil(3 sigma), zero outside the image,
 * which is MNIST's background). Returns a new array.
 */
export function gaussianBlur(images: Float32Array, sigma: number): Float32Array {
  if (!(sigma > 0)) throw new Error(`gaussianBlur: expected sigma > 0, got ${sigma}`);
  const radius = Math.ceil(3 * sigma);
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) {
    weights[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
    total += weights[i + radius];
  }
  for (let i = 0; i < weights.length; i++) weights[i] /= total;

  const out = new Float32Array(images.length);
  const rowPass = new Float64Array(IMAGE_PIXELS);
  for (let offset = 0; offset < images.length; offset += IMAGE_PIXELS) {
    // Horizontal pass into rowPass, then vertical pass into out.
    for (let y = 0; y < IMAGE_SIZE; y++) {
      for (let x = 0; x < IMAGE_SIZE; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const xx = x + k;
          if (xx >= 0 && xx < IMAGE_SIZE) {
            sum += weights[k + radius] * images[offset + y * IMAGE_SIZE + xx];
          }
        }
        rowPass[y * IMAGE_SIZE + x] = sum;
      }
    }
    for (let y = 0; y < IMAGE_SIZE; y++) {
      for (let x = 0; x < IMAGE_SIZE; x++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const yy = y + k;
          if (yy >= 0 && yy < IMAGE_SIZE)
            sum += weights[k + radius] * rowPass[yy * IMAGE_SIZE + x];
        }
        out[offset + y * IMAGE_SIZE + x] = sum;
      }
    }
  }
  return out;
}

/**
 * Adds Gaussian noise of standard deviation `std` to every pixel, clipped
 * back to [0, 1]. Returns a new array.
 */
export function addNoise(
  images: Float32Array,
  std: number,
  random: Random,
): Float32Array {
  const out = random.fillNormal(new Float32Array(images.length), 0, std);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.min(1, Math.max(0, images[i] + out[i]));
  return out;
}

/** `count` images of independent uniform noise in [0, 1]. */
export function uniformNoise(count: number, random: Random): Float32Array {
  return random.fillUniform(new Float32Array(count * IMAGE_PIXELS));
}

/** Image `index` of `images` repeated `count` times. */
export function repeatImage(
  images: Float32Array,
  index: number,
  count: number,
): Float32Array {
  const image = images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS);
  if (image.length !== IMAGE_PIXELS) {
    throw new Error(`repeatImage: image ${index} is out of range`);
  }
  const out = new Float32Array(count * IMAGE_PIXELS);
  for (let i = 0; i < count; i++) out.set(image, i * IMAGE_PIXELS);
  return out;
}
