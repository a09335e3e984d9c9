/**
 * The dense layer's arithmetic, y = x W + b, for training loops that run
 * layers themselves.
 *
 * TF.js's gradient of a matrix product multiplies by transposed operands
 * (dW = x^T dy, dx = dy W^T). The wasm backend runs a product with a
 * transposed operand 10 to 40 times slower than a plain one (measured at
 * 128x784x1024: 0.5 to 1.8 GFLOPS against 19), so on wasm the gradient
 * transposes explicitly first; on other backends it keeps TF.js's own path.
 */
import * as tf from '@tensorflow/tfjs-core';

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
  if (tf.getBackend() === 'wasm') {
    return denseExplicitTranspose(x, kernel, bias) as tf.Tensor2D;
  }
  return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
}
