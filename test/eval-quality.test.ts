import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../src/backend/select.js';
import { toFloatPixels } from '../src/data/batches.js';
import { IMAGE_PIXELS, loadDataset } from '../src/data/mnist.js';
import { addNoise, gaussianBlur, repeatImage } from '../src/eval/degrade.js';
import {
  EVALUATOR_FEATURES,
  classifyImages,
  loadEvaluator,
} from '../src/eval/evaluator.js';
import { epochQualityHook } from '../src/eval/epoch-quality.js';
import { frechetDistance, gaussianStats } from '../src/eval/frechet.js';
import {
  evaluateImages,
  prepareReference,
  type QualityContext,
  type QualityReport,
} from '../src/eval/quality.js';
import type { GanTrainHooks } from '../src/train/gan-loop.js';
import { Random } from '../src/util/random.js';

// 1000 test images against themselves keep this file to a few seconds; the
// shipped evaluator is the one under test.
const dataset = loadDataset({ trainLimit: 2000, testLimit: 1000 });
const real = toFloatPixels(dataset.test.images);
let context: QualityContext;
let realReport!: QualityReport;

before(async () => {
  await initBackend('wasm');
  const evaluator = await loadEvaluator();
  context = {
    evaluator,
    reference: prepareReference(evaluator, dataset, {
      trainSubset: 1000,
      nearestSamples: 200,
    }),
  };
  realReport = evaluateImages(real, context);
});

test('evaluateImages() gives an FID of about 0 for the reference set itself', () => {
  const report = realReport;
  assert.equal(report.count, 1000);
  assert.ok(report.fid < 1e-6, `FID ${report.fid}`);
  assert.ok(Math.abs(report.memorisation.ratio - 1) < 1e-6);
});

test('evaluateImages() FID grows with added noise and with blur', (t) => {
  const fid = (images: Float32Array) => evaluateImages(images, context).fid;
  const half = real.subarray(0, 500 * IMAGE_PIXELS);
  const noise = [0.05, 0.2, 0.5].map((std) => fid(addNoise(half, std, new Random(1))));
  const blur = [0.7, 1.5, 3].map((sigma) => fid(gaussianBlur(half, sigma)));
  t.diagnostic(
    `FID with noise 0.05/0.2/0.5: ${noise.map((v) => v.toFixed(2)).join(', ')}`,
  );
  t.diagnostic(`FID with blur 0.7/1.5/3: ${blur.map((v) => v.toFixed(2)).join(', ')}`);
  for (const series of [noise, blur]) {
    assert.ok(series[0] > 0, `first FID ${series[0]}`);
    assert.ok(
      series[1] > series[0] && series[2] > series[1],
      `FIDs ${series.join(', ')}`,
    );
  }
});

test('frechetDistance() on evaluator features is symmetric', () => {
  const stats = (images: Float32Array) => {
    const { features, count } = classifyImages(context.evaluator, images);
    return gaussianStats(features, count, EVALUATOR_FEATURES);
  };
  const a = stats(real.subarray(0, 500 * IMAGE_PIXELS));
  const b = stats(gaussianBlur(real.subarray(500 * IMAGE_PIXELS), 1.5));
  const ab = frechetDistance(a, b);
  const ba = frechetDistance(b, a);
  assert.ok(ab > 0);
  assert.ok(Math.abs(ab - ba) < 1e-9 * ab, `d(a, b) = ${ab}, d(b, a) = ${ba}`);
});

test('evaluateImages() of one repeated digit has IS near 1 and class entropy 0', () => {
  const report = evaluateImages(repeatImage(real, 0, 500), context);
  assert.ok(
    Math.abs(report.inceptionScore.mean - 1) < 1e-4,
    `IS ${report.inceptionScore.mean}`,
  );
  assert.equal(report.coverage.entropyBits, 0);
  assert.equal(report.coverage.maxShare, 1);
  assert.ok(report.fid > 10 * realReport.fid + 1, `FID ${report.fid}`);
});

test('evaluateImages() sees real digits as diverse and confident', (t) => {
  const report = realReport;
  t.diagnostic(
    `IS ${report.inceptionScore.mean.toFixed(2)}, entropy ${report.coverage.entropyBits.toFixed(3)} bits, confident ${report.confidentShare}`,
  );
  assert.ok(report.inceptionScore.mean > 8, `IS ${report.inceptionScore.mean}`);
  assert.ok(report.coverage.entropyBits > 3.2, `entropy ${report.coverage.entropyBits}`);
  assert.ok(report.confidentShare > 0.9, `confident ${report.confidentShare}`);
});

