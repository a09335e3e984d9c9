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
 * instead of a comparison, a product and a select. The same pass also sums
 * dz down the columns for the bias gradient, which otherwise reads dz again.
 *
 * The dropout variant multiplies that output by a mask ([B, out]: zeros and
 * 1 / (1 - rate)) in place, in the same kernel, and its gradient applies
 * the mask in the same pass as the rest: one kernel and one new [B, out]
 * array fewer forward, and backward two kernels and two passes fewer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { BINARY_OP } from '../native-addon.js';
import { takeOutput } from '../native-backend.js';
import { floatsOf, inputOf } from './common.js';
import { cachedPlan } from './elementwise.js';
import type { KernelContext, NativeKernel } from './common.js';

/** Name of the dense kernel. */
export const DENSE_KERNEL = 'MnistGanDense';
/** Name of the dense kernel with LeakyReLU (attribute `alpha`). */
export const DENSE_LEAKY_RELU_KERNEL = 'MnistGanDenseLeakyRelu';
/**
 * Name of the dense kernel with LeakyReLU and then a dropout mask (input
 * `mask`, attribute `alpha`).
 */
export const DENSE_LEAKY_RELU_DROPOUT_KERNEL = 'MnistGanDenseLeakyReluDropout';
/**
 * Name of the kernel computing the gradient of LeakyReLU (and of a dropout
 * mask after it) from the layer's output, with the bias gradient: inputs
 * `dy`, `y` and optionally `mask`, outputs [dz, column sums of dz].
 */
export const DENSE_ACTIVATION_GRAD_KERNEL = 'MnistGanDenseActivationGrad';

// Code of the leakyrelu activation in native/src/gemm.h.
const LEAKY_RELU_ACTIVATION = 4;

const params = new Float64Array(16);

type DenseVariant = 'linear' | 'leakyRelu' | 'leakyReluDropout';

