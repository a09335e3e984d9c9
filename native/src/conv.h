// 2-D convolution (NHWC, filters [FH, FW, C, OC]) and its two gradients,
// built on the matrix product of gemm.h.
//
// Shape legend: N = batch, H x W x C = input, OH x OW x OC = output,
// FH x FW = filter window. Each output pixel is one row of an "im2col"
// matrix holding the FH * FW * C input values it sees, so
//   forward:          out[N*OH*OW, OC]  = cols[N*OH*OW, FH*FW*C] * filter
//   input gradient:   dcols = dy * filter^T, scattered back (col2im)
//   filter gradient:  dfilter = cols^T * dy
// The im2col matrix is built a chunk of rows at a time so its memory stays
// small, and chunks are spread across the thread pool (each chunk then runs
// a single-threaded product).
#pragma once

#include <cstdint>

namespace mg {

struct ConvShape {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
};

void conv2d(const ConvShape& s, const float* x, const float* filter,
            float* out);

void conv2d_backprop_input(const ConvShape& s, const float* dy,
                           const float* filter, float* dx);

void conv2d_backprop_filter(const ConvShape& s, const float* x,
                            const float* dy, float* dfilter);

}  // namespace mg
