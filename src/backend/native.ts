/**
 * Loader for the native CPU backend (the C++ addon in `native/`).
 *
 * Registers the `native` TF.js backend and its kernels once the addon is
 * built, and says why not otherwise, so the caller can fall back to another
 * backend and report it.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';

import { NativeBackend } from './native-backend.js';
import { loadAddon } from './native-addon.js';
import type { NativeAddon } from './native-addon.js';
import { registerNativeKernels } from './native-kernels/index.js';
import { setDropoutMaskFill, setNormalFill } from '../util/random.js';

/** Whether the backend is registered, and if not, why. */
export type NativeLoadResult = { ok: true } | { ok: false; reason: string };

/** Name of the backend in TF.js. */
export const NATIVE_BACKEND_NAME = 'native';

// Above cpu (1) and wasm (2): when registered, it is the best CPU backend.
const PRIORITY = 3;

let registered = false;

function addonOrThrow(): NativeAddon {
  const load = loadAddon();
  if (!load.ok) throw new Error(`native backend: ${load.reason}`);
  return load.addon;
}

/**
 * Registers the `native` backend and its kernels if the addon is built.
 * Safe to call more than once; it does not make the backend active.
 */
export async function loadNativeBackend(): Promise<NativeLoadResult> {
  if (registered) return { ok: true };
  const load = loadAddon();
  if (!load.ok) return { ok: false, reason: load.reason };
  try {
    registerNativeKernels(load.addon, NATIVE_BACKEND_NAME);
    tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(), PRIORITY);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `registering the native kernels failed: ${message}` };
  }
  registered = true;
  // The same stream as the JavaScript loop, about four times faster: a GAN
  // step draws about 700,000 dropout-mask values.
  const { addon } = load;
  setDropoutMaskFill((out, state, threshold, keep) =>
    addon.dropoutMask(out, state, threshold, keep),
  );
  // Likewise for normal values, about twice as fast: a GAN step draws
  // 25,600 for its noise.
  setNormalFill((out, state, mean, std) => addon.normalFill(out, state, mean, std));
  return { ok: true };
}

/**
 * Sets the number of threads of the native kernels (the default is
 * MNIST_GAN_THREADS, else every core) and returns the number now used.
 */
export function setNativeThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`setNativeThreads: expected a positive integer, got ${threads}`);
  }
  return addonOrThrow().setThreads(threads);
}

/** Number of threads the native kernels use. */
export function getNativeThreads(): number {
  return addonOrThrow().getThreads();
}

/**
 * Selects the SIMD path of the native kernels: 'avx2' (the default where
 * the processor has AVX2 and FMA) or 'portable' (also forced by
 * MNIST_GAN_NATIVE_ISA=portable). Returns false when the processor lacks
 * the path asked for.
 */
export function setNativeIsa(isa: 'portable' | 'avx2'): boolean {
  return addonOrThrow().setIsa(isa);
}

/** The SIMD path in use. */
export function getNativeIsa(): 'portable' | 'avx2' {
  return addonOrThrow().getIsa();
}

/** Whether this processor can run the AVX2 path. */
export function nativeHasAvx2(): boolean {
  return addonOrThrow().hasAvx2();
}
