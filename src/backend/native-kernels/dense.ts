/**
 * A dense layer, y = x W + b, as one kernel of the native backend, with a
 * gradient whose parts are computed only when asked for.
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
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc, Tensor } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { floatsOf, inputOf } from './common.js';
import type { KernelContext, NativeKernel } from './common.js';

/** Name of the dense kernel. */
export const DENSE_KERNEL = 'MnistGanDense';

const params = new Float64Array(16);

function denseKernel({ addon }: KernelContext): KernelFunc {
  return (args) => {
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
    const out = new Float32Array(batch * outputs);
    params.fill(0);
    params[0] = 1;
    params[1] = batch;
    params[2] = outputs;
    params[3] = inputs;
    // The bias repeats down the rows: strides [batch 0, row 0, column 1].
    params[10] = 1;
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

/** The dense kernel, for registration with the others. */
export const DENSE_KERNELS: NativeKernel[] = [
  { kernelName: DENSE_KERNEL, create: denseKernel },
];
