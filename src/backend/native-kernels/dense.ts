/**
 * A dense layer, y = x W + b, as one kernel of the native backend, with a
 * gradient whose parts are computed only when asked for; and the same layer
 * followed by LeakyReLU, fused into the product's output stage.
 *
 * TF.js's fused matMul computes every input's gradient whenever it is
 * differentiated: training the discriminator it also computes the gradient
 * of its input images, and training the generator through the frozen
 * discriminator the discriminator's weight gradients, none of which are
 * used (about a sixth of the GAN step's products). A kernel of its own with
 * a registered gradient lets the tape ask for each part separately. The
 * numbers are those of the fused matMul: the same products and sums.
 *
 * Shapes: x [B, in], kernel [in, out], bias [out] -> y [B, out].
 *
 * The LeakyReLU variant computes its gradient from the output: y > 0 exactly
 * where the pre-activation is > 0 (for alpha > 0), so dz = y > 0 ? dy :
 * dy * alpha gives the numbers of TF.js's LeakyRelu gradient in one pass
 * instead of a comparison, a product and a select.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { takeOutput } from '../native-backend.js';
import { floatsOf, inputOf } from './common.js';
import type { KernelContext, NativeKernel } from './common.js';

/** Name of the dense kernel. */
export const DENSE_KERNEL = 'MnistGanDense';
/** Name of the dense kernel with LeakyReLU (attribute `alpha`). */
export const DENSE_LEAKY_RELU_KERNEL = 'MnistGanDenseLeakyRelu';
/** Name of the kernel computing LeakyReLU's gradient from its output. */
export const LEAKY_RELU_GRAD_KERNEL = 'MnistGanLeakyReluGrad';

// Code of the leakyrelu activation in native/src/gemm.h.
const LEAKY_RELU_ACTIVATION = 4;

const params = new Float64Array(16);

function denseKernel(withLeakyRelu: boolean) {
  return ({ addon }: KernelContext): KernelFunc =>
    (args) => {
      const x = inputOf(args.inputs, 'x', DENSE_KERNEL);
      const kernel = inputOf(args.inputs, 'kernel', DENSE_KERNEL);
      const bias = inputOf(args.inputs, 'bias', DENSE_KERNEL);
      const [batch, inputs] = x.shape;
      const [kernelInputs, outputs] = kernel.shape;
      const valid =
        x.shape.length === 2 &&
        kernel.shape.length === 2 &&
        bias.shape.length === 1 &&
        inputs === kernelInputs &&
        bias.shape[0] === outputs &&
        [x, kernel, bias].every((t) => t.dtype === 'float32');
      if (!valid) {
        throw new Error(
          `${DENSE_KERNEL}: expected float32 x [B, in], kernel [in, out], bias [out], ` +
            `got x ${x.dtype} [${x.shape}], kernel ${kernel.dtype} [${kernel.shape}], ` +
            `bias ${bias.dtype} [${bias.shape}]`,
        );
      }
      const backend = args.backend as MathBackendCPU;
      const out = takeOutput(backend, batch * outputs);
      params.fill(0);
      params[0] = 1;
      params[1] = batch;
      params[2] = outputs;
      params[3] = inputs;
      // The bias repeats down the rows: strides [batch 0, row 0, column 1].
      params[10] = 1;
      if (withLeakyRelu) {
        params[11] = LEAKY_RELU_ACTIVATION;
        params[15] = Number(args.attrs?.alpha);
      }
      addon.matmul(
        floatsOf(backend, x),
        floatsOf(backend, kernel),
        out,
        floatsOf(backend, bias),
        null,
        params,
      );
      return backend.makeTensorInfo([batch, outputs], 'float32', out);
    };
}

function leakyReluGradKernel({ addon }: KernelContext): KernelFunc {
  return (args) => {
    const dy = inputOf(args.inputs, 'dy', LEAKY_RELU_GRAD_KERNEL);
    const y = inputOf(args.inputs, 'y', LEAKY_RELU_GRAD_KERNEL);
    const sameShape =
      dy.shape.length === y.shape.length && dy.shape.every((d, i) => d === y.shape[i]);
    if (!sameShape || dy.dtype !== 'float32' || y.dtype !== 'float32') {
      throw new Error(
        `${LEAKY_RELU_GRAD_KERNEL}: expected float32 dy and y of one shape, ` +
          `got ${dy.dtype} [${dy.shape}] and ${y.dtype} [${y.shape}]`,
      );
    }
    const backend = args.backend as MathBackendCPU;
    const out = takeOutput(backend, floatsOf(backend, dy).length);
    addon.leakyReluGrad(
      floatsOf(backend, dy),
      floatsOf(backend, y),
      Number(args.attrs?.alpha),
      out,
    );
    return backend.makeTensorInfo(dy.shape, 'float32', out);
  };
}

/** The gradient: dx = dy W^T, dW = x^T dy, db = sum of dy over the batch. */
export const DENSE_GRADIENT: GradConfig = {
  kernelName: DENSE_KERNEL,
  inputsToSave: ['x', 'kernel'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const [x, kernel] = saved;
    const gradient = dy as Tensor;
    return {
      x: () => tf.matMul(gradient, kernel, false, true),
      kernel: () => tf.matMul(x, gradient, true, false),
      bias: () => tf.sum(gradient, 0),
    };
  },
};

/**
 * The gradient of dense + LeakyReLU: dz from the output (computed once, as
 * every part needs it), then the dense gradient of dz.
 */
export const DENSE_LEAKY_RELU_GRADIENT: GradConfig = {
  kernelName: DENSE_LEAKY_RELU_KERNEL,
  inputsToSave: ['x', 'kernel'],
  outputsToSave: [true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const [x, kernel, y] = saved;
    const alpha = Number(attrs?.alpha);
    const dz = tf
      .engine()
      .runKernel(LEAKY_RELU_GRAD_KERNEL, { dy: dy as Tensor, y }, { alpha }) as Tensor;
    return {
      x: () => tf.matMul(dz, kernel, false, true),
      kernel: () => tf.matMul(x, dz, true, false),
      bias: () => tf.sum(dz, 0),
    };
  },
};

/** The dense kernels, for registration with the others. */
export const DENSE_KERNELS: NativeKernel[] = [
  { kernelName: DENSE_KERNEL, create: denseKernel(false) },
  { kernelName: DENSE_LEAKY_RELU_KERNEL, create: denseKernel(true) },
  { kernelName: LEAKY_RELU_GRAD_KERNEL, create: leakyReluGradKernel },
];
