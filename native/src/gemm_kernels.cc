// The two micro-kernels of gemm.h: a portable one in plain C++ and one for
// AVX2 with FMA, selected at run time.
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

#ifdef MG_HAVE_X86

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

#endif

}  // namespace mg
