/**
 * The TF.js side of the benchmark: the GAN training step, matrix products
 * at the GAN's shapes, and a DCGAN-like convolution step, each timed as the
 * median of several repeats on whatever backend is active.
 */
import * as tf from '@tensorflow/tfjs-core';

import { buildDiscriminator, buildGenerator } from '../src/models/gan.js';
import { GanTrainer } from '../src/train/gan-step.js';
import { Random } from '../src/util/random.js';

/** Median of `values` (which it sorts). */
export function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const middle = Math.floor(values.length / 2);
  return values.length % 2 === 1
    ? values[middle]
    : (values[middle - 1] + values[middle]) / 2;
}

/** Median over `repeats` of `count` / seconds taken by `run`. */
export function medianRate(run: () => void, count: number, repeats: number): number {
  const rates: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    rates.push(count / ((performance.now() - start) / 1000));
  }
  return median(rates);
}

/** The case study's batch size. */
export const GAN_BATCH = 128;

/** Images per second of the GAN training step (generator images consumed). */
export function ganStepRate(steps: number, repeats: number): number {
  const random = new Random(7);
  const trainer = new GanTrainer(buildGenerator(random), buildDiscriminator(random));
  const real = tf.tensor2d(random.fillUniform(new Float32Array(GAN_BATCH * 784), -1, 1), [
    GAN_BATCH,
    784,
  ]);
  const oneStep = (): void => {
    const result = trainer.step(real, random);
    // Reading a loss is part of a real training loop, and on asynchronous
    // backends it waits for the step to finish.
    result.dLoss.dataSync();
    tf.dispose([result.dLoss, result.gLoss, result.dReal, result.dFake]);
  };
  oneStep();
  oneStep();
  const rate = medianRate(
    () => {
      for (let i = 0; i < steps; i++) oneStep();
    },
    steps * GAN_BATCH,
    repeats,
  );
  trainer.dispose();
  trainer.generator.dispose();
  trainer.discriminator.dispose();
  real.dispose();
  return rate;
}

/** The GAN's product shapes as [M, K, N]. */
export const MATMUL_SHAPES: [number, number, number][] = [
  [128, 100, 256],
  [256, 784, 1024],
  [128, 1024, 784],
];

/** Which operand is stored transposed: none, the second, or the first. */
export const LAYOUTS = ['nn', 'nt', 'tn'] as const;

/** GFLOPS of an M x K by K x N product in the given layout. */
export function matMulGflops(
  [m, k, n]: [number, number, number],
  layout: (typeof LAYOUTS)[number],
  repeats: number,
): number {
  const random = new Random(3);
  const a =
    layout === 'tn'
      ? tf.tensor2d(random.fillUniform(new Float32Array(k * m)), [k, m])
      : tf.tensor2d(random.fillUniform(new Float32Array(m * k)), [m, k]);
  const b =
    layout === 'nt'
      ? tf.tensor2d(random.fillUniform(new Float32Array(n * k)), [n, k])
      : tf.tensor2d(random.fillUniform(new Float32Array(k * n)), [k, n]);
  const flops = 2 * m * n * k;
  const calls = Math.max(3, Math.floor(2e8 / flops));
  // Every backend measured here (native, wasm, tfjs-node) runs a kernel to
  // completion before matMul returns, so no read-back is needed to time it.
  // Reading the product would hand its array to user code, which the native
  // backend then never recycles; PyTorch's side writes into a preallocated
  // output, and the native backend's recycled output is the equivalent.
  const run = (): void => {
    for (let i = 0; i < calls; i++) {
      tf.matMul(a, b, layout === 'tn', layout === 'nt').dispose();
    }
  };
  run();
  const gflops = medianRate(run, calls * flops, repeats) / 1e9;
  tf.dispose([a, b]);
  return gflops;
}

/** Batch of the convolution step. */
export const CONV_BATCH = 64;

/**
 * Images per second of a DCGAN-like step, forward and backward:
 * z [B,100] -> dense -> [B,7,7,128] -> deconv 5x5/2 -> [B,14,14,64] ->
 * deconv 5x5/2 -> [B,28,28,1] (tanh) -> conv 5x5/2 -> [B,14,14,64] ->
 * conv 5x5/2 -> [B,7,7,128] -> dense -> logit, LeakyReLU 0.2 between.
 */
export function convStepRate(steps: number, repeats: number): number {
  const random = new Random(5);
  const init = (shape: number[], fanIn: number): tf.Variable =>
    tf.variable(
      tf.tensor(
        random.fillNormal(
          new Float32Array(shape.reduce((x, y) => x * y, 1)),
          0,
          1 / Math.sqrt(fanIn),
        ),
        shape,
      ),
    );
  const gDense = init([100, 7 * 7 * 128], 100);
  const gUp1 = init([5, 5, 64, 128], 25 * 128);
  const gUp2 = init([5, 5, 1, 64], 25 * 64);
  const dConv1 = init([5, 5, 1, 64], 25);
  const dConv2 = init([5, 5, 64, 128], 25 * 64);
  const dDense = init([7 * 7 * 128, 1], 7 * 7 * 128);
  const variables = [gDense, gUp1, gUp2, dConv1, dConv2, dDense];
  const B = CONV_BATCH;
  const z = tf.tensor2d(random.fillNormal(new Float32Array(B * 100)), [B, 100]);
  const loss = (): tf.Scalar => {
    const leaky = (x: tf.Tensor4D): tf.Tensor4D => tf.leakyRelu(x, 0.2);
    let h = leaky(tf.reshape(tf.matMul(z, gDense), [B, 7, 7, 128]));
    h = leaky(tf.conv2dTranspose(h, gUp1 as tf.Tensor4D, [B, 14, 14, 64], 2, 'same'));
    const images = tf.tanh(
      tf.conv2dTranspose(h, gUp2 as tf.Tensor4D, [B, 28, 28, 1], 2, 'same'),
    );
    h = leaky(tf.conv2d(images, dConv1 as tf.Tensor4D, 2, 'same'));
    h = leaky(tf.conv2d(h, dConv2 as tf.Tensor4D, 2, 'same'));
    return tf.mean(tf.matMul(tf.reshape(h, [B, 7 * 7 * 128]), dDense));
  };
  const oneStep = (): void => {
    const { value, grads } = tf.variableGrads(loss, variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  oneStep();
  const rate = medianRate(
    () => {
      for (let i = 0; i < steps; i++) oneStep();
    },
    steps * B,
    repeats,
  );
  tf.dispose([z, ...variables]);
  return rate;
}
