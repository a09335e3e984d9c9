/**
 * The fused Adam update as a kernel of the native backend: one pass over a
 * variable, its gradient and its two moments, written in place. Used by
 * src/train/adam.ts, which falls back to TF.js ops on other backends.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { floatsOf, inputOf, sizeOf } from './common.js';
import type { KernelContext, NativeKernel } from './common.js';

/** Name under which the fused update is registered. */
export const FUSED_ADAM_KERNEL = 'MnistGanFusedAdam';

/** Scalars of one step, in the order of AdamScalars (native/src/adam.h). */
export const FUSED_ADAM_SCALARS = [
  'beta1',
  'oneMinusBeta1',
  'beta2',
  'oneMinusBeta2',
  'oneMinusAccBeta1',
  'oneMinusAccBeta2',
  'epsilon',
  'negativeLearningRate',
] as const;

const scalars = new Float64Array(FUSED_ADAM_SCALARS.length);

function fusedAdam({ addon }: KernelContext): KernelFunc {
  return (args) => {
    const [value, m, v, gradient] = ['value', 'm', 'v', 'gradient'].map((name) =>
      inputOf(args.inputs, name, FUSED_ADAM_KERNEL),
    );
    const backend = args.backend as MathBackendCPU;
    const size = sizeOf(value.shape);
    for (const [name, tensor] of Object.entries({ value, m, v, gradient })) {
      if (tensor.dtype !== 'float32' || sizeOf(tensor.shape) !== size) {
        throw new Error(
          `${FUSED_ADAM_KERNEL}: expected ${name} float32 of ${size} elements, ` +
            `got ${tensor.dtype} of shape [${tensor.shape}]`,
        );
      }
    }
    // Writing in place is only safe when nothing else shares the buffers;
    // the optimizer guarantees it, and a violation is a bug worth a stack.
    for (const [name, tensor] of Object.entries({ value, m, v }) as [
      string,
      TensorInfo,
    ][]) {
      const refCount = backend.refCount(tensor.dataId);
      if (refCount !== 1) {
        throw new Error(
          `${FUSED_ADAM_KERNEL}: ${name} is shared (${refCount} references)`,
        );
      }
    }
    FUSED_ADAM_SCALARS.forEach((name, i) => {
      scalars[i] = Number(args.attrs?.[name]);
    });
    addon.adam(
      floatsOf(backend, value),
      floatsOf(backend, m),
      floatsOf(backend, v),
      floatsOf(backend, gradient),
      scalars,
    );
    return [];
  };
}

/** The optimizer kernels the addon implements. */
export const OPTIMIZER_KERNELS: NativeKernel[] = [
  { kernelName: FUSED_ADAM_KERNEL, create: fusedAdam },
];
