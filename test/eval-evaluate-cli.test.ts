import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { main } from '../src/cli/cli.js';
import { writeIdxFile } from '../src/data/idx.js';
import { SPLIT_FILES, loadDataset, type DigitSet } from '../src/data/mnist.js';
import { buildDiscriminator, buildGenerator } from '../src/models/gan.js';
import { writeCheckpoint } from '../src/train/checkpoint.js';
import { GanTrainer } from '../src/train/gan-step.js';
import { Random } from '../src/util/random.js';

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

/** A small MNIST-like dataset folder, so the reference is quick to build. */
function smallDataset(): string {
  const data = path.join(dir, 'small-mnist');
  const mnist = loadDataset({ trainLimit: 600, testLimit: 300 });
  const images = (set: DigitSet) => ({
    dtype: 'uint8' as const,
    shape: [set.count, 28, 28],
    data: set.images,
  });
  const labels = (set: DigitSet) => ({
    dtype: 'uint8' as const,
    shape: [set.count],
    data: set.labels,
  });
  writeIdxFile(path.join(data, SPLIT_FILES.trainImages), images(mnist.train));
  writeIdxFile(path.join(data, SPLIT_FILES.trainLabels), labels(mnist.train));
  writeIdxFile(path.join(data, SPLIT_FILES.testImages), images(mnist.test));
  writeIdxFile(path.join(data, SPLIT_FILES.testLabels), labels(mnist.test));
  return data;
}

test('evaluate scores an IDX file of digits and writes quality.json', async () => {
  const data = smallDataset();
  const file = path.join(dir, 'digits.idx');
  const mnist = loadDataset({ trainLimit: 1, testLimit: 300 });
  writeIdxFile(file, { dtype: 'uint8', shape: [300, 28, 28], data: mnist.test.images });
  const out = path.join(dir, 'idx-out');
  const { out: lines, io } = capture();
  const argv = ['evaluate', file, '--data', data, '--out', out, '--backend', 'wasm'];
  const code = await main(
    [...argv, '--train-subset', '500', '--nearest-samples', '100'],
    io,
  );
  assert.equal(code, 0);
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'quality.json'), 'utf8'));
  // The digits are the reference set itself.
  assert.ok(saved.report.fid < 1e-6, `FID ${saved.report.fid}`);
  assert.equal(saved.report.count, 300);
  assert.match(lines[0], /^set\s+FID\s+IS/);
  assert.match(lines[2], /^digits\.idx\s+0\.00/);
});

test('evaluate scores every saved epoch of a run and draws the chart', async () => {
  const data = smallDataset();
  const run = path.join(dir, 'run');
  const checkpoints = path.join(run, 'checkpoints');
  for (const epoch of [1, 2, 3]) {
    const random = new Random(epoch);
    const trainer = new GanTrainer(buildGenerator(random), buildDiscriminator(random));
    await writeCheckpoint(checkpoints, {
      epoch,
      step: epoch === 3 ? 40 : 0,
      random: random.state(),
      generator: trainer.generator,
      discriminator: trainer.discriminator,
      dOptimizer: trainer.dOptimizer,
      gOptimizer: trainer.gOptimizer,
      progress: {},
    });
    trainer.dispose();
    trainer.generator.dispose();
    trainer.discriminator.dispose();
  }
  // An unfinished checkpoint (no manifest) and a mid-epoch one are skipped.
  fs.mkdirSync(path.join(checkpoints, 'epoch-0004', 'generator'), { recursive: true });
  const { out: lines, io } = capture();
  const argv = ['evaluate', run, '--data', data, '--samples', '200', '--backend', 'wasm'];
  const code = await main(
    [...argv, '--train-subset', '500', '--nearest-samples', '50'],
    io,
  );
  assert.equal(code, 0, lines.join('\n'));
  const saved = JSON.parse(fs.readFileSync(path.join(run, 'quality.json'), 'utf8'));
  assert.deepEqual(
    saved.epochs.map((e: { epoch: number }) => e.epoch),
    [1, 2],
  );
  assert.ok(fs.statSync(path.join(run, 'quality.png')).size > 1000);
  await expectUserError(
    ['evaluate', run, '--epochs', '2,5', '--data', data],
    /no checkpoint for epoch 5/,
  );

  // Scoring one epoch again keeps the other in quality.json.
  const again = await main(
    [...argv, '--train-subset', '500', '--nearest-samples', '50', '--epochs', '2'],
    io,
  );
  assert.equal(again, 0);
  const merged = JSON.parse(fs.readFileSync(path.join(run, 'quality.json'), 'utf8'));
  assert.deepEqual(
    merged.epochs.map((e: { epoch: number }) => e.epoch),
    [1, 2],
  );
  assert.deepEqual(merged.epochs[0], saved.epochs[0]);
  assert.equal(merged.epochs[1].report.fid, saved.epochs[1].report.fid);
});
