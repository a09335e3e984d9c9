/**
 * Helpers of the native backend's tests: loading the backend (or the reason
 * to skip), running one computation on two backends, and measuring how far
 * apart the results are.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

import { loadNativeBackend } from '../../src/backend/native.js';

/**
 * False when the native backend is registered; otherwise the message the
 * tests skip with. Only a genuinely missing addon skips: any other failure
 * to load is an error.
 */
export async function nativeSkipReason(): Promise<string | false> {
  const result = await loadNativeBackend();
  if (result.ok) return false;
  if (/is not built/.test(result.reason)) {
    return `native addon not built, skipping: ${result.reason}`;
  }
  throw new Error(`the native addon exists but did not load: ${result.reason}`);
}

/** Makes `backend` the active one, without the cpu backend's hint. */
export async function useBackend(backend: string): Promise<void> {
  await tf.setBackend(backend);
  // The cpu backend's one-time hint to install tfjs-node is noise here.
  const active = tf.backend() as unknown as { firstUse?: boolean };
  if ('firstUse' in active) active.firstUse = false;
}

/** A tensor's data copied out of its backend. */
export interface Snapshot {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array | Uint8Array;
}

/** Runs `build` on `backend` and copies out every tensor it returns. */
export async function runOn(
  backend: string,
  build: () => tf.Tensor | tf.Tensor[],
): Promise<Snapshot[]> {
  await useBackend(backend);
  return tf.tidy(() => {
    const result = build();
    const tensors = Array.isArray(result) ? result : [result];
    return tensors.map((t) => ({
      shape: t.shape.slice(),
      dtype: t.dtype,
      values: (t.dataSync() as Float32Array | Int32Array | Uint8Array).slice(),
    }));
  });
}

/**
 * Largest difference between two arrays, relative to max(1, |expected|).
 * Equal infinities and NaN against NaN count as 0; NaN against a number,
 * or infinities that differ, count as Infinity.
 */
export function largestDifference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): number {
  if (actual.length !== expected.length) return Infinity;
  let largest = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) !== Number.isNaN(e)) return Infinity;
      continue;
    }
    if (a === e) continue;
    if (!Number.isFinite(a) || !Number.isFinite(e)) return Infinity;
    largest = Math.max(largest, Math.abs(a - e) / Math.max(1, Math.abs(e)));
  }
  return largest;
}

/**
 * Runs `build` on cpu and on native and returns the largest difference over
 * all outputs; shapes and dtypes must agree exactly.
 */
export async function compareWithCpu(
  build: () => tf.Tensor | tf.Tensor[],
): Promise<number> {
  const expected = await runOn('cpu', build);
  const actual = await runOn('native', build);
  let largest = 0;
  expected.forEach((e, i) => {
    const a = actual[i];
    if (a.dtype !== e.dtype || a.shape.join() !== e.shape.join()) {
      throw new Error(
        `output ${i}: native gave ${a.dtype} [${a.shape}], cpu gave ${e.dtype} [${e.shape}]`,
      );
    }
    largest = Math.max(largest, largestDifference(a.values, e.values));
  });
  return largest;
}

/** Deterministic pseudo-random values in [low, high), seeded. */
export function randomValues(
  count: number,
  seed: number,
  low = -1,
  high = 1,
): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    // xorshift32: enough for test inputs, and identical on every run.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = low + ((state >>> 8) / 16777216) * (high - low);
  }
  return out;
}

/** Values that exercise edge cases: NaN, infinities, signed zeros, extremes. */
export const SPECIAL_VALUES = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1e-30,
  -1e-30,
  3e38,
  -3e38,
  88.5,
  -88.5,
  20,
  -20,
  -15.1,
  1e-8,
  6,
  7,
];

/** `count` inputs: the special values first, then random ones. */
export function valuesWithSpecials(count: number, seed: number, scale = 3): Float32Array {
  const out = randomValues(count, seed, -scale, scale);
  out.set(SPECIAL_VALUES.slice(0, Math.min(count, SPECIAL_VALUES.length)));
  return out;
}
