/**
 * Seeded weight initialisation. TF.js initialisers draw from an unseeded
 * source unless each is given a seed; drawing every weight from one
 * {@link Random} instead makes a model a pure function of the run's seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import type { Random } from '../util/random.js';

/** How one layer's kernel is drawn. */
export type KernelInit = { kind: 'glorotUniform' } | { kind: 'normal'; std: number };

/**
 * Re-draws the weights of every Dense (or Conv) layer of `model`: kernels by
 * `kernelInit(layerIndex)` (Keras's default, Glorot uniform, when it returns
 * undefined), biases zero. Other weights (batch-norm statistics) are kept.
 */
export function initializeWeights(
  model: tfl.LayersModel,
  random: Random,
  kernelInit: (layerName: string) => KernelInit | undefined = () => undefined,
): void {
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const replaced = weights.map((weight, i) => {
      const name = layer.weights[i].originalName;
      if (name.endsWith('/kernel')) {
        const init = kernelInit(layer.name) ?? { kind: 'glorotUniform' };
        return drawKernel(weight.shape, init, random);
      }
      if (name.endsWith('/bias')) return tf.zerosLike(weight);
      return weight.clone();
    });
    layer.setWeights(replaced);
    tf.dispose(replaced);
  }
}

function drawKernel(shape: number[], init: KernelInit, random: Random): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (init.kind === 'normal') {
    random.fillNormal(values, 0, init.std);
  } else {
    // Glorot uniform: fan-in and fan-out of a dense [in, out] or conv
    // [h, w, in, out] kernel, as Keras computes them.
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = shape[shape.length - 2] * receptive;
    const fanOut = shape[shape.length - 1] * receptive;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    random.fillUniform(values, -limit, limit);
  }
  return tf.tensor(values, shape);
}
