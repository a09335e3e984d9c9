/**
 * 2-D convolution, stride 1, no padding, with a gradient that every backend
 * of the project can run.
 *
 * TF.js computes a convolution's kernel gradient with the kernel
 * `Conv2DBackpropFilter`, which the wasm backend (4.22) does not implement:
 * training a convnet there fails at the first backward pass. For stride 1
 * and valid padding the kernel gradient is itself a valid convolution, with
 * the roles of batch and channels exchanged:
 *
 *   dW[i, j, c, o] = sum over b, y, x of X[b, y + i, x + j, c] * dY[b, y, x, o]
 *
 * which is `conv2d` of X transposed to [C, H, W, B] (C images of B channels)
 * with dY transposed to [OH, OW, B, O] as the kernel, giving [C, KH, KW, O].
 *
 * The input gradient is a "full" convolution of dY with the kernel rotated
 * by 180 degrees and its channel axes swapped. wasm does implement
 * `conv2dTranspose` for it, but on [64, 11, 11, 64] that took about 210 ms
 * against 23 ms for the padded `conv2d` used here, and it dominated a step.
 */
import * as tf from '@tensorflow/tfjs-core';

const convolve = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  const kernel = args[1] as tf.Tensor4D;
  const save = args[2] as tf.GradSaveFunc;
  save([x, kernel]);
  return {
    value: tf.conv2d(x, kernel, 1, 'valid'),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, weights] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      const [kh, kw] = weights.shape;
      const padded = tf.pad(dy4, [
        [0, 0],
        [kh - 1, kh - 1],
        [kw - 1, kw - 1],
        [0, 0],
      ]);
      // [KH, KW, C, O] rotated and swapped -> [KH, KW, O, C].
      const rotated = tf.transpose(
        tf.reverse(weights, [0, 1]),
        [0, 1, 3, 2],
      ) as tf.Tensor4D;
      const dx = tf.conv2d(padded, rotated, 1, 'valid');
      // [B, H, W, C] -> [C, H, W, B] and [B, OH, OW, O] -> [OH, OW, B, O].
      const inputT = tf.transpose(input, [3, 1, 2, 0]) as tf.Tensor4D;
      const dyT = tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D;
      // [C, KH, KW, O] -> [KH, KW, C, O], the kernel's layout.
      const dw = tf.transpose(tf.conv2d(inputT, dyT, 1, 'valid'), [1, 2, 0, 3]);
      return [dx, dw];
    },
  };
});

/**
 * Convolves `x` [B, H, W, C] with `kernel` [KH, KW, C, O] at stride 1 without
 * padding: returns [B, H - KH + 1, W - KW + 1, O]. Same values as
 * `tf.conv2d(x, kernel, 1, 'valid')`; differs only in how its gradient is
 * computed (see the file comment).
 */
export function conv2dValid(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return convolve(x, kernel) as tf.Tensor4D;
}
