import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, describe, it } from 'node:test';

import { decodeIdx, encodeIdx, readIdxFile, writeIdxFile } from '../src/data/idx.js';
import { isUserError } from '../src/util/errors.js';
import { removeDir, tempDir } from './helpers/dataset.js';

const dir = tempDir();
after(() => removeDir(dir));

function expectUserError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'message must be one line');
    return true;
  });
}

describe('IDX', () => {
  it('encodeIdx() and decodeIdx() round-trip uint8 images', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 3, 4], data });
    assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 0x08, 3]);
    const back = decodeIdx(bytes, 'x');
    assert.equal(back.dtype, 'uint8');
    assert.deepEqual(back.shape, [2, 3, 4]);
    assert.deepEqual([...back.data], [...data]);
  });

  it('encodeIdx() and decodeIdx() round-trip float32 with big-endian values', () => {
    const data = Float32Array.from([
      0,
      -1.5,
      3.25,
      Number.MAX_VALUE > 0 ? 1e-30 : 0,
      65504,
      -0,
    ]);
    const bytes = encodeIdx({ dtype: 'float32', shape: [6], data });
    assert.equal(bytes[2], 0x0d);
    // 3.25 is 0x40500000 in big-endian order at value index 2.
    assert.deepEqual([...bytes.subarray(8 + 8, 8 + 12)], [0x40, 0x50, 0, 0]);
    const back = decodeIdx(bytes, 'x');
    assert.deepEqual([...back.data], [...data]);
  });

  it('writeIdxFile() gzips .gz files and readIdxFile() reads them back', () => {
    const file = path.join(dir, 'labels-idx1-ubyte.gz');
    const data = Uint8Array.from([3, 1, 4, 1, 5, 9]);
    writeIdxFile(file, { dtype: 'uint8', shape: [6], data });
    const raw = fs.readFileSync(file);
    assert.deepEqual([raw[0], raw[1]], [0x1f, 0x8b]);
    assert.deepEqual([...readIdxFile(file).data], [...data]);
  });

  it('readIdxFile() reports a missing file', () => {
    expectUserError(
      () => readIdxFile(path.join(dir, 'nope')),
      'IDX_MISSING',
      /file not found/,
    );
  });

  it('decodeIdx() rejects a wrong magic number', () => {
    const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    expectUserError(() => decodeIdx(bytes, 'zip'), 'IDX_BAD_MAGIC', /found 0x504b0304/);
  });

  it('decodeIdx() rejects a truncated file, naming expected and found sizes', () => {
    const bytes = encodeIdx({
      dtype: 'uint8',
      shape: [10, 28, 28],
      data: new Uint8Array(7840),
    });
    expectUserError(
      () => decodeIdx(bytes.subarray(0, 1000), 'train-images'),
      'IDX_TRUNCATED',
      /"train-images": expected 7856 bytes .* found 1000/,
    );
  });

  it('decodeIdx() rejects a truncated header', () => {
    expectUserError(
      () => decodeIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]), 'h'),
      'IDX_TRUNCATED',
      /header/,
    );
  });

  it('decodeIdx() rejects corrupt gzip data', () => {
    const gz = zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]));
    expectUserError(
      () => decodeIdx(gz.subarray(0, gz.length - 6), 'g'),
      'IDX_BAD_GZIP',
      /gzip/,
    );
  });
});
