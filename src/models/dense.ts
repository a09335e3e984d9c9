/**
 * The dense layer's arithmetic, y = x W + b, for training loops that run
 * layers themselves.
 *
 * TF.js's gradient of a matrix product multiplies by transposed operands
 * (dW = x^T dy, dx = dy W^T). The wasm backend runs a product with a
 * transposed operand 10 to 40 times slower than a plain one (measured at
 * 128x784x1024: 0.5 to 1.8 GFLOPS against 19), so on wasm the gradient
 * transposes explicitly first. The native backend has a dense kernel of its
 * own whose gradient computes only the parts the tape needs (same numbers as
 * the fused matMul); other backends keep TF.js's own path.
 */
import * as tf from '@tensorflow/tfjs-core';

import {
  DENSE_KERNEL,
  DENSE_LEAKY_RELU_DROPOUT_KERNEL,
  DENSE_LEAKY_RELU_KERNEL,
} from '../backend/native-kernels/dense.js';

const denseExplicitTranspose = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, kernel, bias] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    save([x, kernel]);
    const value = tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, weights] = saved as tf.Tensor2D[];
      return [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(weights)),
        tf.matMul(tf.transpose(input), dy as tf.Tensor2D),
        tf.sum(dy, 0),
      ];
    };
    return { value, gradFunc };
  },
);

/**
 * Computes x [B, in] times kernel [in, out] plus bias [out], giving [B, out].
 */
export function dense(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
): tf.Tensor2D {
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    return denseExplicitTranspose(x, kernel, bias) as tf.Tensor2D;
  }
  if (tf.getKernel(DENSE_KERNEL, backend) !== undefined) {
    return tf.engine().runKernel(DENSE_KERNEL, { x, kernel, bias }) as tf.Tensor2D;
  }
  return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
}

/**
 * Computes LeakyReLU(x [B, in] times kernel [in, out] plus bias [out]),
 * giving [B, out]: one fused kernel on the native backend (same numbers),
 * {@link dense} then tf.leakyRelu elsewhere.
 */
export function denseLeakyRelu(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  alpha: number,
): tf.Tensor2D {
  if (tf.getKernel(DENSE_LEAKY_RELU_KERNEL, tf.getBackend()) !== undefined) {
    return tf
      .engine()
      .runKernel(DENSE_LEAKY_RELU_KERNEL, { x, kernel, bias }, { alpha }) as tf.Tensor2D;
  }
  return tf.leakyRelu(dense(x, kernel, bias), alpha);
}

/**
 * Computes LeakyReLU(x [B, in] times kernel [in, out] plus bias [out]) times
 * `mask` [B, out], an inverted-dropout mask (zeros and 1 / (1 - rate)): one
 * fused kernel on the native backend (same numbers), {@link denseLeakyRelu}
 * then tf.mul elsewhere. The mask is a constant of the step; its own
 * gradient is available but costs a second product.
 */
export function denseLeakyReluDropout(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  alpha: number,
  mask: tf.Tensor2D,
): tf.Tensor2D {
  if (tf.getKernel(DENSE_LEAKY_RELU_DROPOUT_KERNEL, tf.getBackend()) !== undefined) {
    return tf
      .engine()
      .runKernel(
        DENSE_LEAKY_RELU_DROPOUT_KERNEL,
        { x, kernel, bias, mask },
        { alpha },
      ) as tf.Tensor2D;
  }
  return tf.mul(denseLeakyRelu(x, kernel, bias, alpha), mask);
}
