/**
 * Native reductions (Sum, Mean, Max, Min, ArgMax, ArgMin), Softmax and
 * FusedBatchNorm.
 */
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { REDUCE_OP } from '../native-addon.js';
import { allFloat32, floatsOf, inputOf, optionalInput, sizeOf } from './common.js';
import type { KernelContext, NativeKernel } from './common.js';

/**
 * The [outer, reduce, inner] view of reducing `shape` over `axes`, or
 * undefined when the reduced axes (ignoring size-1 ones) are not one
 * contiguous block.
 */
export function reductionLayout(
  shape: readonly number[],
  axes: readonly number[],
): { outer: number; reduce: number; inner: number } | undefined {
  const reduced = new Set(axes);
  // Size-1 axes can count as reduced or kept, whichever keeps the block
  // contiguous, so they are ignored here.
  const significant = shape
    .map((size, axis) => ({ size, reduced: reduced.has(axis) }))
    .filter((entry) => entry.size !== 1);
  const first = significant.findIndex((entry) => entry.reduced);
  if (first === -1) {
    return { outer: sizeOf(shape), reduce: 1, inner: 1 };
  }
  let last = first;
  while (last + 1 < significant.length && significant[last + 1].reduced) last++;
  if (significant.slice(last + 1).some((entry) => entry.reduced)) return undefined;
  const product = (entries: { size: number }[]): number =>
    entries.reduce((total, entry) => total * entry.size, 1);
  return {
    outer: product(significant.slice(0, first)),
    reduce: product(significant.slice(first, last + 1)),
    inner: product(significant.slice(last + 1)),
  };
}

type ReduceName = keyof typeof REDUCE_OP;

function reduceKernel(name: ReduceName, axisAttr: string): NativeKernel {
  const op = REDUCE_OP[name];
  const isIndex = name === 'ArgMax' || name === 'ArgMin';
  const needsValues = name !== 'Sum' && name !== 'Mean';
  return {
    kernelName: name,
    create:
      ({ addon, fallback }: KernelContext): KernelFunc =>
      (args) => {
        const x = inputOf(args.inputs, 'x', name);
        if (x.dtype !== 'float32') return fallback(args);
        const rawAxes = args.attrs?.[axisAttr] as number | number[];
        let axes = util.parseAxisParam(rawAxes, x.shape);
        // ArgMax and ArgMin take one axis.
        if (isIndex) axes = [axes[0]];
        const layout = reductionLayout(x.shape, axes);
        if (layout === undefined) return fallback(args);
        // Max, Min and the arg ops of nothing are left to the cpu kernels.
        if (needsValues && layout.reduce === 0) return fallback(args);
        const backend = args.backend as MathBackendCPU;
        const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
        const size = layout.outer * layout.inner;
        const out = isIndex ? new Int32Array(size) : new Float32Array(size);
        addon.reduce(
          op,
          floatsOf(backend, x),
          out,
          layout.outer,
          layout.reduce,
          layout.inner,
        );
        const keepDims = !isIndex && args.attrs?.keepDims === true;
        const shape = keepDims
          ? backend_util.expandShapeToKeepDim(outShape, axes)
          : outShape;
        return backend.makeTensorInfo(shape, isIndex ? 'int32' : 'float32', out);
      },
  };
}

const softmaxKernel: NativeKernel = {
  kernelName: 'Softmax',
  create:
    ({ addon, fallback }) =>
    (args) => {
      const logits = inputOf(args.inputs, 'logits', 'Softmax');
      const rank = logits.shape.length;
      const dim = args.attrs?.dim as number;
      const lastDim = dim === -1 || dim === rank - 1;
      if (logits.dtype !== 'float32' || rank === 0 || !lastDim) return fallback(args);
      const backend = args.backend as MathBackendCPU;
      const cols = logits.shape[rank - 1];
      const size = sizeOf(logits.shape);
      const out = new Float32Array(size);
      if (cols > 0) addon.softmax(floatsOf(backend, logits), out, size / cols, cols);
      return backend.makeTensorInfo(logits.shape, 'float32', out);
    },
};

const batchNormKernel: NativeKernel = {
  kernelName: 'FusedBatchNorm',
  create:
    ({ addon, fallback }) =>
    (args) => {
      const x = inputOf(args.inputs, 'x', 'FusedBatchNorm');
      const mean = inputOf(args.inputs, 'mean', 'FusedBatchNorm');
      const variance = inputOf(args.inputs, 'variance', 'FusedBatchNorm');
      const scale = optionalInput(args.inputs, 'scale');
      const offset = optionalInput(args.inputs, 'offset');
      const ok = allFloat32(x, mean, variance, scale, offset);
      const emptyParameter = [mean, variance, scale, offset].some(
        (t) => t !== undefined && sizeOf(t.shape) === 0,
      );
      if (!ok || emptyParameter) return fallback(args);
      const backend = args.backend as MathBackendCPU;
      const out = new Float32Array(sizeOf(x.shape));
      addon.batchNorm(
        floatsOf(backend, x),
        floatsOf(backend, mean),
        floatsOf(backend, variance),
        scale ? floatsOf(backend, scale) : null,
        offset ? floatsOf(backend, offset) : null,
        Number(args.attrs?.varianceEpsilon ?? 0.001),
        out,
      );
      return backend.makeTensorInfo(x.shape, 'float32', out);
    },
};

/** The reduction-like kernels the addon implements. */
export const REDUCE_KERNELS: NativeKernel[] = [
  reduceKernel('Sum', 'axis'),
  reduceKernel('Mean', 'axis'),
  reduceKernel('Max', 'reductionIndices'),
  reduceKernel('Min', 'axis'),
  reduceKernel('ArgMax', 'axis'),
  reduceKernel('ArgMin', 'axis'),
  softmaxKernel,
  batchNormKernel,
];