function denseKernel(variant: DenseVariant) {
  return ({ addon }: KernelContext): KernelFunc =>
    (args) => {
      const x = inputOf(args.inputs, 'x', DENSE_KERNEL);
      const kernel = inputOf(args.inputs, 'kernel', DENSE_KERNEL);
      const bias = inputOf(args.inputs, 'bias', DENSE_KERNEL);
      const mask =
        variant === 'leakyReluDropout'
          ? inputOf(args.inputs, 'mask', DENSE_LEAKY_RELU_DROPOUT_KERNEL)
          : undefined;
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
      if (
        mask !== undefined &&
        (mask.dtype !== 'float32' ||
          mask.shape.length !== 2 ||
          mask.shape[0] !== batch ||
          mask.shape[1] !== outputs)
      ) {
        throw new Error(
          `${DENSE_LEAKY_RELU_DROPOUT_KERNEL}: expected a float32 mask [${batch}, ${outputs}], ` +
            `got ${mask.dtype} [${mask.shape}]`,
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
      if (variant !== 'linear') {
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
      if (mask !== undefined) {
        // In place: each element is read, then written, by one thread.
        addon.binary(
          BINARY_OP.Multiply,
          out,
          floatsOf(backend, mask),
          out,
          // Two 2-D shapes always have a plan.
          cachedPlan(mask.shape, mask.shape) as Float64Array,
        );
      }
      return backend.makeTensorInfo([batch, outputs], 'float32', out);
    };
}

function denseActivationGradKernel({ addon }: KernelContext): KernelFunc {
  return (args) => {
    const dy = inputOf(args.inputs, 'dy', DENSE_ACTIVATION_GRAD_KERNEL);
    const y = inputOf(args.inputs, 'y', DENSE_ACTIVATION_GRAD_KERNEL);
    const mask = args.inputs.mask as TensorInfo | undefined;
    const sameShape = (t: TensorInfo): boolean =>
      t.dtype === 'float32' &&
      t.shape.length === 2 &&
      t.shape[0] === dy.shape[0] &&
      t.shape[1] === dy.shape[1];
    if (!sameShape(dy) || !sameShape(y) || (mask !== undefined && !sameShape(mask))) {
      const masked = mask === undefined ? '' : `, mask ${mask.dtype} [${mask.shape}]`;
      throw new Error(
        `${DENSE_ACTIVATION_GRAD_KERNEL}: expected float32 dy, y (and mask) of one ` +
          `[rows, cols] shape, got dy ${dy.dtype} [${dy.shape}], y ${y.dtype} [${y.shape}]` +
          masked,
      );
    }
    const backend = args.backend as MathBackendCPU;
    const [rows, cols] = dy.shape;
    const dz = takeOutput(backend, rows * cols);
    const biasGrad = takeOutput(backend, cols);
    // No rows: the native loop writes zero sums. No columns: nothing to do.
    if (cols > 0) {
      addon.denseActivationGrad(
        floatsOf(backend, dy),
        floatsOf(backend, y),
        mask === undefined ? null : floatsOf(backend, mask),
        Number(args.attrs?.alpha),
        cols,
        dz,
        biasGrad,
      );
    }
    return [
      backend.makeTensorInfo(dy.shape, 'float32', dz),
      backend.makeTensorInfo([cols], 'float32', biasGrad),
    ];
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
 * The gradients of x, kernel and bias of a dense layer with LeakyReLU (and
 * a dropout mask) whose output is y: dz and the bias gradient in one kernel
 * (computed at once, as every part needs dz), then the products of dz.
 */
function activationGradients(
  dy: Tensor,
  x: Tensor,
  kernel: Tensor,
  y: Tensor,
  mask: Tensor | undefined,
  alpha: number,
): Record<'x' | 'kernel' | 'bias', () => Tensor> {
  const inputs: tf.NamedTensorMap = mask === undefined ? { dy, y } : { dy, y, mask };
  const [dz, biasGradient] = tf
    .engine()
    .runKernel(DENSE_ACTIVATION_GRAD_KERNEL, inputs, { alpha }) as Tensor[];
  return {
    x: () => tf.matMul(dz, kernel, false, true),
    kernel: () => tf.matMul(x, dz, true, false),
    bias: () => biasGradient,
  };
}

/** The gradient of dense + LeakyReLU, from the layer's output. */
export const DENSE_LEAKY_RELU_GRADIENT: GradConfig = {
  kernelName: DENSE_LEAKY_RELU_KERNEL,
  inputsToSave: ['x', 'kernel'],
  outputsToSave: [true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const [x, kernel, y] = saved;
    return activationGradients(
      dy as Tensor,
      x,
      kernel,
      y,
      undefined,
      Number(attrs?.alpha),
    );
  },
};

/**
 * The gradient of dense + LeakyReLU + dropout mask: as above with the mask
 * applied in the same pass. The mask's own gradient, dy times the layer's
 * output before the mask, recomputes that output; training never asks for
 * it, as the mask is a constant.
 */
export const DENSE_LEAKY_RELU_DROPOUT_GRADIENT: GradConfig = {
  kernelName: DENSE_LEAKY_RELU_DROPOUT_KERNEL,
  inputsToSave: ['x', 'kernel', 'bias', 'mask'],
  outputsToSave: [true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs) => {
    const [x, kernel, bias, mask, y] = saved;
    const alpha = Number(attrs?.alpha);
    return {
      ...activationGradients(dy as Tensor, x, kernel, y, mask, alpha),
      mask: () =>
        tf.mul(
          dy as Tensor,
          tf
            .engine()
            .runKernel(DENSE_LEAKY_RELU_KERNEL, { x, kernel, bias }, { alpha }) as Tensor,
        ),
    };
  },
};

/** The dense kernels, for registration with the others. */
export const DENSE_KERNELS: NativeKernel[] = [
  { kernelName: DENSE_KERNEL, create: denseKernel('linear') },
  { kernelName: DENSE_LEAKY_RELU_KERNEL, create: denseKernel('leakyRelu') },
  {
    kernelName: DENSE_LEAKY_RELU_DROPOUT_KERNEL,
    create: denseKernel('leakyReluDropout'),
  },
  { kernelName: DENSE_ACTIVATION_GRAD_KERNEL, create: denseActivationGradKernel },
];
