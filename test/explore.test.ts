import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { main } from '../src/cli/cli.js';
import type { CommandIo } from '../src/cli/options.js';
import { writeIdxFile } from '../src/data/idx.js';
import { decodePng } from '../src/report/png.js';

const PIXELS = 28 * 28;

/** Captures what a command prints. */
function captureIo(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    interactive: false,
  };
}

/**
 * Writes a tiny MNIST-like dataset: image n is a vertical bar at column
 * 4 + 2 * label, labels cycle 0..9 except that the training split has a
 * single 9, so one row of examples is short.
 */
function writeSyntheticDataset(dir: string, trainCount: number, testCount: number): void {
  const split = (count: number, prefix: string, onlyOneNine: boolean) => {
    const images = new Uint8Array(count * PIXELS);
    const labels = new Uint8Array(count);
    let nines = 0;
    for (let n = 0; n < count; n++) {
      let label = n % 10;
      if (label === 9 && onlyOneNine && nines++ > 0) label = 8;
      labels[n] = label;
      for (let row = 4; row < 24; row++)
        images[n * PIXELS + row * 28 + 4 + 2 * label] = 200;
    }
    writeIdxFile(path.join(dir, `${prefix}-images-idx3-ubyte`), {
      dtype: 'uint8',
      shape: [count, 28, 28],
      data: images,
    });
    writeIdxFile(path.join(dir, `${prefix}-labels-idx1-ubyte`), {
      dtype: 'uint8',
      shape: [count],
      data: labels,
    });
  };
  split(trainCount, 'train', true);
  split(testCount, 't10k', false);
}

function withTempDir(run: (dir: string) => Promise<void>) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explore-'));
    try {
      await run(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'explore writes every report file and prints a summary',
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    const out = path.join(dir, 'run');
    writeSyntheticDataset(data, 60, 20);
    const io = captureIo();
    const code = await main(['explore', '--data', data, '--out', out, '--seed', '3'], io);
    assert.equal(code, 0, io.errors.join('\n'));

    const expected = [
      'class-balance.png',
      'class-balance.svg',
      'config.json',
      'examples.png',
      'mean-digit.png',
      'pixels.png',
      'pixels.svg',
      'stats.json',
    ];
    assert.deepEqual(fs.readdirSync(out).sort(), expected);
    for (const name of expected.filter((n) => n.endsWith('.png'))) {
      const png = decodePng(fs.readFileSync(path.join(out, name)), name);
      assert.ok(
        png.width > 100 && png.height > 50,
        `${name} is ${png.width}x${png.height}`,
      );
    }

    // Ten rows of ten 56-pixel digits with 4-pixel gaps, plus labels and title.
    const examples = decodePng(
      fs.readFileSync(path.join(out, 'examples.png')),
      'examples',
    );
    assert.ok(examples.height >= 10 * 60 && examples.width >= 10 * 60);

    const stats = JSON.parse(fs.readFileSync(path.join(out, 'stats.json'), 'utf8'));
    assert.deepEqual(stats.train.classCounts, [6, 6, 6, 6, 6, 6, 6, 6, 11, 1]);
    assert.deepEqual(stats.test.classCounts, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.equal(stats.examples.indices[9].length, 1, 'class 9 has a single example');
    assert.equal(stats.train.zeroShare, (PIXELS - 20) / PIXELS);
    assert.ok(Math.abs(stats.train.pixelMean - (20 * 200) / 255 / PIXELS) < 1e-12);

    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.equal(config.seed, 3);
    assert.equal(config.data, data);

    assert.equal(io.lines.length, 5);
    assert.match(
      io.lines[1],
      /^train: 60 images, class share 1\.67% \(class 9\) to 18\.33% \(class 8\)$/,
    );
    assert.match(io.lines[3], /mean 0\.0200, std 0\.1/);
    assert.match(
      io.lines[4],
      new RegExp(`wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`),
    );
  }),
);

test(
  'explore picks the same examples for the same seed',
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    writeSyntheticDataset(data, 200, 10);
    const run = async (name: string, seed: string) => {
      const out = path.join(dir, name);
      const code = await main(
        ['explore', '--data', data, '--out', out, '--seed', seed],
        captureIo(),
      );
      assert.equal(code, 0);
      return JSON.parse(fs.readFileSync(path.join(out, 'stats.json'), 'utf8')).examples
        .indices;
    };
    const first = await run('a', '5');
    assert.deepEqual(await run('b', '5'), first);
    assert.notDeepEqual(await run('c', '6'), first);
    assert.deepEqual(
      fs.readFileSync(path.join(dir, 'a', 'examples.png')),
      fs.readFileSync(path.join(dir, 'b', 'examples.png')),
    );
  }),
);

test(
  'explore with a missing data folder exits 2 with one line and writes nothing',
  withTempDir(async (dir) => {
    const out = path.join(dir, 'run');
    const io = captureIo();
    const code = await main(
      ['explore', '--data', path.join(dir, 'nope'), '--out', out],
      io,
    );
    assert.equal(code, 2);
    assert.equal(io.errors.length, 1);
    assert.doesNotMatch(io.errors[0], /\n/);
    assert.match(
      io.errors[0],
      /^mnist-gan explore: error: reading dataset ".*nope": folder not found$/,
    );
    assert.equal(fs.existsSync(out), false);
  }),
);

test(
  'explore with a corrupt labels file exits 2 and writes nothing',
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    writeSyntheticDataset(data, 20, 10);
    fs.writeFileSync(
      path.join(data, 'train-labels-idx1-ubyte'),
      Buffer.from([0, 0, 8, 1, 0]),
    );
    const out = path.join(dir, 'run');
    const io = captureIo();
    const code = await main(['explore', '--data', data, '--out', out], io);
    assert.equal(code, 2);
    assert.equal(io.errors.length, 1);
    assert.match(io.errors[0], /train-labels-idx1-ubyte/);
    assert.equal(fs.existsSync(out), false);
  }),
);

test('explore rejects a seed that is not a whole number', async () => {
  const io = captureIo();
  const code = await main(['explore', '--seed', 'abc'], io);
  assert.equal(code, 2);
  assert.deepEqual(io.errors, [
    'mnist-gan explore: error: --seed: expected a whole number, got "abc"',
  ]);
});

test('explore does not offer --backend', async () => {
  const io = captureIo();
  const code = await main(['explore', '--backend', 'cpu'], io);
  assert.equal(code, 2);
  assert.match(io.errors[0], /Unknown option '--backend'/);
});

test(
  'explore with --out naming a file exits 2 and leaves the file alone',
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    writeSyntheticDataset(data, 20, 10);
    const out = path.join(dir, 'taken');
    fs.writeFileSync(out, 'keep me');
    const io = captureIo();
    const code = await main(['explore', '--data', data, '--out', out], io);
    assert.equal(code, 2);
    assert.equal(io.errors.length, 1);
    assert.match(
      io.errors[0],
      /creating run folder ".*taken": .*\(choose another --out\)$/,
    );
    assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
  }),
);
