import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

import { main } from '../src/cli/cli.js';
import {
  captureIo,
  removeDir,
  tempDir,
  writeSyntheticDataset,
} from './helpers/dataset.js';

const root = tempDir();
after(() => removeDir(root));

describe('mnist-gan study', () => {
  const data = path.join(root, 'data');
  const out = path.join(root, 'study');
  const argv = [
    'study',
    '--data',
    data,
    '--out',
    out,
    '--epochs',
    '1',
    '--classify-epochs',
    '1',
    '--eval-samples',
    '100',
    '--backend',
    'wasm',
  ];

  it('study runs the four parts into one folder', async () => {
    writeSyntheticDataset(data, 300, 100);
    const { io, out: lines } = captureIo();
    assert.equal(await main(argv, io), 0, lines.join('\n'));
    for (const file of [
      'explore/examples.png',
      'classify/results.json',
      'classify/training.png',
      'gan/samples/epoch-0001.png',
      'gan/review.png',
      'gan/quality.json',
    ]) {
      assert.ok(fs.existsSync(path.join(out, file)), `missing ${file}`);
    }
    assert.deepEqual(
      lines.filter((l) => l.startsWith('== ')).map((l) => l.split(':')[0]),
      [
        '== part 1, explore',
        '== part 2, classify',
        '== part 3, GAN',
        '== part 4, quality',
      ],
    );
  });

  it('study --resume skips finished parts and continues the GAN', async () => {
    const { io, out: lines } = captureIo();
    const more = argv.map((a, i) => (argv[i - 1] === '--epochs' ? '2' : a));
    assert.equal(await main([...more, '--resume'], io), 0, lines.join('\n'));
    assert.ok(
      lines.includes(`== part 1, explore: done already in ${path.join(out, 'explore')}`),
    );
    assert.ok(lines.some((l) => l.startsWith('== part 3, GAN (resumed)')));
    const metrics = fs
      .readFileSync(path.join(out, 'gan', 'metrics.jsonl'), 'utf8')
      .trim();
    assert.deepEqual(
      metrics.split('\n').map((l) => JSON.parse(l).epoch),
      [1, 2],
    );
  });

  it('study --resume without --out is refused with one line', async () => {
    const { io, err } = captureIo();
    assert.equal(await main(['study', '--resume'], io), 2);
    assert.equal(err.length, 1);
    assert.match(err[0], /--resume: give the study folder with --out DIR/);
  });
});
