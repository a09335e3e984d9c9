// Blocking, packing, threading and the output stage of the matrix product
// (the loop structure is described in gemm.h).
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "cpu_features.h"
#include "thread_pool.h"

namespace mg {

namespace {

// Block sizes. KC x NR floats of B (16 KiB) stay in L1 across a column of
// micro-kernels; MC x KC floats of A (144 KiB) stay in L2; the KC x NC
// packed slice of B is reused by every row block.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 144;
constexpr int64_t kNc = 2048;

// Below this many multiply-adds a product runs on one thread: waking a
// worker costs more than it saves.
constexpr int64_t kParallelMinMacs = 1 << 16;

// Threaded products are cut into up to this many rectangles per thread,
// none narrower than kMinPartSize (a multiple of both kMr and kNr). Each
// rectangle packs all of A (column split) or B (row split) again, so fewer
// is cheaper: at 256x784x1024 on two threads, one rectangle per thread ran
// 3% faster than two, measured in alternation on the shared machine, even
// though two let one thread take over part of a descheduled thread's share.
constexpr int64_t kPartsPerThread = 1;
constexpr int64_t kMinPartSize = 96;

// A threaded product split by columns with at least this many multiply-adds
// packs A once, shared by every thread, instead of once per rectangle; the
// rectangles can then be narrower and more numerous, so a thread the system
// deschedules on a shared machine leaves less work behind.
constexpr int64_t kSharedPackMinMacs = 1 << 22;
constexpr int64_t kSharedPartsPerThread = 4;
constexpr int64_t kMinSharedPartSize = 64;

// Copies rows [p0, p0 + kc) x columns [j0, j0 + width) of the row-major
// matrix `src` (leading dimension ld) into `width`-wide panels of
// `panel_width` columns, as pack_a and pack_b lay them out when the source
// already holds a panel's values side by side (A stored transposed, B
// not). It walks the source row by row: panel by panel instead, every
// short copy started a new row 4 KB or more away, and the copies cost an
// eighth of a 256x784x1024 product on one thread.
void pack_rowwise(const float* src, int64_t ld, int64_t p0, int64_t kc,
                  int64_t j0, int64_t width, int panel_width, float* dst) {
  const int64_t full = width / panel_width * panel_width;
  const size_t bytes = static_cast<size_t>(panel_width) * sizeof(float);
  for (int64_t p = 0; p < kc; ++p) {
    const float* row = src + (p0 + p) * ld + j0;
    float* out = dst + p * panel_width;
    for (int64_t q = 0; q < full; q += panel_width) {
      std::memcpy(out + q * kc, row + q, bytes);
    }
    if (full < width) {
      // The last, partial panel: zero past the edge.
      float* tail = out + full * kc;
      const int cols = static_cast<int>(width - full);
      int j = 0;
      for (; j < cols; ++j) tail[j] = row[full + j];
      for (; j < panel_width; ++j) tail[j] = 0.0f;
    }
  }
}

// Copies rows [j0, j0 + width) x columns [p0, p0 + kc) of the row-major
// matrix `src` (leading dimension ld) into `panel_width`-wide panels, each
// source row becoming one column of a panel: the layout pack_a and pack_b
// need when a source row holds the summed dimension (A as stored, B stored
// transposed). Whole panels go through `pack_rows`; the last, partial one is
// copied value by value and padded with zeros.
void pack_transposing(const float* src, int64_t ld, int64_t p0, int64_t kc,
                      int64_t j0, int64_t width, int panel_width,
                      PackRows pack_rows, float* dst) {
  for (int64_t q = 0; q < width; q += panel_width) {
    const int count =
        static_cast<int>(std::min<int64_t>(panel_width, width - q));
    float* panel = dst + q * kc;
    if (count == panel_width) {
      pack_rows(src + (j0 + q) * ld + p0, ld, panel_width, kc, panel);
      continue;
    }
    for (int j = 0; j < panel_width; ++j) {
      if (j < count) {
        const float* source = src + (j0 + q + j) * ld + p0;
        for (int64_t p = 0; p < kc; ++p) {
          panel[p * panel_width + j] = source[p];
        }
      } else {
        for (int64_t p = 0; p < kc; ++p) panel[p * panel_width + j] = 0.0f;
      }
    }
  }
}

// Packs rows [i0, i0 + mc) x columns [p0, p0 + kc) of op(A) into MR-tall
// panels: panel r holds, for each p, MR consecutive values (zero past M).
void pack_a(const GemmProblem& pr, const float* a, int64_t i0, int64_t mc,
            int64_t p0, int64_t kc, PackRows pack_rows, float* dst) {
  if (pr.trans_a) {
    // A is K x M: a row of A holds consecutive rows of op(A).
    pack_rowwise(a, pr.m, p0, kc, i0, mc, kMr, dst);
  } else {
    pack_transposing(a, pr.k, p0, kc, i0, mc, kMr, pack_rows, dst);
  }
}

// Packs rows [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into NR-wide
// panels: panel q holds, for each p, NR consecutive values (zero past N).
void pack_b(const GemmProblem& pr, const float* b, int64_t p0, int64_t kc,
            int64_t j0, int64_t nc, PackRows pack_rows, float* dst) {
  if (pr.trans_b) {
    // B is N x K: a row of B is a column of op(B).
    pack_transposing(b, pr.k, p0, kc, j0, nc, kNr, pack_rows, dst);
  } else {
    // B is K x N: a row of B holds consecutive columns of op(B).
    pack_rowwise(b, pr.n, p0, kc, j0, nc, kNr, dst);
  }
}

float activate(Activation activation, float x, float alpha) {
  // Each case matches TF.js's cpu kernel of the same name, NaN included.
  switch (activation) {
    case Activation::kLinear:
      return x;
    case Activation::kRelu:
      return std::isnan(x) ? x : (x < 0.0f ? 0.0f : x);
    case Activation::kRelu6:
      return std::isnan(x) ? x : std::min(std::max(x, 0.0f), 6.0f);
    case Activation::kPrelu:
    case Activation::kLeakyRelu:
      return x < 0.0f ? alpha * x : x;
    case Activation::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case Activation::kElu:
      return x >= 0.0f ? x : std::exp(x) - 1.0f;
  }
  return x;
}

// Adds the bias and applies the activation to rows [i0, i0 + rows) x
// columns [j0, j0 + cols) of batch `batch`, whose top-left element is `c`.
void output_stage(const GemmProblem& pr, int64_t batch, float* c, int64_t i0,
                  int64_t j0, int rows, int cols, bool avx2) {
  const Broadcast2d& bias = pr.bias;
  // Whole tiles with a bias laid out along the columns (a dense layer's)
  // take the vector path: this scalar loop cost a quarter of the time of a
  // 256x784x1024 product with bias and leaky relu.
  if (avx2 && cols == kNr && (bias.data == nullptr || bias.col_stride == 1)) {
    const float* bias_tile =
        bias.data == nullptr
            ? nullptr
            : bias.data + batch * bias.batch_stride + i0 * bias.row_stride + j0;
    if (output_stage_avx2(c, pr.n, bias_tile, bias.row_stride, pr.activation,
                          pr.leaky_alpha, rows)) {
      return;
    }
  }
  const Broadcast2d& prelu = pr.prelu_alpha;
  for (int i = 0; i < rows; ++i) {
    float* row = c + i * pr.n;
    if (bias.data != nullptr) {
      const float* source = bias.data + batch * bias.batch_stride +
                            (i0 + i) * bias.row_stride + j0 * bias.col_stride;
      if (bias.col_stride == 1) {
        for (int j = 0; j < cols; ++j) row[j] += source[j];
      } else {
        for (int j = 0; j < cols; ++j) row[j] += source[j * bias.col_stride];
      }
    }
    if (pr.activation == Activation::kLinear) continue;
    if (pr.activation == Activation::kPrelu) {
      const float* alphas = prelu.data + batch * prelu.batch_stride +
                            (i0 + i) * prelu.row_stride +
                            j0 * prelu.col_stride;
      for (int j = 0; j < cols; ++j) {
        row[j] = activate(Activation::kPrelu, row[j],
                          alphas[j * prelu.col_stride]);
      }
    } else if (pr.activation == Activation::kLeakyRelu) {
      const float alpha = pr.leaky_alpha;
      for (int j = 0; j < cols; ++j) {
        row[j] = row[j] < 0.0f ? alpha * row[j] : row[j];
      }
    } else {
      for (int j = 0; j < cols; ++j) {
        row[j] = activate(pr.activation, row[j], 0.0f);
      }
    }
  }
}

// A float buffer aligned to a cache line, grown on demand. The AVX2
// micro-kernel reads a 64-byte row of a B panel per step: with the 16-byte
// alignment of std::vector every such row would straddle two cache lines.
class AlignedFloats {
 public:
  AlignedFloats() = default;
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  ~AlignedFloats() { std::free(data_); }

