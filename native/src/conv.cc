// Convolution through im2col and the blocked matrix product (see conv.h).
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "thread_pool.h"

namespace mg {

namespace {

// Output pixels per im2col chunk: enough rows for the product to run at
// full speed, few enough that the chunk stays in L2/L3.
constexpr int64_t kChunkRows = 192;

// Fills rows [row0, row0 + rows) of the im2col matrix (row = output pixel
// index over N * OH * OW) into cols, zero where the window hangs over the
// padding.
void im2col(const ConvShape& s, const float* x, int64_t row0, int64_t rows,
            float* cols) {
  const int64_t width = s.filter_h * s.filter_w * s.in_c;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pixel = row0 + r;
    const int64_t n = pixel / (s.out_h * s.out_w);
    const int64_t oh = (pixel / s.out_w) % s.out_h;
    const int64_t ow = pixel % s.out_w;
    float* out = cols + r * width;
    for (int64_t fh = 0; fh < s.filter_h; ++fh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + fh * s.dilation_h;
      for (int64_t fw = 0; fw < s.filter_w; ++fw) {
        const int64_t iw = ow * s.stride_w - s.pad_left + fw * s.dilation_w;
        float* target = out + (fh * s.filter_w + fw) * s.in_c;
        if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) {
          std::memset(target, 0, static_cast<std::size_t>(s.in_c) * 4);
        } else {
          std::memcpy(target, x + ((n * s.in_h + ih) * s.in_w + iw) * s.in_c,
                      static_cast<std::size_t>(s.in_c) * 4);
        }
      }
    }
  }
}

// Adds rows [row0, row0 + rows) of an im2col-shaped gradient back onto the
// input pixels they came from.
void col2im_add(const ConvShape& s, const float* cols, int64_t row0,
                int64_t rows, float* dx) {
  const int64_t width = s.filter_h * s.filter_w * s.in_c;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pixel = row0 + r;
    const int64_t n = pixel / (s.out_h * s.out_w);
    const int64_t oh = (pixel / s.out_w) % s.out_h;
    const int64_t ow = pixel % s.out_w;
    const float* source_row = cols + r * width;
    for (int64_t fh = 0; fh < s.filter_h; ++fh) {
      const int64_t ih = oh * s.stride_h - s.pad_top + fh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) continue;
      for (int64_t fw = 0; fw < s.filter_w; ++fw) {
        const int64_t iw = ow * s.stride_w - s.pad_left + fw * s.dilation_w;
        if (iw < 0 || iw >= s.in_w) continue;
        const float* source = source_row + (fh * s.filter_w + fw) * s.in_c;
        float* target = dx + ((n * s.in_h + ih) * s.in_w + iw) * s.in_c;
        for (int64_t c = 0; c < s.in_c; ++c) target[c] += source[c];
      }
    }
  }
}

std::vector<float>& scratch() {
  thread_local std::vector<float> buffer;
  return buffer;
}

}  // namespace

void conv2d(const ConvShape& s, const float* x, const float* filter,
            float* out) {
  const int64_t total_rows = s.batch * s.out_h * s.out_w;
  const int64_t width = s.filter_h * s.filter_w * s.in_c;
  const int64_t chunks = (total_rows + kChunkRows - 1) / kChunkRows;
  parallel_tasks(static_cast<int>(chunks), [&](int chunk) {
    const int64_t row0 = chunk * kChunkRows;
    const int64_t rows = std::min(kChunkRows, total_rows - row0);
    std::vector<float>& cols = scratch();
    cols.resize(static_cast<std::size_t>(rows * width));
    im2col(s, x, row0, rows, cols.data());
    GemmProblem p;
    p.m = rows;
    p.n = s.out_c;
    p.k = width;
    p.a = cols.data();
    p.b = filter;
    p.c = out + row0 * s.out_c;
    p.single_thread = true;
    gemm(p);
  });
}

void conv2d_backprop_input(const ConvShape& s, const float* dy,
                           const float* filter, float* dx) {
  const int64_t pixels = s.out_h * s.out_w;
  const int64_t width = s.filter_h * s.filter_w * s.in_c;
  std::fill(dx, dx + s.batch * s.in_h * s.in_w * s.in_c, 0.0f);
  // One task per image: the scatter of an image never races with another.
  parallel_tasks(static_cast<int>(s.batch), [&](int n) {
    std::vector<float>& cols = scratch();
    for (int64_t start = 0; start < pixels; start += kChunkRows) {
      const int64_t rows = std::min(kChunkRows, pixels - start);
      const int64_t row0 = n * pixels + start;
      cols.resize(static_cast<std::size_t>(rows * width));
      GemmProblem p;
      p.m = rows;
      p.n = width;
      p.k = s.out_c;
      p.a = dy + row0 * s.out_c;
      p.b = filter;  // [width, OC], used transposed
      p.trans_b = true;
      p.c = cols.data();
      p.single_thread = true;
      gemm(p);
      col2im_add(s, cols.data(), row0, rows, dx);
    }
  });
}

void conv2d_backprop_filter(const ConvShape& s, const float* x,
                            const float* dy, float* dfilter) {
  const int64_t total_rows = s.batch * s.out_h * s.out_w;
  const int64_t width = s.filter_h * s.filter_w * s.in_c;
  const int64_t filter_size = width * s.out_c;
  // Each part sums a fixed range of rows into its own buffer; the parts are
  // then added in order, so the result depends only on the thread count.
  const int parts = static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>(thread_count(), total_rows /
                                                                 kChunkRows)));
  std::vector<float> partial(static_cast<std::size_t>(parts) * filter_size,
                             0.0f);
  const int64_t rows_per_part = (total_rows + parts - 1) / parts;
  parallel_tasks(parts, [&](int part) {
    float* target = partial.data() + part * filter_size;
    const int64_t begin = part * rows_per_part;
    const int64_t end = std::min(total_rows, begin + rows_per_part);
    std::vector<float>& cols = scratch();
    for (int64_t row0 = begin; row0 < end; row0 += kChunkRows) {
      const int64_t rows = std::min(kChunkRows, end - row0);
      cols.resize(static_cast<std::size_t>(rows * width));
      im2col(s, x, row0, rows, cols.data());
      GemmProblem p;
      p.m = width;
      p.n = s.out_c;
      p.k = rows;
      p.a = cols.data();  // [rows, width], used transposed
      p.trans_a = true;
      p.b = dy + row0 * s.out_c;
      p.c = target;
      p.accumulate = true;
      p.single_thread = true;
      gemm(p);
    }
  });
  std::copy(partial.begin(), partial.begin() + filter_size, dfilter);
  for (int part = 1; part < parts; ++part) {
    const float* source = partial.data() + part * filter_size;
    for (int64_t i = 0; i < filter_size; ++i) dfilter[i] += source[i];
  }
}

}  // namespace mg
