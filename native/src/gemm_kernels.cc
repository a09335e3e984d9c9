// The two micro-kernels of gemm.h, a portable one in plain C++ and one for
// AVX2 with FMA, selected at run time; beside them the transposing packing
// step (portable and AVX2) and the AVX2 output stage of whole tiles.
//
// Both hold a 6 x 16 tile of C in registers (for AVX2: 12 ymm accumulators,
// two ymm for the B row, one for the broadcast A value) and walk the packed
// panels once. Partial tiles at the matrix edges go through a small stack
// buffer so the inner loop never branches. The AVX2 kernels need the 16 ymm
// registers of x86-64; elsewhere the portable path runs.
#include <cstring>

#include "gemm.h"

#if defined(__x86_64__)
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

namespace {

// The AVX2 tile product in GNU assembler syntax (GCC and Clang). Written
// with intrinsics, the same loop ran 8 to 10% slower on the Zen 3 machine
// the project is measured on (medians of 15 interleaved runs): the compiler
// interleaved the unrolled steps and spilled accumulators to the stack.
// Registers: ymm0-ymm11 hold the 6 x 16 tile (row i in ymm(2i), ymm(2i+1)),
// ymm12 and ymm13 the B row of step p, ymm15 the broadcast A value.
#define MG_TILE_ROW(LO, HI, A_OFFSET)                    \
  "vbroadcastss " #A_OFFSET "(%[a]), %%ymm15\n\t"        \
  "vfmadd231ps %%ymm12, %%ymm15, %%ymm" #LO "\n\t"       \
  "vfmadd231ps %%ymm13, %%ymm15, %%ymm" #HI "\n\t"
// Step P of an unrolled group: B row P (64 bytes), A values P (24 bytes).
#define MG_TILE_STEP(P)                                  \
  "vmovups " #P "*64(%[b]), %%ymm12\n\t"                 \
  "vmovups " #P "*64+32(%[b]), %%ymm13\n\t"              \
  MG_TILE_ROW(0, 1, P*24)                                \
  MG_TILE_ROW(2, 3, P*24+4)                              \
  MG_TILE_ROW(4, 5, P*24+8)                              \
  MG_TILE_ROW(6, 7, P*24+12)                             \
  MG_TILE_ROW(8, 9, P*24+16)                             \
  MG_TILE_ROW(10, 11, P*24+20)

// tile[i * kNr + j] = sum over p of a_panel[p * kMr + i] * b_panel[p * kNr
// + j], each sum in order of p; tile is 32-byte aligned.
__attribute__((target("avx2,fma"))) void tile_product_avx2(
    int64_t kc, const float* a, const float* b, float* tile) {
  // Four steps per loop iteration, so that the loop's own instructions
  // take few of the dispatch slots the FMAs need; then the rest one by one.
  int64_t groups = kc / 4;
  int64_t rest = kc % 4;
  asm volatile(
      "vxorps %%ymm0, %%ymm0, %%ymm0\n\t"
      "vxorps %%ymm1, %%ymm1, %%ymm1\n\t"
      "vxorps %%ymm2, %%ymm2, %%ymm2\n\t"
      "vxorps %%ymm3, %%ymm3, %%ymm3\n\t"
      "vxorps %%ymm4, %%ymm4, %%ymm4\n\t"
      "vxorps %%ymm5, %%ymm5, %%ymm5\n\t"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n\t"
      "vxorps %%ymm7, %%ymm7, %%ymm7\n\t"
      "vxorps %%ymm8, %%ymm8, %%ymm8\n\t"
      "vxorps %%ymm9, %%ymm9, %%ymm9\n\t"
      "vxorps %%ymm10, %%ymm10, %%ymm10\n\t"
      "vxorps %%ymm11, %%ymm11, %%ymm11\n\t"
      "test %[groups], %[groups]\n\t"
      "jz 2f\n\t"
      "1:\n\t"
      // The A panel comes from L2; fetch it a few groups ahead.
      "prefetcht0 512(%[a])\n\t"
      MG_TILE_STEP(0)
      MG_TILE_STEP(1)
      "prefetcht0 576(%[a])\n\t"
      MG_TILE_STEP(2)
      MG_TILE_STEP(3)
      "add $96, %[a]\n\t"
      "add $256, %[b]\n\t"
      "dec %[groups]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "test %[rest], %[rest]\n\t"
      "jz 4f\n\t"
      "3:\n\t"
      MG_TILE_STEP(0)
      "add $24, %[a]\n\t"
      "add $64, %[b]\n\t"
      "dec %[rest]\n\t"
      "jnz 3b\n\t"
      "4:\n\t"
      "vmovaps %%ymm0, 0(%[tile])\n\t"
      "vmovaps %%ymm1, 32(%[tile])\n\t"
      "vmovaps %%ymm2, 64(%[tile])\n\t"
      "vmovaps %%ymm3, 96(%[tile])\n\t"
      "vmovaps %%ymm4, 128(%[tile])\n\t"
      "vmovaps %%ymm5, 160(%[tile])\n\t"
      "vmovaps %%ymm6, 192(%[tile])\n\t"
      "vmovaps %%ymm7, 224(%[tile])\n\t"
      "vmovaps %%ymm8, 256(%[tile])\n\t"
      "vmovaps %%ymm9, 288(%[tile])\n\t"
      "vmovaps %%ymm10, 320(%[tile])\n\t"
      "vmovaps %%ymm11, 352(%[tile])\n\t"
      : [a] "+r"(a), [b] "+r"(b), [groups] "+r"(groups), [rest] "+r"(rest)
      : [tile] "r"(tile)
      : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
        "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
        "xmm15");
}

#undef MG_TILE_STEP
#undef MG_TILE_ROW

}  // namespace

__attribute__((target("avx2,fma"))) void micro_kernel_avx2(
    int64_t kc, const float* a_panel, const float* b_panel, float* c,
    int64_t ldc, bool accumulate, int rows, int cols) {
  // Ask for the C tile now, so its lines arrive during the product instead
  // of stalling the stores after it.
  for (int i = 0; i < rows; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + kNr - 1),
                 _MM_HINT_T0);
  }
  alignas(32) float tile[kMr * kNr];
  tile_product_avx2(kc, a_panel, b_panel, tile);
  if (rows < kMr || cols < kNr) {
    store_tile(tile, c, ldc, accumulate, rows, cols);
    return;
  }
  for (int i = 0; i < kMr; ++i) {
    float* row = c + i * ldc;
    __m256 low = _mm256_load_ps(tile + i * kNr);
    __m256 high = _mm256_load_ps(tile + i * kNr + 8);
    if (accumulate) {
      low = _mm256_add_ps(low, _mm256_loadu_ps(row));
      high = _mm256_add_ps(high, _mm256_loadu_ps(row + 8));
    }
    _mm256_storeu_ps(row, low);
    _mm256_storeu_ps(row + 8, high);
  }
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
