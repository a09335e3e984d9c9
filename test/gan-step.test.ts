import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../src/backend/select.js';
import { buildDiscriminator, buildGenerator } from '../src/models/gan.js';
import { trainGan } from '../src/train/gan-loop.js';
import { GanTrainer } from '../src/train/gan-step.js';
import { Random } from '../src/util/random.js';
import { removeDir, tempDir } from './helpers/dataset.js';
import { tinyGanConfig } from './helpers/gan-run.js';

function snapshot(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => (w.dataSync() as Float32Array).slice());
}

function largestChange(before: Float32Array[], after: Float32Array[]): number {
  let largest = 0;
  before.forEach((values, i) => {
    for (let j = 0; j < values.length; j++) {
      largest = Math.max(largest, Math.abs(values[j] - after[i][j]));
    }
  });
  return largest;
}

describe('GanTrainer', () => {
  let dir: string;
  before(async () => {
    await initBackend('wasm');
    dir = tempDir('mnist-gan-step-');
  });
  after(() => removeDir(dir));

  it('GanTrainer.step() leaves the discriminator frozen during the generator update', () => {
    const random = new Random(3);
    const trainer = new GanTrainer(buildGenerator(random), buildDiscriminator(random));
    const changes = { dInGStep: -1, gInGStep: -1, dInDStep: -1 };

    // Wrap both optimizers' minimize so each update's effect is measured on
    // the real code path of step().
    const gMinimize = trainer.gOptimizer.minimize.bind(trainer.gOptimizer);
    trainer.gOptimizer.minimize = (f, returnCost, varList) => {
      const d0 = snapshot(trainer.discriminator);
      const g0 = snapshot(trainer.generator);
      const cost = gMinimize(f, returnCost, varList);
      changes.dInGStep = largestChange(d0, snapshot(trainer.discriminator));
      changes.gInGStep = largestChange(g0, snapshot(trainer.generator));
      return cost;
    };
    const dMinimize = trainer.dOptimizer.minimize.bind(trainer.dOptimizer);
    trainer.dOptimizer.minimize = (f, returnCost, varList) => {
      const d0 = snapshot(trainer.discriminator);
      const cost = dMinimize(f, returnCost, varList);
      changes.dInDStep = largestChange(d0, snapshot(trainer.discriminator));
      return cost;
    };

    const real = tf.randomUniform([8, 784], -1, 1, 'float32', 5) as tf.Tensor2D;
    tf.dispose(Object.values(trainer.step(real, random)));
    real.dispose();
    trainer.dispose();
    trainer.generator.dispose();
    trainer.discriminator.dispose();

    assert.equal(
      changes.dInGStep,
      0,
      'discriminator weights moved in the generator step',
    );
    assert.ok(
      changes.gInGStep > 0,
      'generator weights did not move in the generator step',
    );
    assert.ok(changes.dInDStep > 0, 'discriminator weights did not move in its own step');
  });

  it('trainGan() keeps the tensor count steady across steps and frees everything', async () => {
    const config = tinyGanConfig(dir, { epochs: 2 });
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    await trainGan({
      config,
      runDir: path.join(dir, 'leaks'),
      hooks: { onStep: () => counts.push(tf.memory().numTensors) },
    });
    assert.equal(counts.length, 4);
    assert.deepEqual(
      counts,
      counts.map(() => counts[0]),
      `tensor counts per step: ${counts.join(', ')}`,
    );
    assert.equal(tf.memory().numTensors, baseline);
    assert.ok(fs.existsSync(path.join(dir, 'leaks', 'checkpoints', 'epoch-0002')));
  });
});
