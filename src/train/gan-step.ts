/**
 * One training step of the case study's GAN.
 *
 * Follows the Keras tutorial's loop body:
 *   1. The generator draws B images from fresh noise (no gradient).
 *   2. The discriminator trains on one batch of 2B images: B real labelled
 *      0.9 (one-sided label smoothing, which keeps D from growing
 *      over-confident and starving G of gradient) and B generated labelled 0.
 *   3. The generator trains through the frozen discriminator on B new noise
 *      vectors labelled 1 (the non-saturating generator loss).
 *
 * The networks are run layer by layer here rather than through
 * `model.apply`, for two reasons: dropout masks come from the run's seeded
 * {@link Random} (tfjs-layers' dropout draws from an unseeded source, so runs
 * would not repeat), and the discriminator's last layer is evaluated as
 * logits so the loss can use the numerically stable sigmoid cross-entropy.
 * That matches Keras, which also recovers the logits of a sigmoid output
 * before computing binary cross-entropy. The discriminator stays in training
 * mode (dropout on) during the generator step, as Keras' `train_on_batch`
 * does for a frozen model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { dense, denseLeakyRelu, denseLeakyReluDropout } from '../models/dense.js';
import { LEAKY_ALPHA, NOISE_DIM } from '../models/gan.js';
import type { Random } from '../util/random.js';
import { createAdam } from './adam.js';

/** Hyper-parameters of the step; defaults are the tutorial's. */
export interface GanStepOptions {
  /** Adam learning rate of both networks. Default 0.0002. */
  learningRate?: number;
  /** Adam beta1 of both networks. Default 0.5. */
  beta1?: number;
  /** Target for real images in the discriminator loss. Default 0.9. */
  realLabel?: number;
  /** Dropout rate of the discriminator's hidden layers. Default 0.3. */
  dropoutRate?: number;
}

/** Scalars of one step, kept on the backend until the caller reads them. */
export interface GanStepResult {
  /** Discriminator loss on the 2B-image batch. */
  dLoss: tf.Scalar;
  /** Generator loss (through the frozen discriminator). */
  gLoss: tf.Scalar;
  /** Mean D(x) over the real images. */
  dReal: tf.Scalar;
  /** Mean D(G(z)) over the generated images of the discriminator step. */
  dFake: tf.Scalar;
}

interface DenseParams {
  kernel: tf.Variable;
  bias: tf.Variable;
}

const DEFAULTS: Required<GanStepOptions> = {
  learningRate: 0.0002,
  beta1: 0.5,
  realLabel: 0.9,
  dropoutRate: 0.3,
};

function denseParams(model: tfl.LayersModel): DenseParams[] {
  const params: DenseParams[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Dense') continue;
    const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    params.push({ kernel, bias });
  }
  return params;
}

/** Runs the generator: z [B, 100] -> images [B, 784] in [-1, 1]. */
export function generate(params: DenseParams[], z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor2D = z;
    params.forEach(({ kernel, bias }, i) => {
      // denseLeakyRelu is one fused kernel on native, with the same numbers.
      h =
        i < params.length - 1
          ? denseLeakyRelu(h, kernel as tf.Tensor2D, bias as tf.Tensor1D, LEAKY_ALPHA)
          : tf.tanh(dense(h, kernel as tf.Tensor2D, bias as tf.Tensor1D));
    });
    return h;
  });
}

/**
 * Runs the discriminator in training mode: x [N, 784] -> logits [N, 1].
 * `masks[i]` is the inverted-dropout mask after hidden layer i.
 */
function discriminate(
  params: DenseParams[],
  x: tf.Tensor2D,
  masks: tf.Tensor2D[],
): tf.Tensor2D {
  let h = x;
  params.forEach(({ kernel, bias }, i) => {
    h =
      i < params.length - 1
        ? denseLeakyReluDropout(
            h,
            kernel as tf.Tensor2D,
            bias as tf.Tensor1D,
            LEAKY_ALPHA,
            masks[i],
          )
        : dense(h, kernel as tf.Tensor2D, bias as tf.Tensor1D);
  });
  return h;
}

/**
 * Trains a generator and a discriminator with the tutorial's recipe. Owns
 * the two Adam optimizers; call {@link GanTrainer.dispose} when done.
 */
