import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { initBackend } from '../src/backend/select.js';
import { main } from '../src/cli/cli.js';
import { readIdxFile } from '../src/data/idx.js';
import { listCheckpoints, verifyCheckpoint } from '../src/train/checkpoint.js';
import { trainGan } from '../src/train/gan-loop.js';
import { isUserError } from '../src/util/errors.js';
import { captureIo, removeDir, tempDir } from './helpers/dataset.js';
import { lossesOf, sameState, tinyGanConfig } from './helpers/gan-run.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Runs the CLI in a child process; `act` may signal it while it runs. */
function runCli(
  args: string[],
  act: (child: ReturnType<typeof spawn>, stdout: () => string) => void,
): Promise<{
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    act(child, () => stdout);
  });
}

/** Overwrites `file` inside a checkpoint and fixes the manifest to match. */
function replaceWithValidManifest(checkpoint: string, file: string, bytes: Buffer): void {
  fs.writeFileSync(path.join(checkpoint, file), bytes);
  const manifestFile = path.join(checkpoint, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const entry = manifest.files.find((e: { path: string }) => e.path === file);
  entry.bytes = bytes.byteLength;
  entry.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
}

/** Fails unless both runs' epoch-3 checkpoints hold the same state. */
function assertSameEpoch3(reference: string, runDir: string): void {
  const difference = sameState(
    path.join(reference, 'checkpoints', 'epoch-0003'),
    path.join(runDir, 'checkpoints', 'epoch-0003'),
  );
  assert.equal(difference, undefined);
}

describe('GAN training runs', () => {
  let dir: string;
  let reference: string;
  const cliArgs = (out: string, epochs: number) => [
    'train',
    '--backend',
    'wasm',
    '--data',
    path.join(dir, 'data'),
    '--batch-size',
    '16',
    '--sample-every',
    '2',
    '--epochs',
    String(epochs),
    '--out',
    out,
  ];

  before(async () => {
    await initBackend('wasm');
    dir = tempDir('mnist-gan-train-');
    reference = path.join(dir, 'reference');
    await trainGan({ config: tinyGanConfig(dir), runDir: reference });
  });
  after(() => removeDir(dir));

  it('trainGan() writes grids, metrics, chart, review and checkpoints', () => {
    for (const file of [
      'config.json',
      'metrics.jsonl',
      'losses.svg',
      'losses.png',
      'review.png',
      'samples/epoch-0001.png',
      'samples/epoch-0002.png',
      'samples/fixed-noise.idx',
      'checkpoints/epoch-0003/generator/model.json',
      'generator/model.json',
      'generator/weights.bin',
    ]) {
      assert.ok(fs.existsSync(path.join(reference, file)), `missing ${file}`);
    }
    assert.ok(!fs.existsSync(path.join(reference, 'samples/epoch-0003.png')));
    const noise = readIdxFile(path.join(reference, 'samples/fixed-noise.idx'));
    assert.deepEqual(noise.shape, [100, 100]);
    const losses = lossesOf(reference);
    assert.equal(losses.length, 3);
    for (const record of losses as Record<string, number>[]) {
      for (const key of ['dLoss', 'gLoss', 'dReal', 'dFake']) {
        assert.ok(Number.isFinite(record[key]), `${key} of epoch ${record.epoch}`);
      }
    }
  });

  it('trainGan() with the same seed ends with identical weights, and hooks add metrics', async () => {
    const runDir = path.join(dir, 'again');
    const generated: number[] = [];
    await trainGan({
      config: tinyGanConfig(dir),
      runDir,
      hooks: {
        onEpochEnd: async ({ epoch, generate }) => {
          const images = await generate(4, 1);
          generated.push(images.length);
          assert.ok(images.every((v) => v >= 0 && v <= 1));
          return { probe: epoch * 2 };
        },
      },
    });
    const last = (run: string) => path.join(run, 'checkpoints', 'epoch-0003');
    assert.equal(sameState(last(reference), last(runDir)), undefined);
    assert.deepEqual(lossesOf(runDir), lossesOf(reference));
    assert.deepEqual(generated, [4 * 784, 4 * 784, 4 * 784]);
    const lines = fs
      .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).probe),
      [2, 4, 6],
    );
  });

  it('trainGan() interrupted mid-epoch and resumed ends identical to an uninterrupted run', async () => {
    const runDir = path.join(dir, 'aborted');
    const controller = new AbortController();
    const first = await trainGan({
      config: tinyGanConfig(dir),
      runDir,
      signal: controller.signal,
      hooks: {
        onStep: ({ epoch, step }) => {
          if (epoch === 2 && step === 1) controller.abort();
        },
      },
    });
    assert.equal(first.status, 'interrupted');
    assert.equal(path.basename(first.checkpoint ?? ''), 'epoch-0001-step-000001');

    const second = await trainGan({ config: tinyGanConfig(dir), runDir, resume: true });
    assert.equal(second.status, 'finished');
    assertSameEpoch3(reference, runDir);
    assert.deepEqual(lossesOf(runDir), lossesOf(reference));
    // The mid-epoch checkpoint is superseded and pruned.
    assert.ok(!fs.existsSync(path.join(runDir, 'checkpoints', 'epoch-0001-step-000001')));
  });

  it('mnist-gan train killed with SIGKILL while writing a checkpoint resumes to the same weights', async (t) => {
    const runDir = path.join(dir, 'killed');
    const checkpoints = path.join(runDir, 'checkpoints');
    let sawPartial = false;
    const result = await runCli(cliArgs(runDir, 50), (child) => {
      // Kill as soon as epoch 2's checkpoint is being written (or, on a
      // slow poll, right after it appeared).
      const timer = setInterval(() => {
        const names = fs.existsSync(checkpoints) ? fs.readdirSync(checkpoints) : [];
        sawPartial = names.some((name) => name.startsWith('.partial-epoch-0002'));
        if (sawPartial || names.includes('epoch-0002')) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      }, 2);
    });
    assert.equal(result.signal, 'SIGKILL');
    t.diagnostic(
      sawPartial
        ? 'killed while .partial-epoch-0002 existed'
        : 'killed after epoch-0002 appeared',
    );
    const complete = listCheckpoints(checkpoints);
    assert.ok(complete.length >= 1, 'no complete checkpoint survived');
    for (const entry of complete) verifyCheckpoint(entry.dir);

    const resumed = await trainGan({ config: tinyGanConfig(dir), runDir, resume: true });
    assert.equal(resumed.status, 'finished');
    assert.ok(!fs.readdirSync(checkpoints).some((name) => name.startsWith('.partial-')));
    assert.equal(
      sameState(
        path.join(reference, 'checkpoints', 'epoch-0003'),
        path.join(checkpoints, 'epoch-0003'),
      ),
      undefined,
    );
    assert.deepEqual(lossesOf(runDir), lossesOf(reference));
  });

  it('mnist-gan train saves on SIGINT, exits 130 with one line, and resumes identically', async () => {
    const runDir = path.join(dir, 'sigint');
    const result = await runCli(cliArgs(runDir, 50), (child, stdout) => {
      const timer = setInterval(() => {
        if (stdout().includes('epoch  1/50')) {
          clearInterval(timer);
          child.kill('SIGINT');
        }
      }, 5);
    });
    assert.equal(result.code, 130, result.stderr);
    const errors = result.stderr.trim().split('\n');
    assert.match(
      errors.at(-1) ?? '',
      /^mnist-gan train: stopped: interrupted at epoch \d+, step \d+: saved/,
    );
    const newest = listCheckpoints(path.join(runDir, 'checkpoints')).at(-1);
    assert.ok(
      newest !== undefined && newest.manifest.epoch < 3,
      'stopped too late to compare',
    );

    const resumed = await trainGan({ config: tinyGanConfig(dir), runDir, resume: true });
    assert.equal(resumed.status, 'finished');
    assertSameEpoch3(reference, runDir);
  });

  it('trainGan() stops at a NaN loss, naming the last good checkpoint, and saves nothing new', async () => {
    const runDir = path.join(dir, 'nan');
    await trainGan({ config: tinyGanConfig(dir, { epochs: 1 }), runDir });
    const checkpoint = path.join(runDir, 'checkpoints', 'epoch-0001');
    const weights = fs.readFileSync(path.join(checkpoint, 'generator', 'weights.bin'));
    new Float32Array(weights.buffer, weights.byteOffset, weights.byteLength / 4).fill(
      NaN,
    );
    replaceWithValidManifest(checkpoint, 'generator/weights.bin', weights);

    await assert.rejects(
      trainGan({ config: tinyGanConfig(dir), runDir, resume: true }),
      (error: unknown) => {
        assert.ok(isUserError(error));
        assert.equal(error.code, 'GAN_DIVERGED');
        assert.notEqual(error.exitCode, 0);
        assert.match(
          error.message,
          /^epoch 2, step 1: the (discriminator|generator) loss is NaN/,
        );
        assert.ok(
          error.message.includes(`last good checkpoint: "${checkpoint}"`),
          error.message,
        );
        return true;
      },
    );
    assert.deepEqual(
      listCheckpoints(path.join(runDir, 'checkpoints')).map((e) => e.manifest.epoch),
      [1],
    );
  });

  it('mnist-gan train prints the config once, a fixed line per epoch, a bar only on a terminal', async () => {
    const { io, out, err } = captureIo();
    const bars: string[] = [];
    const terminal = {
      ...io,
      interactive: true,
      progress: (text: string) => bars.push(text),
    };
    const runDir = path.join(dir, 'cli');
    assert.equal(await main(cliArgs(runDir, 2), terminal), 0);
    assert.deepEqual(err, ['backend: wasm (requested)']);
    assert.equal(out.filter((line) => line.startsWith('config: ')).length, 1);
    const epochLines = out.filter((line) => line.startsWith('epoch '));
    assert.equal(epochLines.length, 2);
    for (const line of epochLines) {
      assert.match(
        line,
        /^epoch [12]\/2 {2}d_loss \d+\.\d{4} {2}g_loss \d+\.\d{4} {2}D\(x\) \d\.\d{3} {2}D\(G\(z\)\) \d\.\d{3} +\d+\.\d img\/s {2}\d+\.\d s$/,
      );
    }
    // The last step of each epoch always draws; the bar is cleared before
    // each epoch line and once more at the end.
    assert.ok(bars.includes(`epoch 1 [${'='.repeat(30)}] 2/2`), bars.join(' | '));
    assert.ok(bars.includes(`epoch 2 [${'='.repeat(30)}] 2/2`), bars.join(' | '));
    assert.equal(bars.filter((bar) => bar === '').length, 3);
    // The bar is never written to stdout.
    assert.ok(!out.some((line) => line.includes('[=')));
  });

  it('mnist-gan train --eval-every scores chosen epochs and the last, changes no weight, and resumes', async () => {
    const runDir = path.join(dir, 'eval');
    const evalFlags = ['--eval-every', '2', '--eval-count', '40'];
    const first = captureIo();
    assert.equal(await main([...cliArgs(runDir, 2), ...evalFlags], first.io), 0);
    // The second invocation raises --epochs: epoch 3 is its last, so scored.
    const second = captureIo();
    const resumed = [...cliArgs(runDir, 3), ...evalFlags, '--resume'];
    assert.equal(await main(resumed, second.io), 0, second.err.join('\n'));

    assertSameEpoch3(reference, runDir);
    assert.deepEqual(lossesOf(runDir), lossesOf(reference));
    const records = fs
      .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((record) => typeof record.fid),
      ['undefined', 'number', 'number'],
    );
    for (const record of records.slice(1)) {
      assert.ok(Number.isFinite(record.fid), `fid ${record.fid}`);
      assert.ok(
        record.inceptionScore >= 1 && record.inceptionScore <= 10,
        `IS ${record.inceptionScore}`,
      );
      assert.equal(record.qualitySamples, 40);
    }
    assert.ok(fs.existsSync(path.join(runDir, 'quality.png')));
    const svg = fs.readFileSync(path.join(runDir, 'quality.svg'), 'utf8');
    assert.match(svg, /X-axis titled 'epoch' for a linear scale with values from 2 to 3/);

    // The quality line follows the epoch line of scored epochs only.
    const out = [...first.out, ...second.out].filter(
      (line) => !/^(run|config)/.test(line),
    );
    const quality =
      /^ {2}quality {2}FID \d+\.\d{2} {2}IS \d+\.\d{2} {2}class H \d\.\d{3} bits {2}confident \d+\.\d% {2}NN ratio \d+\.\d{2} {2}\d+\.\d s$/;
    assert.match(out[0], /^epoch 1\/2 /);
    assert.match(out[1], /^epoch 2\/2 /);
    assert.match(out[2], quality);
    assert.match(out[4], /^epoch 3\/3 /);
    assert.match(out[5], quality);
    assert.match(first.err[1], /^evaluation: 40 digits every 2 epochs and at epoch 2; /);
  });

  it('mnist-gan train --eval-every refuses a negative K in one line', async () => {
    const { io, err } = captureIo();
    const code = await main(
      [...cliArgs(path.join(dir, 'bad-eval'), 2), '--eval-every', '-1'],
      io,
    );
    assert.equal(code, 2);
    assert.equal(err.length, 1);
    assert.match(err[0], /--eval-every/);
  });

  it('mnist-gan train --resume refuses changed settings, naming each', async () => {
    const { io, err } = captureIo();
    const code = await main(
      [...cliArgs(reference, 5), '--resume', '--seed', '7', '--batch-size', '8'],
      io,
    );
    assert.equal(code, 2);
    assert.equal(err.length, 2);
    assert.match(
      err[1],
      /settings differ from the saved run: batchSize: saved 16, requested 8; seed: saved 1, requested 7$/,
    );
  });

  it('mnist-gan sample writes MNIST-format IDX digits, PNG grids and interpolation strips', async () => {
    const file = path.join(dir, 'digits.idx');
    const { io, out } = captureIo();
    assert.equal(
      await main(
        [
          'sample',
          reference,
          '--count',
          '5',
          '--epoch',
          '2',
          '--output',
          file,
          '--backend',
          'wasm',
        ],
        io,
      ),
      0,
    );
    assert.match(out[0], /^wrote 5 digits from epoch 2 to/);
    const digits = readIdxFile(file);
    assert.equal(digits.dtype, 'uint8');
    assert.deepEqual(digits.shape, [5, 28, 28]);

    const strip = path.join(dir, 'strip.png');
    assert.equal(
      await main(
        [
          'sample',
          reference,
          '--interpolate',
          '--steps',
          '6',
          '--output',
          strip,
          '--backend',
          'wasm',
        ],
        io,
      ),
      0,
    );
    // One row of digits enlarged twice, with 2 pixels of padding around.
    assert.equal(fs.readFileSync(strip).readUInt32BE(20), 2 * 28 + 2 * 2);

    const missing = captureIo();
    assert.equal(await main(['sample', reference, '--epoch', '99'], missing.io), 2);
    assert.deepEqual(missing.err, [
      `mnist-gan sample: error: reading run "${reference}": no checkpoint for epoch 99 (kept: 1, 2, 3)`,
    ]);
  });

  it('trainGan() resumed on another backend says so and trains nothing past --epochs', async () => {
    await initBackend('cpu');
    try {
      const notes: string[] = [];
      const result = await trainGan({
        config: tinyGanConfig(dir),
        runDir: path.join(dir, 'again'),
        resume: true,
        hooks: { onStart: (info) => notes.push(...info.notes) },
      });
      assert.equal(result.status, 'finished');
      assert.equal(result.epoch, 3);
      assert.deepEqual(notes, [
        'the run trained on wasm before and continues on cpu; ' +
          'results will differ in the last bits from a run on one backend',
      ]);
    } finally {
      await initBackend('wasm');
    }
  });

  it('mnist-gan train --resume refuses a corrupt checkpoint in one line and changes nothing', async () => {
    const weights = path.join(
      reference,
      'checkpoints',
      'epoch-0003',
      'discriminator',
      'weights.bin',
    );
    const bytes = fs.readFileSync(weights);
    bytes[4321] ^= 1;
    fs.writeFileSync(weights, bytes);
    const metricsBefore = fs.readFileSync(path.join(reference, 'metrics.jsonl'), 'utf8');
    const { io, err } = captureIo();
    const code = await main([...cliArgs(reference, 5), '--resume'], io);
    assert.equal(code, 2);
    assert.equal(err.length, 2);
    assert.match(
      err[1],
      /^mnist-gan train: error: reading checkpoint ".*epoch-0003": "discriminator\/weights\.bin" does not match its SHA-256 in the manifest$/,
    );
    assert.equal(
      fs.readFileSync(path.join(reference, 'metrics.jsonl'), 'utf8'),
      metricsBefore,
    );
    assert.deepEqual(
      listCheckpoints(path.join(reference, 'checkpoints')).map((e) => e.manifest.epoch),
      [1, 2, 3],
    );
  });
});
