/**
 * Typed access to the C++ addon of the native backend
 * (`build/Release/mnist_gan_native.node`, sources in `native/src/`).
 *
 * The addon's functions read and write the typed arrays of TF.js's cpu
 * storage directly. The numeric codes below mirror the enums of
 * `native/src/*.h` and must stay in step with them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Functions exported by the addon; see `native/src/addon.cc`. */
export interface NativeAddon {
  /**
   * out[b] = act(op(a[b]) * op(b[b]) + bias); `params` holds batch, m, n, k,
   * transposes, batch strides, bias strides, activation code, prelu strides
   * and the leaky-relu alpha (16 numbers, see MatMul in addon.cc).
   */
  matmul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    bias: Float32Array | null,
    preluAlpha: Float32Array | null,
    params: Float64Array,
  ): void;
  /** Broadcasting binary op; `plan` is [rank, shape, aStrides, bStrides]. */
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array | Uint8Array,
    plan: Float64Array,
  ): void;
  unary(
    op: number,
    x: Float32Array,
    out: Float32Array,
    alpha: number,
    beta: number,
  ): void;
  /**
   * The gradient of a dense layer's LeakyReLU (and dropout mask) from its
   * output h [rows, cols]: dz = h > 0 ? dy * mask : dy * mask * alpha (no
   * mask: dy), and in `biasGrad` the column sums of dz.
   */
  denseActivationGrad(
    dy: Float32Array,
    h: Float32Array,
    mask: Float32Array | null,
    alpha: number,
    cols: number,
    dz: Float32Array,
    biasGrad: Float32Array,
  ): void;
  select(
    condition: Uint8Array,
    t: Float32Array,
    e: Float32Array,
    out: Float32Array,
  ): void;
  /** `params` is [rank, shape, perm]. */
  transpose(
    x: Float32Array | Int32Array,
    out: Float32Array | Int32Array,
    params: Float64Array,
  ): void;
  /** Reduces x seen as [outer, reduceSize, inner] into [outer, inner]. */
  reduce(
    op: number,
    x: Float32Array,
    out: Float32Array | Int32Array,
    outer: number,
    reduceSize: number,
    inner: number,
  ): void;
  softmax(logits: Float32Array, out: Float32Array, rows: number, cols: number): void;
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    scale: Float32Array | null,
    offset: Float32Array | null,
    epsilon: number,
    out: Float32Array,
  ): void;
  /** In-place Adam step; `scalars` as in AdamScalars of adam.h. */
  adam(
    value: Float32Array,
    m: Float32Array,
    v: Float32Array,
    gradient: Float32Array,
    scalars: Float64Array,
  ): void;
  /** Convolutions; `params` holds the 15 numbers of ConvShape (conv.h). */
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    out: Float32Array,
    params: Float64Array,
  ): void;
  conv2dBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    params: Float64Array,
  ): void;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dfilter: Float32Array,
    params: Float64Array,
  ): void;
  /**
   * Random.fillDropoutMask's loop: fills `out` from the generator whose four
   * words are in `state`, advancing them in place.
   */
  dropoutMask(
    out: Float32Array,
    state: Uint32Array,
    threshold: number,
    keep: number,
  ): void;
  /**
   * Random.fillNormal's loop, likewise: Box-Muller in double, values equal
   * to JavaScript's but for a rare last bit (C++'s log, cos and sin are not
   * V8's).
   */
  normalFill(out: Float32Array, state: Uint32Array, mean: number, std: number): void;
  /** Sets the thread count (at least 1) and returns the one in use. */
  setThreads(threads: number): number;
  getThreads(): number;
  /** Selects the SIMD path; false when this processor lacks it. */
  setIsa(isa: 'portable' | 'avx2'): boolean;
  getIsa(): 'portable' | 'avx2';
  hasAvx2(): boolean;
}

/** Codes of BinaryOp in native/src/elementwise.h. */
export const BINARY_OP = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  Pow: 6,
  SquaredDifference: 7,
  Prelu: 8,
  Greater: 9,
  GreaterEqual: 10,
  Less: 11,
  LessEqual: 12,
  Equal: 13,
  NotEqual: 14,
} as const;

/** Codes of UnaryOp in native/src/elementwise.h. */
export const UNARY_OP = {
  Relu: 0,
  Relu6: 1,
  LeakyRelu: 2,
  Sigmoid: 3,
  Tanh: 4,
  Softplus: 5,
  Exp: 6,
  Log: 7,
  Log1p: 8,
  Sqrt: 9,
  Rsqrt: 10,
  Square: 11,
  Neg: 12,
  Abs: 13,
  Reciprocal: 14,
  Sign: 15,
  Step: 16,
  Elu: 17,
  Floor: 18,
  Ceil: 19,
  Expm1: 20,
  ClipByValue: 21,
  Copy: 22,
} as const;

/** Codes of ReduceOp in native/src/reduce.h. */
export const REDUCE_OP = {
  Sum: 0,
  Mean: 1,
  Max: 2,
  Min: 3,
  ArgMax: 4,
  ArgMin: 5,
} as const;

/** Codes of Activation in native/src/gemm.h, by TF.js activation name. */
export const ACTIVATION: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};

/** Where the build puts the addon, relative to the project root. */
export const ADDON_PATH = 'build/Release/mnist_gan_native.node';

/** Where the install script records why the build failed. */
const FAILURE_PATH = 'build/native-build-failure.txt';

/** The project root: this file lives in dist/src/backend/ once compiled. */
function projectRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
}

export type AddonLoad = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

let cached: AddonLoad | undefined;

/**
 * Loads the addon once; later calls return the same result. When the file
 * is missing, the reason recorded by the install script is returned.
 */
export function loadAddon(): AddonLoad {
  if (cached !== undefined) return cached;
  const root = projectRoot();
  const file = path.join(root, ADDON_PATH);
  if (!existsSync(file)) {
    const failure = path.join(root, FAILURE_PATH);
    const why = existsSync(failure)
      ? readFileSync(failure, 'utf8').trim()
      : 'run "npm install" with a C++ compiler available to build it';
    cached = { ok: false, reason: `${ADDON_PATH} is not built (${why})` };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    cached = { ok: true, addon };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    cached = {
      ok: false,
      reason: `loading ${ADDON_PATH} failed: ${message.split('\n')[0]}`,
    };
  }
  return cached;
}
