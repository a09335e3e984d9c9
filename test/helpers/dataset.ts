/**
 * Small synthetic datasets in MNIST's layout, written to a temporary folder,
 * for tests that must not depend on the 55 MB of real MNIST.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { writeIdxFile } from '../../src/data/idx.js';
import { SPLIT_FILES } from '../../src/data/mnist.js';

/** A fresh temporary folder, removed by the caller with {@link removeDir}. */
export function tempDir(prefix = 'mnist-gan-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Draws `count` 28x28 images whose class is readable from the pixels: class
 * k lights a horizontal bar at rows 2k+3 and 2k+4 (plus a little noise), so a
 * classifier can learn them in a few epochs.
 */
export function syntheticDigits(
  count: number,
  seed = 1,
): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const label = i % 10;
    labels[i] = label;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(next() * 40);
    for (const row of [2 * label + 3, 2 * label + 4]) {
      for (let col = 4; col < 24; col++)
        images[i * 784 + row * 28 + col] = 200 + Math.floor(next() * 55);
    }
  }
  return { images, labels };
}

/** Writes a synthetic dataset (train and test splits) into `dir`. */
export function writeSyntheticDataset(
  dir: string,
  trainCount = 200,
  testCount = 50,
): void {
  fs.mkdirSync(dir, { recursive: true });
  const train = syntheticDigits(trainCount, 1);
  const test = syntheticDigits(testCount, 2);
  const splits = [
    [train, trainCount, SPLIT_FILES.trainImages, SPLIT_FILES.trainLabels],
    [test, testCount, SPLIT_FILES.testImages, SPLIT_FILES.testLabels],
  ] as const;
  for (const [set, count, imagesFile, labelsFile] of splits) {
    writeIdxFile(path.join(dir, imagesFile), {
      dtype: 'uint8',
      shape: [count, 28, 28],
      data: set.images,
    });
    writeIdxFile(path.join(dir, labelsFile), {
      dtype: 'uint8',
      shape: [count],
      data: set.labels,
    });
  }
}

/** Captures what a command prints, for `main(argv, io)`. */
export function captureIo(): {
  io: { out: (l: string) => void; err: (l: string) => void; interactive: boolean };
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (l) => out.push(l), err: (l) => err.push(l), interactive: false },
    out,
    err,
  };
}
