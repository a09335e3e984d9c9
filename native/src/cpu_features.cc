// Run-time detection and selection of the SIMD path (see cpu_features.h).
#include "cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace mg {

namespace {

Isa initial_isa() {
  const char* forced = std::getenv("MNIST_GAN_NATIVE_ISA");
  if (forced != nullptr && std::strcmp(forced, "portable") == 0) {
    return Isa::kPortable;
  }
  return cpu_has_avx2_fma() ? Isa::kAvx2 : Isa::kPortable;
}

std::atomic<Isa>& isa_slot() {
  static std::atomic<Isa> slot{initial_isa()};
  return slot;
}

}  // namespace

bool cpu_has_avx2_fma() {
  // The AVX2 kernels are built for x86-64 only (gemm_kernels.cc).
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

Isa current_isa() { return isa_slot().load(std::memory_order_relaxed); }

bool set_isa(Isa isa) {
  if (isa == Isa::kAvx2 && !cpu_has_avx2_fma()) return false;
  isa_slot().store(isa, std::memory_order_relaxed);
  return true;
}

const char* isa_name(Isa isa) {
  return isa == Isa::kAvx2 ? "avx2" : "portable";
}

}  // namespace mg