  // Returns room for at least `size` floats; the contents are not kept.
  float* reserve(size_t size) {
    if (size > capacity_) {
      std::free(data_);
      capacity_ = 0;
      // aligned_alloc wants a multiple of the alignment.
      const size_t bytes =
          (size * sizeof(float) + kAlign - 1) / kAlign * kAlign;
      data_ = static_cast<float*>(std::aligned_alloc(kAlign, bytes));
      if (data_ == nullptr) throw std::bad_alloc();
      capacity_ = size;
    }
    return data_;
  }

 private:
  static constexpr size_t kAlign = 64;
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

// Scratch space for packing, one set per thread.
struct PackBuffers {
  AlignedFloats a;
  AlignedFloats b;
};

PackBuffers& thread_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Depth of the K slices: at most kKc, the K range cut into equal parts.
// It depends on K only, so the summation order does not depend on threads.
int64_t k_slice(int64_t k) {
  const int64_t slices = (k + kKc - 1) / kKc;
  return (k + slices - 1) / slices;
}

// Computes rows [r0, r1) x columns [c0, c1) of C for one batch. When
// `packed_all_a` is given, it holds all of op(A) of this batch packed by
// pack_all_a and no A is packed here.
void gemm_region(const GemmProblem& pr, int64_t batch, int64_t r0, int64_t r1,
                 int64_t c0, int64_t c1, bool avx2,
                 const float* packed_all_a = nullptr) {
  const MicroKernel kernel = avx2 ? micro_kernel_avx2 : micro_kernel_portable;
  const PackRows pack_rows = avx2 ? pack_rows_avx2 : pack_rows_portable;
  const float* a = pr.a + batch * pr.a_batch_stride;
  const float* b = pr.b + batch * pr.b_batch_stride;
  float* c = pr.c + batch * pr.m * pr.n;
  const bool has_stage =
      pr.bias.data != nullptr || pr.activation != Activation::kLinear;

  if (pr.k == 0) {
    if (pr.accumulate) return;
    // An empty sum: C is zero before the output stage.
    for (int64_t i = r0; i < r1; ++i) {
      std::fill(c + i * pr.n + c0, c + i * pr.n + c1, 0.0f);
    }
    if (has_stage) {
      output_stage(pr, batch, c + r0 * pr.n + c0, r0, c0,
                   static_cast<int>(r1 - r0), static_cast<int>(c1 - c0),
                   false);
    }
    return;
  }

  PackBuffers& buffers = thread_buffers();
  const int64_t kc_max = k_slice(pr.k);
  const int64_t nc_max = std::min(kNc, c1 - c0);
  const int64_t mc_max = std::min(kMc, r1 - r0);
  const size_t b_size = static_cast<size_t>(
      kc_max * ((nc_max + kNr - 1) / kNr) * kNr);
  const size_t a_size = static_cast<size_t>(
      kc_max * ((mc_max + kMr - 1) / kMr) * kMr);
  float* packed_b = buffers.b.reserve(b_size);
  float* packed_a = buffers.a.reserve(a_size);

  // Equal K slices: a thin last slice (16 of K = 784 with slices of 256)
  // would load and store every C tile once more for little work.
  const int64_t k_step = k_slice(pr.k);
  for (int64_t jc = c0; jc < c1; jc += kNc) {
    const int64_t nc = std::min(kNc, c1 - jc);
    for (int64_t pc = 0; pc < pr.k; pc += k_step) {
      const int64_t kc = std::min(k_step, pr.k - pc);
      const bool first = pc == 0;
      const bool last = pc + kc == pr.k;
      pack_b(pr, b, pc, kc, jc, nc, pack_rows, packed_b);
      for (int64_t ic = r0; ic < r1; ic += kMc) {
        const int64_t mc = std::min(kMc, r1 - ic);
        const float* block_a = packed_a;
        if (packed_all_a != nullptr) {
          block_a = packed_all_a + pc * round_up(pr.m, kMr) + ic * kc;
        } else {
          pack_a(pr, a, ic, mc, pc, kc, pack_rows, packed_a);
        }
        for (int64_t jr = 0; jr < nc; jr += kNr) {
          const int cols = static_cast<int>(std::min<int64_t>(kNr, nc - jr));
          const float* b_panel = packed_b + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += kMr) {
            const int rows = static_cast<int>(std::min<int64_t>(kMr, mc - ir));
            float* tile = c + (ic + ir) * pr.n + jc + jr;
            kernel(kc, block_a + ir * kc, b_panel, tile, pr.n,
                   !first || pr.accumulate, rows, cols);
            if (last && has_stage) {
              output_stage(pr, batch, tile, ic + ir, jc + jr, rows, cols,
                           avx2);
            }
          }
        }
      }
    }
  }
}

// The threaded product of one matrix split by columns, with A packed once:
// first every (K slice, row block) of A is packed into one shared buffer,
// by all threads, then the threads claim column rectangles that read it.
void gemm_shared_a(const GemmProblem& pr, int threads, bool avx2) {
  const PackRows pack_rows = avx2 ? pack_rows_avx2 : pack_rows_portable;
  static AlignedFloats shared;  // only the calling thread starts products
  const int64_t padded_m = round_up(pr.m, kMr);
  float* packed = shared.reserve(static_cast<size_t>(padded_m * pr.k));
  const int64_t k_step = k_slice(pr.k);
  const int64_t slices = (pr.k + k_step - 1) / k_step;
  const int64_t row_blocks = (pr.m + kMc - 1) / kMc;
  parallel_tasks(static_cast<int>(slices * row_blocks), [&](int task) {
    const int64_t pc = (task / row_blocks) * k_step;
    const int64_t ic = (task % row_blocks) * kMc;
    const int64_t kc = std::min(k_step, pr.k - pc);
    const int64_t mc = std::min(kMc, pr.m - ic);
    pack_a(pr, pr.a, ic, mc, pc, kc, pack_rows,
           packed + pc * padded_m + ic * kc);
  });

  const int64_t parts = std::max<int64_t>(
      1, std::min<int64_t>(threads * kSharedPartsPerThread,
                           pr.n / kMinSharedPartSize));
  const int64_t col_step = round_up((pr.n + parts - 1) / parts, kNr);
  parallel_tasks(static_cast<int>(parts), [&](int part) {
    const int64_t c0 = part * col_step;
    const int64_t c1 = std::min(pr.n, c0 + col_step);
    if (c0 < c1) gemm_region(pr, 0, 0, pr.m, c0, c1, avx2, packed);
  });
}

}  // namespace

void gemm(const GemmProblem& pr) {
  if (pr.batch == 0 || pr.m == 0 || pr.n == 0) return;
  const bool avx2 = current_isa() == Isa::kAvx2;

  // Cut each product into rectangles for the threads to claim. Splitting
  // C by columns repacks all of A for every rectangle, and by rows all of
  // B, but packing costs K * (M or N) against K * M * N for the product, so
  // rectangles of at least kMinPartSize columns (or rows) keep it small.
  int threads = thread_count();
  const int64_t macs = pr.batch * pr.m * pr.n * std::max<int64_t>(pr.k, 1);
  if (macs < kParallelMinMacs || pr.single_thread) threads = 1;
  int row_parts = 1, col_parts = 1;
  if (threads > 1 && pr.batch < threads) {
    const int64_t wanted = static_cast<int64_t>(threads) * kPartsPerThread;
    const int64_t by_cols = std::max<int64_t>(1, pr.n / kMinPartSize);
    const int64_t by_rows = std::max<int64_t>(1, pr.m / kMinPartSize);
    if (by_cols >= by_rows) {
      col_parts = static_cast<int>(std::min(wanted, by_cols));
    } else {
      row_parts = static_cast<int>(std::min(wanted, by_rows));
    }
  }
  if (col_parts > 1 && pr.batch == 1 && pr.k > 0 &&
      macs >= kSharedPackMinMacs) {
    gemm_shared_a(pr, threads, avx2);
    return;
  }
  const int64_t row_step = round_up((pr.m + row_parts - 1) / row_parts, kMr);
  const int64_t col_step = round_up((pr.n + col_parts - 1) / col_parts, kNr);
  const int parts = row_parts * col_parts;
  const int64_t tasks = pr.batch * parts;

  auto run_task = [&](int task) {
    const int64_t batch = task / parts;
    const int part = task % parts;
    const int64_t r0 = (part / col_parts) * row_step;
    const int64_t c0 = (part % col_parts) * col_step;
    const int64_t r1 = std::min(pr.m, r0 + row_step);
    const int64_t c1 = std::min(pr.n, c0 + col_step);
    if (r0 < r1 && c0 < c1) {
      gemm_region(pr, batch, r0, r1, c0, c1, avx2);
    }
  };
  if (threads == 1) {
    for (int64_t task = 0; task < tasks; ++task) {
      run_task(static_cast<int>(task));
    }
  } else {
    parallel_tasks(static_cast<int>(tasks), run_task);
  }
}

}  // namespace mg