export class GanTrainer {
  readonly generator: tfl.LayersModel;
  readonly discriminator: tfl.LayersModel;
  readonly dOptimizer: tf.Optimizer;
  readonly gOptimizer: tf.Optimizer;
  readonly options: Required<GanStepOptions>;
  private readonly gParams: DenseParams[];
  private readonly dParams: DenseParams[];

  constructor(
    generator: tfl.LayersModel,
    discriminator: tfl.LayersModel,
    options: GanStepOptions = {},
  ) {
    this.generator = generator;
    this.discriminator = discriminator;
    this.options = { ...DEFAULTS, ...options };
    this.gParams = denseParams(generator);
    this.dParams = denseParams(discriminator);
    // beta2 and epsilon are Keras' defaults (0.999, 1e-7). createAdam gives
    // tf.train.adam's numbers, in one fused pass per variable on native.
    const adam = {
      learningRate: this.options.learningRate,
      beta1: this.options.beta1,
      beta2: 0.999,
      epsilon: 1e-7,
    };
    this.dOptimizer = createAdam(adam);
    this.gOptimizer = createAdam(adam);
  }

  /** Draws a [rows, 100] noise matrix from `random`. */
  noise(rows: number, random: Random): tf.Tensor2D {
    return tf.tensor2d(random.fillNormal(new Float32Array(rows * NOISE_DIM)), [
      rows,
      NOISE_DIM,
    ]);
  }

  /** Generates images [rows, 784] in [-1, 1] from noise `z` [rows, 100]. */
  generate(z: tf.Tensor2D): tf.Tensor2D {
    return generate(this.gParams, z);
  }

  private dropoutMasks(rows: number, random: Random): tf.Tensor2D[] {
    return this.dParams.slice(0, -1).map(({ bias }) => {
      const units = bias.shape[0];
      const mask = random.fillDropoutMask(
        new Float32Array(rows * units),
        this.options.dropoutRate,
      );
      return tf.tensor2d(mask, [rows, units]);
    });
  }

  /**
   * One step on `real` [B, 784] (pixels in [-1, 1]). Consumes noise and
   * dropout masks from `random` in a fixed order, so equal states give equal
   * steps.
   */
  step(real: tf.Tensor2D, random: Random): GanStepResult {
    const batch = real.shape[0];
    const { realLabel } = this.options;
    return tf.tidy(() => {
      // 1-2. Discriminator on real and generated images in one batch.
      const fake = this.generate(this.noise(batch, random));
      const x = tf.concat([real, fake], 0);
      const dTargets = tf.concat(
        [tf.fill([batch, 1], realLabel), tf.zeros([batch, 1])],
        0,
      );
      const dMasks = this.dropoutMasks(2 * batch, random);
      let dLogits: tf.Tensor2D | undefined;
      const dLoss = this.dOptimizer.minimize(
        () => {
          dLogits = tf.keep(discriminate(this.dParams, x, dMasks));
          return tf.losses.sigmoidCrossEntropy(dTargets, dLogits) as tf.Scalar;
        },
        true,
        this.dParams.flatMap(({ kernel, bias }) => [kernel, bias]),
      ) as tf.Scalar;
      const probabilities = tf.sigmoid(dLogits as tf.Tensor2D);
      const dReal = tf.mean(tf.slice(probabilities, [0, 0], [batch, 1])) as tf.Scalar;
      const dFake = tf.mean(tf.slice(probabilities, [batch, 0], [batch, 1])) as tf.Scalar;
      (dLogits as tf.Tensor).dispose();

      // 3. Generator through the frozen discriminator: only G's variables
      // are passed to the optimizer, so D's weights receive no update.
      const z = this.noise(batch, random);
      const gMasks = this.dropoutMasks(batch, random);
      const gTargets = tf.ones([batch, 1]);
      const gLoss = this.gOptimizer.minimize(
        () =>
          tf.losses.sigmoidCrossEntropy(
            gTargets,
            discriminate(this.dParams, generate(this.gParams, z), gMasks),
          ) as tf.Scalar,
        true,
        this.gParams.flatMap(({ kernel, bias }) => [kernel, bias]),
      ) as tf.Scalar;
      return { dLoss, gLoss, dReal, dFake };
    });
  }

  /** Frees the optimizers' state. The models stay; the caller owns them. */
  dispose(): void {
    this.dOptimizer.dispose();
    this.gOptimizer.dispose();
  }
}
