import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { main } from '../src/cli/cli.js';
import { writeIdxFile } from '../src/data/idx.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      interactive: false,
    },
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-gan-evaluate-'));

async function expectUserError(argv: string[], pattern: RegExp): Promise<void> {
  const { out, err, io } = capture();
  const code = await main(argv, io);
  assert.equal(code, 2, `exit code for ${argv.join(' ')}`);
  assert.equal(err.length, 1, `stderr: ${err.join(' | ')}`);
  assert.equal(err[0].split('\n').length, 1, 'one line');
  assert.match(err[0], /^mnist-gan evaluate: error: /);
  assert.match(err[0], pattern);
  assert.deepEqual(out, []);
}

test('evaluate exits 2 with one line on a file that is not IDX', async () => {
  const file = path.join(dir, 'garbage.idx');
  fs.writeFileSync(file, 'these bytes are not an IDX header');
  await expectUserError(['evaluate', file], /expected an IDX magic number/);
});

test('evaluate exits 2 with one line on a truncated IDX file', async () => {
  const file = path.join(dir, 'truncated.idx');
  writeIdxFile(file, {
    dtype: 'uint8',
    shape: [4, 28, 28],
    data: new Uint8Array(4 * 784),
  });
  fs.truncateSync(file, 100);
  await expectUserError(['evaluate', file], /file truncated/);
});

test('evaluate exits 2 with one line on IDX of the wrong shape or type', async () => {
  const small = path.join(dir, 'small.idx');
  writeIdxFile(small, { dtype: 'uint8', shape: [3, 5, 5], data: new Uint8Array(75) });
  await expectUserError(
    ['evaluate', small],
    /expected at least 2 digits of 28x28, found 3 of 5x5/,
  );
  const labels = path.join(dir, 'labels.idx');
  writeIdxFile(labels, { dtype: 'uint8', shape: [10], data: new Uint8Array(10) });
  await expectUserError(
    ['evaluate', labels],
    /expected uint8 digits of shape \[N, 28, 28\], found uint8 \[10\]/,
  );
});

test('evaluate exits 2 with one line on a missing path or a run without checkpoints', async () => {
  await expectUserError(
    ['evaluate', path.join(dir, 'absent.idx')],
    /no such file or folder/,
  );
  await expectUserError(['evaluate', dir], /found none/);
  await expectUserError(['evaluate'], /expected one IDX file or run folder/);
});

test('evaluate exits 2 with one line on bad flags', async () => {
  const file = path.join(dir, 'any.idx');
  await expectUserError(
    ['evaluate', file, '--samples', '1'],
    /--samples: expected at least 2, got 1/,
  );
  await expectUserError(
    ['evaluate', file, '--threshold', 'high'],
    /--threshold: expected a number/,
  );
  await expectUserError(['evaluate', '--calibrate', file], /--calibrate takes no path/);
});
