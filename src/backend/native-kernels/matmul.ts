/**
 * Native BatchMatMul and _FusedMatMul (product, bias and activation in one
 * pass over the output).
 *
 * Shapes: a is [...batchA, M, K] (or [..., K, M] when transposed), b is
 * [...batchB, K, N] (or [..., N, K]); the batch dimensions broadcast when
 * one side has a single matrix, and otherwise must agree.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { ACTIVATION } from '../native-addon.js';
import { takeOutput } from '../native-backend.js';
import { allFloat32, floatsOf, inputOf, optionalInput, sizeOf } from './common.js';
import type { KernelContext, NativeKernel } from './common.js';

// One parameter block reused by every call (the addon reads it at once).
const params = new Float64Array(16);

/**
 * Strides [batch, row, column] at which an operand of shape `shape`
 * broadcasts onto a [batch..., M, N] output, or undefined when its batch
 * part neither matches the output's nor is a single matrix.
 */
function operandStrides(
  shape: readonly number[],
  outShape: readonly number[],
): [number, number, number] | undefined {
  const rank = outShape.length;
  const padded = [
    ...new Array<number>(Math.max(0, rank - shape.length)).fill(1),
    ...shape,
  ];
  if (padded.length > rank) return undefined;
  const rows = padded[rank - 2];
  const cols = padded[rank - 1];
  const batch = sizeOf(padded.slice(0, rank - 2));
  const outBatch = sizeOf(outShape.slice(0, rank - 2));
  const sameBatch = padded.slice(0, rank - 2).every((dim, i) => dim === outShape[i]);
  if (batch !== 1 && !sameBatch) return undefined;
  return [
    batch === 1 || outBatch === 1 ? 0 : rows * cols,
    rows === 1 ? 0 : cols,
    cols === 1 ? 0 : 1,
  ];
}

function matMulKernel(): (context: KernelContext) => KernelFunc {
  return ({ addon, fallback }: KernelContext): KernelFunc =>
    (args) => {
      const a = inputOf(args.inputs, 'a', 'matMul');
      const b = inputOf(args.inputs, 'b', 'matMul');
      const bias = optionalInput(args.inputs, 'bias');
      const prelu = optionalInput(args.inputs, 'preluActivationWeights');
      const transposeA = args.attrs?.transposeA === true;
      const transposeB = args.attrs?.transposeB === true;
      const activation = (args.attrs?.activation as string | undefined) ?? 'linear';
      const activationCode = ACTIVATION[activation];
      if (!allFloat32(a, b, bias, prelu) || activationCode === undefined) {
        return fallback(args);
      }
      if (a.shape.length < 2 || b.shape.length < 2) return fallback(args);

      // Shapes of the product.
      const rankA = a.shape.length;
      const rankB = b.shape.length;
      const m = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
      const k = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
      const kB = transposeB ? b.shape[rankB - 1] : b.shape[rankB - 2];
      const n = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
      if (k !== kB) return fallback(args);
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
      const batch = sizeOf(outer);
      const batchA = sizeOf(outerA);
      const batchB = sizeOf(outerB);
      if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) {
        return fallback(args);
      }
      const outShape = [...outer, m, n];

      // Output-stage operands.
      const biasStrides = bias ? operandStrides(bias.shape, outShape) : [0, 0, 0];
      const preluStrides = prelu ? operandStrides(prelu.shape, outShape) : [0, 0, 0];
      if (biasStrides === undefined || preluStrides === undefined) return fallback(args);
      if (activation === 'prelu' && !prelu) return fallback(args);

      const backend = args.backend as MathBackendCPU;
      const out = takeOutput(backend, batch * m * n);
      params[0] = batch;
      params[1] = m;
      params[2] = n;
      params[3] = k;
      params[4] = transposeA ? 1 : 0;
      params[5] = transposeB ? 1 : 0;
      params[6] = batchA === 1 ? 0 : m * k;
      params[7] = batchB === 1 ? 0 : k * n;
      params.set(biasStrides, 8);
      params[11] = activationCode;
      params.set(preluStrides, 12);
      params[15] = Number(args.attrs?.leakyreluAlpha ?? 0.2);
      addon.matmul(
        floatsOf(backend, a),
        floatsOf(backend, b),
        out,
        bias ? floatsOf(backend, bias) : null,
        prelu ? floatsOf(backend, prelu) : null,
        params,
      );
      return backend.makeTensorInfo(outShape, 'float32', out);
    };
}

/** The matrix-product kernels the addon implements. */
export const MATMUL_KERNELS: NativeKernel[] = [
  { kernelName: 'BatchMatMul', create: matMulKernel() },
  { kernelName: '_FusedMatMul', create: matMulKernel() },
];
