// Single-precision matrix product with a fused output stage.
//
// Computes, for every batch b:  C[b] = act(op(A[b]) * op(B[b]) + bias[b])
// where op() optionally transposes and act() is one of the activations of
// TF.js's fused matMul. Shape legend: M = rows of C, N = columns of C,
// K = the summed dimension.
//
// Loop structure (the classic blocked scheme):
//   for each KC-deep slice of K:          pack op(B) into NR-wide panels
//     for each MC-tall block of rows:     pack op(A) into MR-tall panels
//       for each NR panel, each MR panel: micro-kernel (MR x NR in registers)
// Packing makes every micro-kernel read contiguous, whatever the transposes.
// The output stage (bias, activation) runs on each MR x NR tile right after
// its last K slice, while the tile is still in L1.
//
// Threading: the C matrix is cut into one column (or row) strip per thread,
// and each thread runs the loops above on its strip with its own packing
// buffers. A large product split by columns instead packs all of A once,
// every thread packing part of it, and its threads then claim up to four
// narrower column strips each, which read that shared copy. Every element
// of C is summed in the same order whatever the split, so the result does
// not depend on the thread count.
#pragma once

#include <cstdint>

namespace mg {

enum class Activation {
  kLinear = 0,
  kRelu = 1,
  kRelu6 = 2,
  kPrelu = 3,
  kLeakyRelu = 4,
  kSigmoid = 5,
  kElu = 6,
};

// A broadcastable operand of the output stage, addressed as
// data[b * batch_stride + i * row_stride + j * col_stride]; a stride of 0
// repeats the operand along that dimension.
struct Broadcast2d {
  const float* data = nullptr;
  int64_t batch_stride = 0;
  int64_t row_stride = 0;
  int64_t col_stride = 0;
};

struct GemmProblem {
  int64_t batch = 1;
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;  // op(A) is M x K; A is K x M when trans_a
  const float* b = nullptr;  // op(B) is K x N; B is N x K when trans_b
  float* c = nullptr;        // M x N, row-major, dense
  bool trans_a = false;
  bool trans_b = false;
  // Per-batch element offsets (0 broadcasts one matrix over the batch).
  int64_t a_batch_stride = 0;
  int64_t b_batch_stride = 0;
  Broadcast2d bias;          // optional (data == nullptr: none)
  Activation activation = Activation::kLinear;
  Broadcast2d prelu_alpha;   // used by kPrelu
  float leaky_alpha = 0.2f;  // used by kLeakyRelu
  // Add the product to what C holds instead of overwriting it (no output
  // stage allowed then); used to sum convolution gradients over chunks.
  bool accumulate = false;
  // Run on the calling thread only; set by callers that already split
  // their work across the pool (the pool does not nest).
  bool single_thread = false;
};

void gemm(const GemmProblem& problem);

// Micro-kernel interface shared by the portable and AVX2 implementations.
// Computes the MR x NR tile  acc = sum_p a_panel[p][0..MR) * b_panel[p][0..NR)
// and stores it into c (row stride ldc), adding to what is there when
// `accumulate`; only the top-left rows x cols of the tile are written.
constexpr int kMr = 6;
constexpr int kNr = 16;

using MicroKernel = void (*)(int64_t kc, const float* a_panel,
                             const float* b_panel, float* c, int64_t ldc,
                             bool accumulate, int rows, int cols);

void micro_kernel_portable(int64_t kc, const float* a_panel,
                           const float* b_panel, float* c, int64_t ldc,
                           bool accumulate, int rows, int cols);

void micro_kernel_avx2(int64_t kc, const float* a_panel, const float* b_panel,
                       float* c, int64_t ldc, bool accumulate, int rows,
                       int cols);

// Output stage of one tile, vectorized for the common dense-layer case:
// adds bias[i * bias_row_stride + j] (null: no bias) and applies `activation`
// (linear, relu or leaky relu with `alpha`) to the top-left rows x kNr
// elements of the tile at c (row stride ldc). Gives the same values as the
// scalar stage. Returns false, touching nothing, for any other activation.
bool output_stage_avx2(float* c, int64_t ldc, const float* bias,
                       int64_t bias_row_stride, Activation activation,
                       float alpha, int rows);

// Packing of `rows` (kMr or kNr) rows of length kc, row stride ld, into
// dst[p * rows + i] = src[i * ld + p]: the transposing case of packing, for
// op(A) not transposed and op(B) transposed. The AVX2 version transposes
// 8 x 8 blocks in registers; both write the same values.
using PackRows = void (*)(const float* src, int64_t ld, int rows, int64_t kc,
                          float* dst);

void pack_rows_portable(const float* src, int64_t ld, int rows, int64_t kc,
                        float* dst);

void pack_rows_avx2(const float* src, int64_t ld, int rows, int64_t kc,
                    float* dst);

}  // namespace mg
