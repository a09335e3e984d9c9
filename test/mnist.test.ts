import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

import { writeIdxFile } from '../src/data/idx.js';
import { classCounts, loadDataset, SPLIT_FILES } from '../src/data/mnist.js';
import { isUserError } from '../src/util/errors.js';
import { removeDir, tempDir, writeSyntheticDataset } from './helpers/dataset.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function dataset(): string {
  const dir = tempDir();
  dirs.push(dir);
  writeSyntheticDataset(dir, 30, 10);
  return dir;
}

function expectCode(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('loadDataset()', () => {
  it('loads the bundled MNIST: 60,000 and 10,000 digits with verified checksums', () => {
    const data = loadDataset();
    assert.equal(data.bundled, true);
    assert.equal(data.train.count, 60000);
    assert.equal(data.test.count, 10000);
    assert.equal(data.train.images.length, 60000 * 784);
    // Known facts of MNIST: the first training digit is a 5, the first test digit a 7.
    assert.equal(data.train.labels[0], 5);
    assert.equal(data.test.labels[0], 7);
    assert.deepEqual(
      classCounts(data.train, 10),
      [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    );
  });

  it('loads a dataset from --data and honours limits', () => {
    const data = loadDataset({ dataDir: dataset(), trainLimit: 12 });
    assert.equal(data.bundled, false);
    assert.equal(data.train.count, 12);
    assert.equal(data.test.count, 10);
  });

  it('reports a missing folder and a missing file', () => {
    expectCode(
      () => loadDataset({ dataDir: '/no/such/dir' }),
      'DATA_MISSING',
      /folder not found/,
    );
    const dir = dataset();
    fs.rmSync(path.join(dir, SPLIT_FILES.testLabels));
    expectCode(
      () => loadDataset({ dataDir: dir }),
      'DATA_MISSING',
      /t10k-labels-idx1-ubyte/,
    );
  });

  it('rejects image and label counts that differ', () => {
    const dir = dataset();
    writeIdxFile(path.join(dir, SPLIT_FILES.trainLabels), {
      dtype: 'uint8',
      shape: [29],
      data: new Uint8Array(29),
    });
    expectCode(
      () => loadDataset({ dataDir: dir }),
      'DATA_COUNT_MISMATCH',
      /30 images .* 29 labels/,
    );
  });

  it('rejects labels out of range', () => {
    const dir = dataset();
    const labels = new Uint8Array(10);
    labels[4] = 12;
    writeIdxFile(path.join(dir, SPLIT_FILES.testLabels), {
      dtype: 'uint8',
      shape: [10],
      data: labels,
    });
    expectCode(
      () => loadDataset({ dataDir: dir }),
      'DATA_LABEL_RANGE',
      /0 to 9, found 12 at index 4/,
    );
  });

  it('rejects images of the wrong size', () => {
    const dir = dataset();
    writeIdxFile(path.join(dir, SPLIT_FILES.testImages), {
      dtype: 'uint8',
      shape: [10, 32, 32],
      data: new Uint8Array(10 * 32 * 32),
    });
    expectCode(
      () => loadDataset({ dataDir: dir }),
      'DATA_BAD_SIZE',
      /28x28 images, found 32x32/,
    );
  });

  it('rejects a labels file given where images belong', () => {
    const dir = dataset();
    fs.copyFileSync(
      path.join(dir, SPLIT_FILES.trainLabels),
      path.join(dir, SPLIT_FILES.trainImages),
    );
    expectCode(
      () => loadDataset({ dataDir: dir }),
      'DATA_BAD_IMAGES',
      /\[N, 28, 28\], found uint8 \[30\]/,
    );
  });
});
