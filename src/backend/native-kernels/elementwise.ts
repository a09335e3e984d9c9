/**
 * Native element-wise kernels: binary ops with broadcasting, unary ops and
 * activations, Select, Transpose and Cast.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { BINARY_OP, UNARY_OP } from '../native-addon.js';
import { takeOutput } from '../native-backend.js';
import { allFloat32, floatsOf, inputOf, sizeOf, valuesOf } from './common.js';
import type { NativeKernel } from './common.js';

const MAX_RANK = 6;

/**
 * Collapses the broadcast of `aShape` and `bShape` into the fewest
 * dimensions: size-1 output dimensions are dropped, and neighbours that
 * broadcast the same way merge. Returns [rank, shape, aStrides, bStrides],
 * or undefined when more than MAX_RANK dimensions remain.
 */
export function broadcastPlan(
  aShape: readonly number[],
  bShape: readonly number[],
): Float64Array | undefined {
  const rank = Math.max(aShape.length, bShape.length);
  const shape: number[] = [];
  const aFull: boolean[] = [];
  const bFull: boolean[] = [];
  for (let d = 0; d < rank; d++) {
    const a = aShape[d - (rank - aShape.length)] ?? 1;
    const b = bShape[d - (rank - bShape.length)] ?? 1;
    const size = Math.max(a, b);
    if (a === 0 || b === 0) {
      // An empty output: one empty dimension says it all.
      return Float64Array.of(1, 0, 0, 0);
    }
    if (size === 1) continue;
    const aHas = a !== 1;
    const bHas = b !== 1;
    const last = shape.length - 1;
    if (last >= 0 && aFull[last] === aHas && bFull[last] === bHas) {
      shape[last] *= size;
    } else {
      shape.push(size);
      aFull.push(aHas);
      bFull.push(bHas);
    }
  }
  if (shape.length === 0) {
    shape.push(1);
    aFull.push(true);
    bFull.push(true);
  }
  const n = shape.length;
  if (n > MAX_RANK) return undefined;
  const plan = new Float64Array(1 + 3 * n);
  plan[0] = n;
  let aStride = 1;
  let bStride = 1;
  for (let d = n - 1; d >= 0; d--) {
    plan[1 + d] = shape[d];
    plan[1 + n + d] = aFull[d] ? aStride : 0;
    plan[1 + 2 * n + d] = bFull[d] ? bStride : 0;
    if (aFull[d]) aStride *= shape[d];
    if (bFull[d]) bStride *= shape[d];
  }
  return plan;
}

// Plans are reused: the same few shape pairs recur on every training step.
const planCache = new Map<string, Float64Array | undefined>();
const PLAN_CACHE_LIMIT = 512;

/** {@link broadcastPlan}, cached by the pair of shapes. */
export function cachedPlan(aShape: number[], bShape: number[]): Float64Array | undefined {
  const key = `${aShape.join(',')}|${bShape.join(',')}`;
  let plan = planCache.get(key);
  if (plan === undefined && !planCache.has(key)) {
    plan = broadcastPlan(aShape, bShape);
    if (planCache.size >= PLAN_CACHE_LIMIT) planCache.clear();
    planCache.set(key, plan);
  }
  return plan;
}

const COMPARISONS = new Set([
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'Equal',
  'NotEqual',
]);

function binaryKernel(
  name: keyof typeof BINARY_OP,
  inputNames: [string, string],
): NativeKernel {
  const op = BINARY_OP[name];
  const isComparison = COMPARISONS.has(name);
  return {
    kernelName: name,
    create:
      ({ addon, fallback }) =>
      (args) => {
        const a = inputOf(args.inputs, inputNames[0], name);
        const b = inputOf(args.inputs, inputNames[1], name);
        if (!allFloat32(a, b)) return fallback(args);
        const plan = cachedPlan(a.shape, b.shape);
        if (plan === undefined) return fallback(args);
        const backend = args.backend as MathBackendCPU;
        const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const size = sizeOf(outShape);
        const out = isComparison ? new Uint8Array(size) : takeOutput(backend, size);
        addon.binary(op, floatsOf(backend, a), floatsOf(backend, b), out, plan);
        return backend.makeTensorInfo(outShape, isComparison ? 'bool' : 'float32', out);
      },
  };
}

type UnaryName = Exclude<keyof typeof UNARY_OP, 'Copy'>;

function unaryKernel(
  name: UnaryName,
  scalars: (attrs: NamedAttrMap | undefined) => [number, number] = () => [0, 0],
): NativeKernel {
  const op = UNARY_OP[name];
  return {
    kernelName: name,
    create:
      ({ addon, fallback }) =>
      (args) => {
        const x = inputOf(args.inputs, 'x', name);
        if (x.dtype !== 'float32') return fallback(args);
        const backend = args.backend as MathBackendCPU;
        const out = takeOutput(backend, sizeOf(x.shape));
        const [alpha, beta] = scalars(args.attrs);
        addon.unary(op, floatsOf(backend, x), out, alpha, beta);
        return backend.makeTensorInfo(x.shape, 'float32', out);
      },
  };
}

function numberAttr(attrs: NamedAttrMap | undefined, name: string): number {
  return Number(attrs?.[name]);
}

