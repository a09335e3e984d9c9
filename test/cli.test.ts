import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

import { main } from '../src/cli/cli.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import {
  captureIo,
  removeDir,
  tempDir,
  writeSyntheticDataset,
} from './helpers/dataset.js';

const BIN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'src',
  'cli',
  'main.js',
);
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

describe('mnist-gan CLI', () => {
  it('--help lists every command and exits 0', () => {
    const result = run(['--help']);
    assert.equal(result.status, 0);
    for (const command of COMMANDS)
      assert.match(result.stdout, new RegExp(`\\b${command.name}\\b`));
  });

  it('every command answers --help with its options and exits 0', async () => {
    for (const command of COMMANDS) {
      const { io, out } = captureIo();
      assert.equal(await main([command.name, '--help'], io), 0, command.name);
      assert.match(out.join('\n'), new RegExp(`Usage: mnist-gan ${command.name}`));
      assert.match(out.join('\n'), /--help/);
    }
  });

  it('an unknown command exits 2 with one line on stderr', () => {
    const result = run(['frobnicate']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });

  it('an unknown flag exits 2 with one line naming it', () => {
    const result = run(['classify', '--epoch', '3']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /--epoch/);
  });

  it('a bad flag value exits 2 with one line', async () => {
    for (const args of [
      ['classify', '--epochs', 'many'],
      ['classify', '--optimizer', 'lbfgs'],
      ['classify', '--validation-split', '2'],
      ['classify', '--backend', 'gpu'],
    ]) {
      const { io, err } = captureIo();
      assert.equal(await main(args, io), 2, args.join(' '));
      assert.equal(err.length, 1, args.join(' '));
      assert.match(err[0], /^mnist-gan classify: error: --/);
    }
  });

  it('a missing dataset exits 2 and writes nothing', async () => {
    const out = path.join(tempDir(), 'run');
    dirs.push(path.dirname(out));
    const { io, err } = captureIo();
    const code = await main(
      ['classify', '--data', '/no/such/data', '--out', out, '--backend', 'wasm'],
      io,
    );
    assert.equal(code, 2);
    assert.match(err.at(-1) ?? '', /folder not found/);
    assert.equal(fs.existsSync(out), false);
  });

  it('classify trains on a small dataset and writes its run folder', async () => {
    const root = tempDir();
    dirs.push(root);
    writeSyntheticDataset(path.join(root, 'data'), 200, 50);
    const out = path.join(root, 'run');
    const { io, out: lines } = captureIo();
    const code = await main(
      [
        'classify',
        '--data',
        path.join(root, 'data'),
        '--out',
        out,
        '--epochs',
        '2',
        '--batch-size',
        '20',
        '--backend',
        'wasm',
      ],
      io,
    );
    assert.equal(code, 0);
    assert.ok(
      lines.some((l) => /^epoch +2\/2 +loss/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => /^test accuracy \d+\.\d\d%/.test(l)));
    for (const file of [
      'config.json',
      'metrics.jsonl',
      'training.png',
      'training.svg',
      'confusion-matrix.png',
      'results.json',
      'model/model.json',
      'model/weights.bin',
    ]) {
      assert.ok(fs.existsSync(path.join(out, file)), `missing ${file}`);
    }
    const metrics = fs
      .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(metrics.length, 2);
    assert.equal(JSON.parse(metrics[1]).epoch, 2);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    assert.ok(results.testAccuracy > 0.9, `accuracy ${results.testAccuracy}`);
  });
});
