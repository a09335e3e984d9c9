import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../src/backend/select.js';
import { buildDiscriminator, buildGenerator } from '../src/models/gan.js';
import {
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  removeUnfinishedCheckpoints,
  verifyCheckpoint,
  writeCheckpoint,
} from '../src/train/checkpoint.js';
import { GanTrainer } from '../src/train/gan-step.js';
import { isUserError } from '../src/util/errors.js';
import { Random } from '../src/util/random.js';
import { removeDir, tempDir } from './helpers/dataset.js';

/**
 * A trainer after `steps` steps, so its optimizers have moments to save.
 * After two steps Adam's running beta2 product already differs in float32
 * from the power setWeights() would recompute, which the round trip must
 * survive.
 */
function trainedTrainer(
  seed: number,
  steps = 1,
): { trainer: GanTrainer; random: Random } {
  const random = new Random(seed);
  const trainer = new GanTrainer(buildGenerator(random), buildDiscriminator(random));
  const real = tf.randomUniform([4, 784], -1, 1, 'float32', seed) as tf.Tensor2D;
  for (let i = 0; i < steps; i++) tf.dispose(Object.values(trainer.step(real, random)));
  real.dispose();
  return { trainer, random };
}

function disposeTrainer(trainer: GanTrainer): void {
  trainer.dispose();
  trainer.generator.dispose();
  trainer.discriminator.dispose();
}

async function save(
  dir: string,
  trainer: GanTrainer,
  random: Random,
  epoch: number,
  step = 0,
) {
  return writeCheckpoint(dir, {
    epoch,
    step,
    random: random.state(),
    generator: trainer.generator,
    discriminator: trainer.discriminator,
    dOptimizer: trainer.dOptimizer,
    gOptimizer: trainer.gOptimizer,
    progress: { note: 'test' },
  });
}

/** All values of `tensors` as one byte string, cheap to compare exactly. */
function bytesOf(tensors: tf.Tensor[]): string {
  const parts = tensors.map((t) => {
    const values = t.dataSync();
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  });
  return Buffer.concat(parts).toString('base64');
}

async function optimizerBytes(optimizer: tf.Optimizer): Promise<string> {
  const named = await optimizer.getWeights();
  const bytes = bytesOf(named.map((n) => n.tensor));
  tf.dispose(
    named.filter(({ tensor }) => !(tensor instanceof tf.Variable)).map((n) => n.tensor),
  );
  return bytes;
}

function expectCorrupt(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, 'CHECKPOINT_CORRUPT');
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'the message should be one line');
    return true;
  });
}

describe('checkpoints', () => {
  let dir: string;
  before(async () => {
    await initBackend('wasm');
    dir = tempDir('mnist-gan-checkpoint-');
  });
  after(() => removeDir(dir));

  it('writeCheckpoint() and readCheckpoint() round-trip weights, optimizers and Random', async () => {
    const { trainer, random } = trainedTrainer(11, 2);
    const written = await save(path.join(dir, 'round'), trainer, random, 4);
    assert.equal(path.basename(written), 'epoch-0004');

    const loaded = await readCheckpoint<{ note: string }>(written);
    assert.equal(loaded.state.progress.note, 'test');
    assert.deepEqual(loaded.state.random, random.state());
    const weightsOf = (m: { getWeights(): tf.Tensor[] }) => bytesOf(m.getWeights());
    assert.deepEqual(weightsOf(loaded.generator), weightsOf(trainer.generator));
    assert.deepEqual(weightsOf(loaded.discriminator), weightsOf(trainer.discriminator));

    const restored = new GanTrainer(loaded.generator, loaded.discriminator);
    await loaded.restoreOptimizers(restored.dOptimizer, restored.gOptimizer);
    assert.deepEqual(
      await optimizerBytes(restored.dOptimizer),
      await optimizerBytes(trainer.dOptimizer),
    );
    assert.deepEqual(
      await optimizerBytes(restored.gOptimizer),
      await optimizerBytes(trainer.gOptimizer),
    );

    // One more identical step on both: the restored Adam state (moments,
    // iteration count, beta products) must give the same weights.
    const real = tf.randomUniform([4, 784], -1, 1, 'float32', 9) as tf.Tensor2D;
    const next = random.state();
    tf.dispose(Object.values(trainer.step(real, Random.fromState(next))));
    tf.dispose(Object.values(restored.step(real, Random.fromState(next))));
    real.dispose();
    assert.deepEqual(weightsOf(restored.generator), weightsOf(trainer.generator));
    assert.deepEqual(weightsOf(restored.discriminator), weightsOf(trainer.discriminator));
    disposeTrainer(trainer);
    disposeTrainer(restored);
  });

  it('verifyCheckpoint() refuses a flipped byte, a truncated file and a missing manifest', async () => {
    const { trainer, random } = trainedTrainer(12);
    const checkpoints = path.join(dir, 'corrupt');
    const written = await save(checkpoints, trainer, random, 1);
    disposeTrainer(trainer);
    verifyCheckpoint(written);

    const weights = path.join(written, 'generator', 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[1000] ^= 0x40;
    fs.writeFileSync(weights, bytes);
    expectCorrupt(
      () => verifyCheckpoint(written),
      /"generator\/weights\.bin" does not match its SHA-256/,
    );
    await assert.rejects(readCheckpoint(written), /does not match its SHA-256/);

    fs.writeFileSync(weights, bytes.subarray(0, 100));
    expectCorrupt(
      () => verifyCheckpoint(written),
      /has 100 bytes, the manifest says \d+/,
    );

    fs.rmSync(path.join(written, 'manifest.json'));
    expectCorrupt(() => verifyCheckpoint(written), /no manifest\.json/);
    assert.deepEqual(listCheckpoints(checkpoints), []);
  });

  it('listCheckpoints() ignores unfinished writes and removeUnfinishedCheckpoints() deletes them', async () => {
    const checkpoints = path.join(dir, 'unfinished');
    const { trainer, random } = trainedTrainer(13);
    await save(checkpoints, trainer, random, 1);
    disposeTrainer(trainer);
    // What a run killed in the middle of writing epoch 2 leaves behind.
    const partial = path.join(checkpoints, '.partial-epoch-0002-12345');
    fs.mkdirSync(path.join(partial, 'generator'), { recursive: true });
    fs.writeFileSync(path.join(partial, 'generator', 'weights.bin'), 'half');
    assert.deepEqual(
      listCheckpoints(checkpoints).map((entry) => entry.manifest.epoch),
      [1],
    );
    assert.deepEqual(removeUnfinishedCheckpoints(checkpoints), [
      '.partial-epoch-0002-12345',
    ]);
    assert.ok(!fs.existsSync(partial));
  });

  it('pruneCheckpoints() keeps the newest few, the chosen epochs and drops older mid-epoch ones', async () => {
    const checkpoints = path.join(dir, 'prune');
    const { trainer, random } = trainedTrainer(14);
    for (const epoch of [1, 2, 3, 4]) await save(checkpoints, trainer, random, epoch);
    await save(checkpoints, trainer, random, 2, 7);
    disposeTrainer(trainer);
    pruneCheckpoints(
      checkpoints,
      1,
      (manifest) => manifest.epoch === 1 || manifest.epoch === 3,
    );
    assert.deepEqual(
      listCheckpoints(checkpoints).map((entry) => path.basename(entry.dir)),
      ['epoch-0001', 'epoch-0003', 'epoch-0004'],
    );
  });
});
