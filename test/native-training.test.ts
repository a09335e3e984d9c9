/**
 * The native backend in training: one full GAN step against the cpu
 * backend, the portable and AVX2 paths against each other, thread-count
 * determinism, and no tensor or memory leak over 1,000 steps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';

import {
  getNativeIsa,
  getNativeThreads,
  nativeHasAvx2,
  setNativeIsa,
  setNativeThreads,
} from '../src/backend/native.js';
import { buildDiscriminator, buildGenerator } from '../src/models/gan.js';
import { createAdam } from '../src/train/adam.js';
import { GanTrainer } from '../src/train/gan-step.js';
import { loadAddon } from '../src/backend/native-addon.js';
import { Random, setDropoutMaskFill, setNormalFill } from '../src/util/random.js';
import {
  largestDifference,
  nativeSkipReason,
  randomValues,
  useBackend,
} from './helpers/native.js';

const skip = await nativeSkipReason();
const NATIVE_MODULE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../src/backend/native.js',
);

/** Losses and every weight after one GAN step with a fixed seed. */
async function ganStepOutcome(backend: string, batch: number): Promise<Float32Array[]> {
  await useBackend(backend);
  const random = new Random(11);
  const trainer = new GanTrainer(buildGenerator(random), buildDiscriminator(random));
  const real = tf.tensor2d(random.fillUniform(new Float32Array(batch * 784), -1, 1), [
    batch,
    784,
  ]);
  const result = trainer.step(real, random);
  const outcome = [result.dLoss, result.gLoss, result.dReal, result.dFake].map(
    (t) => t.dataSync() as Float32Array,
  );
  for (const model of [trainer.generator, trainer.discriminator]) {
    for (const weight of model.getWeights())
      outcome.push(weight.dataSync() as Float32Array);
  }
  tf.dispose([real, result.dLoss, result.gLoss, result.dReal, result.dFake]);
  trainer.dispose();
  trainer.generator.dispose();
  trainer.discriminator.dispose();
  return outcome;
}

/** The outputs of a GAN-sized product on the current path. */
function ganProduct(transposeA: boolean, transposeB: boolean): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor2d(
      randomValues(256 * 784, 1),
      transposeA ? [784, 256] : [256, 784],
    );
    const b = tf.tensor2d(
      randomValues(784 * 1024, 2),
      transposeB ? [1024, 784] : [784, 1024],
    );
    return tf.matMul(a, b, transposeA, transposeB).dataSync() as Float32Array;
  });
}