test('evaluateImages() flags copies of training images', () => {
  // Exact copies of the memorisation subsample sit at distance 0 from it.
  const copies = context.reference.trainImages.subarray(0, 300 * IMAGE_PIXELS);
  const report = evaluateImages(copies, context);
  assert.ok(
    report.memorisation.sampleMedian < 1e-2,
    `median ${report.memorisation.sampleMedian}`,
  );
  assert.ok(report.memorisation.ratio < 0.01, `ratio ${report.memorisation.ratio}`);
  assert.ok(realReport.memorisation.sampleMedian > 3, 'real digits are not copies');
});

test('evaluateImages() refuses pixels outside [0, 1] and leaks no tensors', () => {
  const before = tf.memory().numTensors;
  evaluateImages(real.subarray(0, 10 * IMAGE_PIXELS), context);
  assert.equal(tf.memory().numTensors, before);
  const bad = real.slice(0, 4 * IMAGE_PIXELS);
  bad[3 * IMAGE_PIXELS + 5] = -1;
  assert.throws(
    () => evaluateImages(bad, context),
    /expected pixels in \[0, 1\], found -1 in image 3/,
  );
  assert.throws(
    () => evaluateImages(real.subarray(0, IMAGE_PIXELS), context),
    /at least 2 whole images/,
  );
});

test('epochQualityHook() scores every K-th epoch and the last, with the same noise seed', async () => {
  const calls: { count: number; seed: number }[] = [];
  const hook = epochQualityHook(context, {
    every: 2,
    lastEpoch: 3,
    samples: 300,
    seed: 9,
  });
  // Compiles only while the hook fits the training loop's onEpochEnd.
  const asLoopHook: GanTrainHooks['onEpochEnd'] = hook;
  assert.equal(typeof asLoopHook, 'function');
  const generate = async (count: number, seed: number) => {
    calls.push({ count, seed });
    return real.slice(0, count * IMAGE_PIXELS);
  };
  const runDir = 'no-chart-is-written';
  assert.equal(await hook({ epoch: 1, generate, runDir }), undefined);
  const summary = await hook({ epoch: 2, generate, runDir });
  const last = await hook({ epoch: 3, generate, runDir });
  assert.deepEqual(calls, [
    { count: 300, seed: 9 },
    { count: 300, seed: 9 },
  ]);
  assert.ok(summary !== undefined && summary.fid > 0 && summary.inceptionScore > 5);
  assert.equal(summary.qualitySamples, 300);
  // Same digits, same scores; only the time taken differs.
  assert.deepEqual({ ...last, qualitySeconds: 0 }, { ...summary, qualitySeconds: 0 });
  assert.ok(summary.qualitySeconds > 0);
  assert.ok(!fs.existsSync(runDir));
  assert.throws(
    () => epochQualityHook(context, { every: 0 }),
    /expected every >= 1, got 0/,
  );
});

test('epochQualityHook() charts the scored epochs of metrics.jsonl and the current one', async () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'epoch-quality-'));
  try {
    const hook = epochQualityHook(context, { every: 2, samples: 100, chart: 'quality' });
    const generate = async (count: number) => real.slice(0, count * IMAGE_PIXELS);
    const scores = await hook({ epoch: 2, generate, runDir });
    // Epoch 1 unscored, epoch 2 scored, and a line of a later epoch that a
    // resumed run is about to train again: only epoch 2 is charted beside 4.
    const lines = [{ epoch: 1 }, { epoch: 2, ...scores }, { epoch: 5, ...scores }];
    fs.writeFileSync(
      path.join(runDir, 'metrics.jsonl'),
      lines.map((line) => JSON.stringify(line) + '\n').join(''),
    );
    await hook({ epoch: 4, generate, runDir });
    const svg = fs.readFileSync(path.join(runDir, 'quality.svg'), 'utf8');
    assert.ok(fs.existsSync(path.join(runDir, 'quality.png')));
    assert.match(svg, /X-axis titled 'epoch' for a linear scale with values from 2 to 4/);
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
});
