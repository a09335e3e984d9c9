// The two micro-kernels of gemm.h, a portable one in plain C++ and one for
// AVX2 with FMA, selected at run time; beside them the transposing packing
// step (portable and AVX2) and the AVX2 output stage of whole tiles.
//
// Both hold a 6 x 16 tile of C in registers (for AVX2: 12 ymm accumulators,
// two ymm for the B row, one for the broadcast A value) and walk the packed
// panels once. Partial tiles at the matrix edges go through a small stack
// buffer so the inner loop never branches.
#include <cstring>

#include "gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MG_HAVE_X86 1
#endif

namespace mg {

namespace {

void store_tile(const float* tile, float* c, int64_t ldc, bool accumulate,
                int rows, int cols) {
  for (int i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    const float* source = tile + i * kNr;
    if (accumulate) {
      for (int j = 0; j < cols; ++j) row[j] += source[j];
    } else {
      for (int j = 0; j < cols; ++j) row[j] = source[j];
    }
  }
}

}  // namespace

void micro_kernel_portable(int64_t kc, const float* a_panel,
                           const float* b_panel, float* c, int64_t ldc,
                           bool accumulate, int rows, int cols) {
  float acc[kMr][kNr];
  std::memset(acc, 0, sizeof(acc));
  for (int64_t p = 0; p < kc; ++p) {
    const float* a = a_panel + p * kMr;
    const float* b = b_panel + p * kNr;
    for (int i = 0; i < kMr; ++i) {
      const float ai = a[i];
      for (int j = 0; j < kNr; ++j) acc[i][j] += ai * b[j];
    }
  }
  store_tile(&acc[0][0], c, ldc, accumulate, rows, cols);
}

void pack_rows_portable(const float* src, int64_t ld, int rows, int64_t kc,
                        float* dst) {
  // Row by row: each source row is read in order, the panel written with a
  // stride of `rows`.
  for (int i = 0; i < rows; ++i) {
    const float* source = src + i * ld;
    for (int64_t p = 0; p < kc; ++p) dst[p * rows + i] = source[p];
  }
}

#ifdef MG_HAVE_X86

namespace {

// Transposes the 8 x 8 block held in r[0..8) in place.
__attribute__((target("avx2,fma"))) inline void transpose8x8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]);
  const __m256 t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]);
  const __m256 t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]);
  const __m256 t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]);
  const __m256 t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44);
  const __m256 u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44);
  const __m256 u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44);
  const __m256 u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44);
  const __m256 u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Stores the first `count` (below 8) lanes of v.
__attribute__((target("avx2,fma"))) inline void store_lanes(float* out,
                                                            __m256 v,
                                                            int count) {
  if (count == 6) {
    _mm_storeu_ps(out, _mm256_castps256_ps128(v));
    _mm_storel_pi(reinterpret_cast<__m64*>(out + 4),
                  _mm256_extractf128_ps(v, 1));
    return;
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, v);
  for (int i = 0; i < count; ++i) out[i] = lanes[i];
}

}  // namespace

__attribute__((target("avx2,fma"))) void pack_rows_avx2(
    const float* src, int64_t ld, int rows, int64_t kc, float* dst) {
  // Groups of up to 8 rows; 8 columns at a time are loaded as 8 vectors
  // (zero for rows past the group), transposed, and each of the 8 results
  // (one column p, the group's rows) stored. A group of 6 (an A panel) is
  // stored as 4 + 2 lanes: masked stores are slow on AMD processors.
  const int64_t kc8 = kc / 8 * 8;
  for (int g = 0; g < rows; g += 8) {
    const int count = rows - g < 8 ? rows - g : 8;
    const float* group = src + g * ld;
    for (int64_t p = 0; p < kc8; p += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) {
        r[i] = i < count ? _mm256_loadu_ps(group + i * ld + p)
                         : _mm256_setzero_ps();
      }
      transpose8x8(r);
      for (int t = 0; t < 8; ++t) {
        float* out = dst + (p + t) * rows + g;
        if (count == 8) {
          _mm256_storeu_ps(out, r[t]);
        } else {
          store_lanes(out, r[t], count);
        }
      }
    }
    for (int64_t p = kc8; p < kc; ++p) {
      for (int i = 0; i < count; ++i) {
        dst[p * rows + g + i] = group[i * ld + p];
      }
    }
  }
}