const selectKernel: NativeKernel = {
  kernelName: 'Select',
  create:
    ({ addon, fallback }) =>
    (args) => {
      const condition = inputOf(args.inputs, 'condition', 'Select');
      const t = inputOf(args.inputs, 't', 'Select');
      const e = inputOf(args.inputs, 'e', 'Select');
      const sameShape =
        condition.shape.length === t.shape.length &&
        condition.shape.every((dim, i) => dim === t.shape[i] && dim === e.shape[i]);
      if (condition.dtype !== 'bool' || !allFloat32(t, e) || !sameShape) {
        return fallback(args);
      }
      const backend = args.backend as MathBackendCPU;
      const out = takeOutput(backend, sizeOf(t.shape));
      addon.select(
        valuesOf(backend, condition) as Uint8Array,
        floatsOf(backend, t),
        floatsOf(backend, e),
        out,
      );
      return backend.makeTensorInfo(t.shape, 'float32', out);
    },
};

const transposeKernel: NativeKernel = {
  kernelName: 'Transpose',
  create:
    ({ addon, fallback }) =>
    (args) => {
      const x = inputOf(args.inputs, 'x', 'Transpose');
      const perm = args.attrs?.perm as number[];
      const rank = x.shape.length;
      if ((x.dtype !== 'float32' && x.dtype !== 'int32') || rank < 1 || rank > MAX_RANK) {
        return fallback(args);
      }
      const backend = args.backend as MathBackendCPU;
      const params = new Float64Array(1 + 2 * rank);
      params[0] = rank;
      const outShape: number[] = [];
      for (let d = 0; d < rank; d++) {
        params[1 + d] = x.shape[d];
        params[1 + rank + d] = perm[d];
        outShape.push(x.shape[perm[d]]);
      }
      const size = sizeOf(x.shape);
      const out = x.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
      addon.transpose(valuesOf(backend, x) as Float32Array | Int32Array, out, params);
      return backend.makeTensorInfo(outShape, x.dtype, out);
    },
};

/**
 * Cast between float32, int32 and bool. Typed-array conversion runs in the
 * JavaScript engine's own native code, so no addon call is needed; the
 * rules match the cpu kernel (truncation toward zero, NaN to 0, and any
 * non-zero value, NaN included, to true).
 */
const castKernel: NativeKernel = {
  kernelName: 'Cast',
  create:
    ({ fallback }) =>
    (args) => {
      const x = inputOf(args.inputs, 'x', 'Cast');
      const dtype = args.attrs?.dtype;
      const backend = args.backend as MathBackendCPU;
      const source = valuesOf(backend, x);
      const numeric = x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
      if (!numeric || dtype === x.dtype) return fallback(args);
      const from = source as Float32Array | Int32Array | Uint8Array;
      if (dtype === 'float32') {
        return backend.makeTensorInfo(x.shape, 'float32', new Float32Array(from));
      }
      if (dtype === 'int32') {
        return backend.makeTensorInfo(x.shape, 'int32', new Int32Array(from));
      }
      if (dtype === 'bool') {
        const out = new Uint8Array(from.length);
        for (let i = 0; i < from.length; i++) out[i] = from[i] !== 0 ? 1 : 0;
        return backend.makeTensorInfo(x.shape, 'bool', out);
      }
      return fallback(args);
    },
};

/** The element-wise kernels the addon implements. */
export const ELEMENTWISE_KERNELS: NativeKernel[] = [
  binaryKernel('Add', ['a', 'b']),
  binaryKernel('Sub', ['a', 'b']),
  binaryKernel('Multiply', ['a', 'b']),
  binaryKernel('RealDiv', ['a', 'b']),
  binaryKernel('Maximum', ['a', 'b']),
  binaryKernel('Minimum', ['a', 'b']),
  binaryKernel('Pow', ['a', 'b']),
  binaryKernel('SquaredDifference', ['a', 'b']),
  binaryKernel('Prelu', ['x', 'alpha']),
  binaryKernel('Greater', ['a', 'b']),
  binaryKernel('GreaterEqual', ['a', 'b']),
  binaryKernel('Less', ['a', 'b']),
  binaryKernel('LessEqual', ['a', 'b']),
  binaryKernel('Equal', ['a', 'b']),
  binaryKernel('NotEqual', ['a', 'b']),
  unaryKernel('Relu'),
  unaryKernel('Relu6'),
  unaryKernel('LeakyRelu', (attrs) => [numberAttr(attrs, 'alpha'), 0]),
  unaryKernel('Sigmoid'),
  unaryKernel('Tanh'),
  unaryKernel('Softplus'),
  unaryKernel('Exp'),
  unaryKernel('Log'),
  unaryKernel('Log1p'),
  unaryKernel('Sqrt'),
  unaryKernel('Rsqrt'),
  unaryKernel('Square'),
  unaryKernel('Neg'),
  unaryKernel('Abs'),
  unaryKernel('Reciprocal'),
  unaryKernel('Sign'),
  unaryKernel('Step', (attrs) => [numberAttr(attrs, 'alpha'), 0]),
  unaryKernel('Elu'),
  unaryKernel('Floor'),
  unaryKernel('Ceil'),
  unaryKernel('Expm1'),
  unaryKernel('ClipByValue', (attrs) => [
    numberAttr(attrs, 'clipValueMin'),
    numberAttr(attrs, 'clipValueMax'),
  ]),
  selectKernel,
  transposeKernel,
  castKernel,
];
