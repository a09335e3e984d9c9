/**
 * Shared pieces of the native kernels: access to the cpu storage, output
 * allocation, and the fallback to the cpu kernel for cases the addon does
 * not cover (other dtypes, unusual layouts).
 */
import type {
  KernelConfig,
  KernelFunc,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import type { NativeAddon } from '../native-addon.js';

/** What every native kernel needs: the addon and the cpu kernel it replaces. */
export interface KernelContext {
  addon: NativeAddon;
  /** The cpu backend's kernel of the same name, for the cases left to it. */
  fallback: KernelFunc;
}

/** Builds a native kernel's function from its context. */
export type NativeKernelFactory = (context: KernelContext) => KernelFunc;

/** A native kernel: its TF.js kernel name and how to build it. */
export interface NativeKernel {
  kernelName: string;
  create: NativeKernelFactory;
}

/** The typed array behind a tensor in the cpu storage. */
export function valuesOf(backend: MathBackendCPU, tensor: TensorInfo): unknown {
  return backend.data.get(tensor.dataId).values;
}

/** The Float32Array behind a float32 tensor. */
export function floatsOf(backend: MathBackendCPU, tensor: TensorInfo): Float32Array {
  return backend.data.get(tensor.dataId).values as Float32Array;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Whether every tensor given is float32. */
export function allFloat32(...tensors: (TensorInfo | undefined)[]): boolean {
  for (const tensor of tensors) {
    if (tensor !== undefined && tensor.dtype !== 'float32') return false;
  }
  return true;
}

/** A cpu kernel config, re-registered for another backend. */
export function forBackend(config: KernelConfig, backendName: string): KernelConfig {
  return { ...config, backendName };
}

/** Input `name` of a kernel call; its absence is a bug in the caller. */
export function inputOf(
  inputs: NamedTensorInfoMap,
  name: string,
  kernelName: string,
): TensorInfo {
  const tensor = inputs[name];
  if (tensor === undefined || tensor === null) {
    throw new Error(`${kernelName}: input "${name}" is missing`);
  }
  return tensor;
}

/** An optional input: undefined when absent. */
export function optionalInput(
  inputs: NamedTensorInfoMap,
  name: string,
): TensorInfo | undefined {
  return inputs[name] ?? undefined;
}
