// Instruction-set choice for the native kernels.
//
// The SIMD kernels are compiled with per-function target attributes, so one
// binary runs on any x86-64 (or other) processor; which path runs is decided
// here at run time. The portable path can be forced, by the environment
// variable MNIST_GAN_NATIVE_ISA=portable or by set_isa(), so the tests can
// compare both paths on the same machine.
#pragma once

#include <string>

namespace mg {

enum class Isa { kPortable, kAvx2 };

// Whether this processor can run the AVX2/FMA kernels.
bool cpu_has_avx2_fma();

// The path the kernels use now.
Isa current_isa();

// Selects a path; returns false (and changes nothing) when the processor
// lacks it.
bool set_isa(Isa isa);

const char* isa_name(Isa isa);

}  // namespace mg
