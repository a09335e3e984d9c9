/**
 * The case study's GAN: a generator and a discriminator of dense layers,
 * following the well-known Keras MNIST GAN tutorial.
 *
 *   generator:     z[100] -> 256 -> 512 -> 1024 -> 784 (tanh)
 *   discriminator: x[784] -> 1024 -> 512 -> 256 -> 1 (sigmoid)
 *
 * Hidden layers use LeakyReLU(0.2); the discriminator's hidden layers are
 * each followed by Dropout(0.3). The first dense layer of each network is
 * drawn from N(0, 0.02), the rest from Glorot uniform (Keras's default).
 * Pixels live in [-1, 1] to match the generator's tanh.
 *
 * Porting note: the tutorial's discriminator is sometimes shown with dropout
 * after only the first two hidden layers; the project's recipe puts it after
 * all three, as its specification states.
 */
import * as tfl from '@tensorflow/tfjs-layers';

import { IMAGE_PIXELS } from '../data/mnist.js';
import type { Random } from '../util/random.js';
import { initializeWeights } from './init.js';

/** Length of the generator's noise vector. */
export const NOISE_DIM = 100;
/** Slope of LeakyReLU for negative inputs. */
export const LEAKY_ALPHA = 0.2;
/** Dropout rate of the discriminator's hidden layers. */
export const DISCRIMINATOR_DROPOUT = 0.3;
/** Standard deviation of the first layer's initial weights. */
export const FIRST_LAYER_STD = 0.02;

const GENERATOR_UNITS = [256, 512, 1024];
const DISCRIMINATOR_UNITS = [1024, 512, 256];

/** Builds the generator, [batch, 100] -> [batch, 784] in [-1, 1]. */
export function buildGenerator(random: Random): tfl.Sequential {
  const model = tfl.sequential({ name: 'generator' });
  GENERATOR_UNITS.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        name: `g_dense_${i + 1}`,
        ...(i === 0 ? { inputShape: [NOISE_DIM] } : {}),
      }),
    );
    model.add(tfl.layers.leakyReLU({ alpha: LEAKY_ALPHA, name: `g_leaky_${i + 1}` }));
  });
  model.add(tfl.layers.dense({ units: IMAGE_PIXELS, activation: 'tanh', name: 'g_out' }));
  initializeWeights(model, random, (name) =>
    name === 'g_dense_1' ? { kind: 'normal', std: FIRST_LAYER_STD } : undefined,
  );
  return model;
}

/** Builds the discriminator, [batch, 784] -> [batch, 1] probability of real. */
export function buildDiscriminator(random: Random): tfl.Sequential {
  const model = tfl.sequential({ name: 'discriminator' });
  DISCRIMINATOR_UNITS.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        name: `d_dense_${i + 1}`,
        ...(i === 0 ? { inputShape: [IMAGE_PIXELS] } : {}),
      }),
    );
    model.add(tfl.layers.leakyReLU({ alpha: LEAKY_ALPHA, name: `d_leaky_${i + 1}` }));
    model.add(
      tfl.layers.dropout({ rate: DISCRIMINATOR_DROPOUT, name: `d_dropout_${i + 1}` }),
    );
  });
  model.add(tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'd_out' }));
  initializeWeights(model, random, (name) =>
    name === 'd_dense_1' ? { kind: 'normal', std: FIRST_LAYER_STD } : undefined,
  );
  return model;
}