describe('native backend in training', { skip }, () => {
  after(() => {
    if (skip !== false) return;
    setNativeIsa(nativeHasAvx2() ? 'avx2' : 'portable');
  });

  it('GanTrainer.step() on native matches the cpu backend', async (t) => {
    // Batch 32 rather than 128 keeps the cpu reference fast; the kernels
    // and shapes otherwise are the real step's.
    const batch = 32;
    const expected = await ganStepOutcome('cpu', batch);
    const actual = await ganStepOutcome('native', batch);
    const lossDifference = largestDifference(
      actual.slice(0, 4).flatMap((a) => Array.from(a)),
      expected.slice(0, 4).flatMap((a) => Array.from(a)),
    );
    let weightDifference = 0;
    for (let i = 4; i < expected.length; i++) {
      weightDifference = Math.max(
        weightDifference,
        largestDifference(actual[i], expected[i]),
      );
    }
    t.diagnostic(
      `losses differ by ${lossDifference.toExponential(2)}, weights by ${weightDifference.toExponential(2)}`,
    );
    // Losses: float32 rounding of a few thousand-term sums.
    assert.ok(lossDifference <= 1e-5, `losses differ by ${lossDifference}`);
    // Weights: Adam's first step moves each weight by about lr * sign(g);
    // where |g| is near rounding level the sign can differ, so a weight may
    // differ by up to 2 * lr = 4e-4. Anything beyond that is a real error.
    assert.ok(weightDifference <= 4e-4, `weights differ by ${weightDifference}`);
  });

  it(
    'setNativeIsa() portable and AVX2 paths agree on GAN-sized products',
    {
      skip:
        skip === false && !nativeHasAvx2()
          ? 'this processor has no AVX2/FMA path to compare'
          : false,
    },
    async (t) => {
      await tf.setBackend('native');
      let largest = 0;
      for (const [transposeA, transposeB] of [
        [false, false],
        [true, false],
        [false, true],
      ] as const) {
        assert.ok(setNativeIsa('avx2'));
        assert.equal(getNativeIsa(), 'avx2');
        const avx2 = ganProduct(transposeA, transposeB);
        assert.ok(setNativeIsa('portable'));
        assert.equal(getNativeIsa(), 'portable');
        const portable = ganProduct(transposeA, transposeB);
        const difference = largestDifference(portable, avx2);
        // FMA rounds once where the portable path rounds twice: the two
        // differ slightly, but only at rounding level for K = 784.
        assert.ok(
          difference > 0,
          'the two paths gave identical bits: is the switch working?',
        );
        assert.ok(
          difference <= 784 * 2 ** -23,
          `transposeA=${transposeA} transposeB=${transposeB}: ${difference}`,
        );
        largest = Math.max(largest, difference);
      }
      t.diagnostic(`largest difference ${largest.toExponential(2)}`);
    },
  );

  it('the native dropout-mask loop draws the same masks and state as the JavaScript one', () => {
    const load = loadAddon();
    assert.ok(load.ok);
    const { addon } = load;
    const draw = (seed: number, size: number, rate: number) => {
      const random = new Random(seed);
      random.uniform();
      const mask = random.fillDropoutMask(new Float32Array(size), rate);
      // A second draw checks that the state went on from the right place.
      return { mask, state: random.state(), next: random.uniform() };
    };
    const cases: [number, number, number][] = [
      [1, 4096, 0.3],
      [7, 70001, 0.3],
      [123456789, 10000, 0.5],
      [42, 8192, 0.01],
      [5, 4096, 0],
    ];
    for (const [seed, size, rate] of cases) {
      setDropoutMaskFill(undefined);
      const scripted = draw(seed, size, rate);
      setDropoutMaskFill((out, state, threshold, keep) =>
        addon.dropoutMask(out, state, threshold, keep),
      );
      const native = draw(seed, size, rate);
      assert.deepEqual(native.state, scripted.state, `state, seed ${seed}`);
      assert.equal(native.next, scripted.next, `next draw, seed ${seed}`);
      assert.ok(
        native.mask.every((value, i) => Object.is(value, scripted.mask[i])),
        `mask values, seed ${seed}`,
      );
      const kept = native.mask.filter((value) => value > 0).length / size;
      assert.ok(Math.abs(kept - (1 - rate)) < 0.03, `kept share ${kept} at rate ${rate}`);
    }
  });

  it('the native normal-value loop draws the same values and state as the JavaScript one', (t) => {
    const load = loadAddon();
    assert.ok(load.ok);
    const { addon } = load;
    const draw = (seed: number, size: number, mean: number, std: number) => {
      const random = new Random(seed);
      random.uniform();
      const values = random.fillNormal(new Float32Array(size), mean, std);
      return { values, state: random.state(), next: random.uniform() };
    };
    // Odd sizes end on half a pair; the GAN's noise is 128 x 100.
    const cases: [number, number, number, number][] = [
      [1, 12800, 0, 1],
      [7, 70001, 0, 1],
      [99, 4097, 0.5, 0.02],
      [123456789, 100000, -3, 10],
    ];
    let differing = 0;
    let total = 0;
    for (const [seed, size, mean, std] of cases) {
      setNormalFill(undefined);
      const scripted = draw(seed, size, mean, std);
      setNormalFill((out, state, m, s) => addon.normalFill(out, state, m, s));
      const native = draw(seed, size, mean, std);
      assert.deepEqual(native.state, scripted.state, `state, seed ${seed}`);
      assert.equal(native.next, scripted.next, `next draw, seed ${seed}`);
      // Equal, or (rarely) one float apart: C++'s log, cos and sin may
      // round the last bit of a double differently from V8's.
      native.values.forEach((value, i) => {
        const expected = scripted.values[i];
        if (value === expected) return;
        differing++;
        const ulp = 2 ** (Math.floor(Math.log2(Math.abs(expected))) - 23);
        assert.ok(
          Math.abs(value - expected) <= ulp,
          `seed ${seed} value ${i}: native ${value}, JavaScript ${expected}`,
        );
      });
      total += size;
      const meanSeen = native.values.reduce((a, b) => a + b, 0) / size;
      assert.ok(Math.abs(meanSeen - mean) < 0.05 * std, `mean ${meanSeen}, seed ${seed}`);
    }
    t.diagnostic(`${differing} of ${total} values one float apart, the rest equal`);
  });

  it('MNIST_GAN_NATIVE_ISA=portable and MNIST_GAN_THREADS set the path and thread count', () => {
    const script =
      `const m = await import(${JSON.stringify(NATIVE_MODULE)});` +
      `await m.loadNativeBackend();` +
      `process.stdout.write(m.getNativeIsa() + ' ' + m.getNativeThreads());`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, MNIST_GAN_NATIVE_ISA: 'portable', MNIST_GAN_THREADS: '3' },
      encoding: 'utf8',
    });
    assert.equal(output, 'portable 3');
  });

  it('setNativeThreads() changes the thread count without changing results', async () => {
    await tf.setBackend('native');
    const initial = getNativeThreads();
    const results: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      assert.equal(setNativeThreads(threads), threads);
      results.push(ganProduct(false, true));
      results.push(
        tf.tidy(
          () =>
            tf
              .sum(tf.tensor2d(randomValues(300 * 1024, 3), [300, 1024]), 0)
              .dataSync() as Float32Array,
        ),
      );
    }
    setNativeThreads(initial);
    // Each output element is summed in the same order whatever the split.
    for (let i = 2; i < results.length; i++) {
      assert.equal(largestDifference(results[i], results[i % 2]), 0, `result ${i}`);
    }
    assert.throws(() => setNativeThreads(0), /expected a positive integer, got 0/);
  });

  it('a training step does not leak tensors or memory over 1,000 steps', async (t) => {
    await tf.setBackend('native');
    // A small GAN-like step with the same kernels as the real one (fused
    // products, LeakyReLU, dropout masks, sigmoid cross-entropy, Adam),
    // sized so 1,000 steps take a few seconds.
    const random = new Random(3);
    const layer = (rows: number, cols: number, name: string): tf.Variable[] => [
      tf.variable(
        tf.tensor2d(random.fillNormal(new Float32Array(rows * cols), 0, 0.1), [
          rows,
          cols,
        ]),
        true,
        `${name}_w`,
      ),
      tf.variable(tf.zeros([cols]), true, `${name}_b`),
    ];
    const variables = [...layer(16, 32, 'leak_1'), ...layer(32, 1, 'leak_2')];
    const optimizer = createAdam({ learningRate: 2e-4, beta1: 0.5 });
    const x = tf.tensor2d(randomValues(64 * 16, 4), [64, 16]);
    const targets = tf.fill([64, 1], 0.9);
    const step = (): void => {
      const mask = tf.tensor2d(
        random.fillDropoutMask(new Float32Array(64 * 32), 0.3),
        [64, 32],
      );
      const loss = optimizer.minimize(
        () => {
          const hidden = tf.mul(
            tf.leakyRelu(
              tf.fused.matMul({ a: x, b: variables[0], bias: variables[1] }),
              0.2,
            ),
            mask,
          );
          const logits = tf.fused.matMul({
            a: hidden,
            b: variables[2],
            bias: variables[3],
          });
          return tf.losses.sigmoidCrossEntropy(targets, logits) as tf.Scalar;
        },
        true,
        variables,
      );
      loss?.dataSync();
      tf.dispose([loss as tf.Scalar, mask]);
    };
    for (let i = 0; i < 10; i++) step();
    const tensorsBefore = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < 1000; i++) step();
    global.gc?.();
    const rssGrowth = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    t.diagnostic(
      `tensors ${tensorsBefore} -> ${tf.memory().numTensors}, resident memory grew ${rssGrowth.toFixed(1)} MiB`,
    );
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal(tf.memory().numBytes, bytesBefore);
    // The whole working set is a few hundred KiB; 64 MiB of growth would be
    // a leak of about 16 KiB per step.
    assert.ok(rssGrowth < 64, `resident memory grew ${rssGrowth.toFixed(1)} MiB`);
    optimizer.dispose();
    tf.dispose([...variables, x, targets]);
  });

  it('GanTrainer.step() keeps the tensor count steady on native', async () => {
    await tf.setBackend('native');
    const random = new Random(5);
    const trainer = new GanTrainer(buildGenerator(random), buildDiscriminator(random));
    const real = tf.tensor2d(
      random.fillUniform(new Float32Array(32 * 784), -1, 1),
      [32, 784],
    );
    const step = (): void => {
      const result = trainer.step(real, random);
      tf.dispose([result.dLoss, result.gLoss, result.dReal, result.dFake]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, before);
    real.dispose();
    trainer.dispose();
    trainer.generator.dispose();
    trainer.discriminator.dispose();
  });
});
