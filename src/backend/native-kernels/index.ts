/**
 * Registration of the `native` backend's kernels: every cpu kernel is
 * registered again for `native` (so every op works), then the ones the addon
 * implements replace them. Each native kernel keeps the cpu kernel as its
 * fallback for inputs it does not handle.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';

import type { NativeAddon } from '../native-addon.js';
import { forBackend } from './common.js';
import type { NativeKernel } from './common.js';
import { CONV_KERNELS } from './conv.js';
import {
  DENSE_GRADIENT,
  DENSE_KERNELS,
  DENSE_LEAKY_RELU_DROPOUT_GRADIENT,
  DENSE_LEAKY_RELU_GRADIENT,
} from './dense.js';
import { ELEMENTWISE_KERNELS } from './elementwise.js';
import { MATMUL_KERNELS } from './matmul.js';
import { OPTIMIZER_KERNELS } from './adam.js';
import { REDUCE_KERNELS } from './reduce.js';

export { FUSED_ADAM_KERNEL, FUSED_ADAM_SCALARS } from './adam.js';
export { DENSE_KERNEL, DENSE_LEAKY_RELU_KERNEL } from './dense.js';

/** Every kernel the addon implements. */
export const NATIVE_KERNELS: NativeKernel[] = [
  ...MATMUL_KERNELS,
  ...ELEMENTWISE_KERNELS,
  ...REDUCE_KERNELS,
  ...CONV_KERNELS,
  ...OPTIMIZER_KERNELS,
  ...DENSE_KERNELS,
];

function unavailable(kernelName: string): KernelFunc {
  return () => {
    throw new Error(`${kernelName}: no cpu kernel to fall back to`);
  };
}

/**
 * Registers the kernels of `backendName`; the cpu backend's kernels must
 * be registered already (importing @tensorflow/tfjs-backend-cpu does it).
 * Returns the names of the kernels that run natively.
 */
export function registerNativeKernels(addon: NativeAddon, backendName: string): string[] {
  const cpuKernels = new Map(
    tf.getKernelsForBackend('cpu').map((config) => [config.kernelName, config]),
  );
  const native = new Map(NATIVE_KERNELS.map((kernel) => [kernel.kernelName, kernel]));

  for (const [name, config] of cpuKernels) {
    if (!native.has(name)) tf.registerKernel(forBackend(config, backendName));
  }
  for (const kernel of NATIVE_KERNELS) {
    const cpu = cpuKernels.get(kernel.kernelName);
    const fallback = cpu?.kernelFunc ?? unavailable(kernel.kernelName);
    tf.registerKernel({
      kernelName: kernel.kernelName,
      backendName,
      kernelFunc: kernel.create({ addon, fallback }),
      setupFunc: cpu?.setupFunc,
      disposeFunc: cpu?.disposeFunc,
    });
  }
  // Gradients are registered by kernel name for every backend; this name
  // is the project's own, so no other kernel is affected.
  for (const gradient of [
    DENSE_GRADIENT,
    DENSE_LEAKY_RELU_GRADIENT,
    DENSE_LEAKY_RELU_DROPOUT_GRADIENT,
  ]) {
    if (tf.getGradient(gradient.kernelName) === undefined) tf.registerGradient(gradient);
  }
  return NATIVE_KERNELS.map((kernel) => kernel.kernelName);
}
