/**
 * Native Conv2D and its gradients, Conv2DBackpropInput (which is also
 * conv2dTranspose's kernel) and Conv2DBackpropFilter. Only the NHWC layout
 * runs natively; NCHW goes to the cpu kernels.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import { allFloat32, floatsOf, inputOf, sizeOf } from './common.js';
import type { KernelContext, NativeKernel } from './common.js';

type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** The 15 numbers of ConvShape (native/src/conv.h). */
function convParams(info: backend_util.Conv2DInfo): Float64Array {
  return Float64Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
}

function convInfo(
  inShape: Shape4,
  filterShape: Shape4,
  attrs: NamedAttrMap | undefined,
  dilations: number | [number, number],
): backend_util.Conv2DInfo | undefined {
  if (attrs?.dataFormat === 'NCHW') return undefined;
  return backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs?.strides as number | [number, number],
    dilations,
    attrs?.pad as Pad,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

function conv2d({ addon, fallback }: KernelContext): KernelFunc {
  return (args) => {
    const x = inputOf(args.inputs, 'x', 'Conv2D');
    const filter = inputOf(args.inputs, 'filter', 'Conv2D');
    if (!allFloat32(x, filter)) return fallback(args);
    const dilations = (args.attrs?.dilations as number | [number, number]) ?? 1;
    const info = convInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      args.attrs,
      dilations,
    );
    if (info === undefined) return fallback(args);
    const backend = args.backend as MathBackendCPU;
    const out = new Float32Array(sizeOf(info.outShape));
    if (out.length > 0) {
      addon.conv2d(
        floatsOf(backend, x),
        floatsOf(backend, filter),
        out,
        convParams(info),
      );
    }
    return backend.makeTensorInfo(info.outShape, 'float32', out);
  };
}

function conv2dBackpropInput({ addon, fallback }: KernelContext): KernelFunc {
  return (args) => {
    const dy = inputOf(args.inputs, 'dy', 'Conv2DBackpropInput');
    const filter = inputOf(args.inputs, 'filter', 'Conv2DBackpropInput');
    if (!allFloat32(dy, filter)) return fallback(args);
    const inputShape = args.attrs?.inputShape as Shape4;
    const info = convInfo(inputShape, filter.shape as Shape4, args.attrs, 1);
    if (info === undefined) return fallback(args);
    const backend = args.backend as MathBackendCPU;
    const dx = new Float32Array(sizeOf(inputShape));
    if (dx.length > 0) {
      addon.conv2dBackpropInput(
        floatsOf(backend, dy),
        floatsOf(backend, filter),
        dx,
        convParams(info),
      );
    }
    return backend.makeTensorInfo(inputShape, 'float32', dx);
  };
}

function conv2dBackpropFilter({ addon, fallback }: KernelContext): KernelFunc {
  return (args) => {
    const x = inputOf(args.inputs, 'x', 'Conv2DBackpropFilter');
    const dy = inputOf(args.inputs, 'dy', 'Conv2DBackpropFilter');
    if (!allFloat32(x, dy)) return fallback(args);
    const filterShape = args.attrs?.filterShape as Shape4;
    const info = convInfo(x.shape as Shape4, filterShape, args.attrs, 1);
    if (info === undefined) return fallback(args);
    const backend = args.backend as MathBackendCPU;
    const dfilter = new Float32Array(sizeOf(filterShape));
    if (dfilter.length > 0) {
      addon.conv2dBackpropFilter(
        floatsOf(backend, x),
        floatsOf(backend, dy),
        dfilter,
        convParams(info),
      );
    }
    return backend.makeTensorInfo(filterShape, 'float32', dfilter);
  };
}

/** The convolution kernels the addon implements. */
export const CONV_KERNELS: NativeKernel[] = [
  { kernelName: 'Conv2D', create: conv2d },
  { kernelName: 'Conv2DBackpropInput', create: conv2dBackpropInput },
  { kernelName: 'Conv2DBackpropFilter', create: conv2dBackpropFilter },
];