__attribute__((target("avx2,fma"))) bool output_stage_avx2(
    float* c, int64_t ldc, const float* bias, int64_t bias_row_stride,
    Activation activation, float alpha, int rows) {
  if (activation != Activation::kLinear && activation != Activation::kRelu &&
      activation != Activation::kLeakyRelu) {
    return false;
  }
  const __m256 zero = _mm256_setzero_ps();
  const __m256 alphas = _mm256_set1_ps(alpha);
  for (int i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    for (int j = 0; j < kNr; j += 8) {
      __m256 x = _mm256_loadu_ps(row + j);
      if (bias != nullptr) {
        x = _mm256_add_ps(x, _mm256_loadu_ps(bias + i * bias_row_stride + j));
      }
      // An ordered compare is false for NaN, which passes through as in the
      // scalar stage.
      const __m256 negative = _mm256_cmp_ps(x, zero, _CMP_LT_OQ);
      if (activation == Activation::kRelu) {
        x = _mm256_blendv_ps(x, zero, negative);
      } else if (activation == Activation::kLeakyRelu) {
        x = _mm256_blendv_ps(x, _mm256_mul_ps(x, alphas), negative);
      }
      _mm256_storeu_ps(row + j, x);
    }
  }
  return true;
}

__attribute__((target("avx2,fma"))) void micro_kernel_avx2(
    int64_t kc, const float* a_panel, const float* b_panel, float* c,
    int64_t ldc, bool accumulate, int rows, int cols) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  const float* a = a_panel;
  const float* b = b_panel;
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += kMr;
    b += kNr;
  }

  if (rows == kMr && cols == kNr) {
    // Full tile: write straight into C.
    __m256 acc[kMr][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                          {c30, c31}, {c40, c41}, {c50, c51}};
    for (int i = 0; i < kMr; ++i) {
      float* row = c + i * ldc;
      if (accumulate) {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, acc[i][0]);
      _mm256_storeu_ps(row + 8, acc[i][1]);
    }
    return;
  }
  alignas(32) float tile[kMr * kNr];
  _mm256_store_ps(tile + 0 * kNr, c00);
  _mm256_store_ps(tile + 0 * kNr + 8, c01);
  _mm256_store_ps(tile + 1 * kNr, c10);
  _mm256_store_ps(tile + 1 * kNr + 8, c11);
  _mm256_store_ps(tile + 2 * kNr, c20);
  _mm256_store_ps(tile + 2 * kNr + 8, c21);
  _mm256_store_ps(tile + 3 * kNr, c30);
  _mm256_store_ps(tile + 3 * kNr + 8, c31);
  _mm256_store_ps(tile + 4 * kNr, c40);
  _mm256_store_ps(tile + 4 * kNr + 8, c41);
  _mm256_store_ps(tile + 5 * kNr, c50);
  _mm256_store_ps(tile + 5 * kNr + 8, c51);
  store_tile(tile, c, ldc, accumulate, rows, cols);
}

#else

// Without x86 the AVX2 path is never selected (cpu_features.cc); this keeps
// the symbol defined.
void micro_kernel_avx2(int64_t kc, const float* a_panel, const float* b_panel,
                       float* c, int64_t ldc, bool accumulate, int rows,
                       int cols) {
  micro_kernel_portable(kc, a_panel, b_panel, c, ldc, accumulate, rows, cols);
}

void pack_rows_avx2(const float* src, int64_t ld, int rows, int64_t kc,
                    float* dst) {
  pack_rows_portable(src, ld, rows, kc, dst);
}

bool output_stage_avx2(float*, int64_t, const float*, int64_t, Activation,
                       float, int) {
  return false;
}

#endif

}  // namespace mg
