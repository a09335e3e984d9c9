# Build description of the native CPU backend (see native/README.md).
# Only a C++17 compiler is needed: no system library and no download.
{
  "targets": [
    {
      "target_name": "mnist_gan_native",
      "sources": [
        "native/src/addon.cc",
        "native/src/thread_pool.cc",
        "native/src/cpu_features.cc",
        "native/src/gemm.cc",
        "native/src/gemm_kernels.cc",
        "native/src/elementwise.cc",
        "native/src/reduce.cc",
        "native/src/adam.cc",
        "native/src/conv.cc",
        "native/src/random.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      # -ffp-contract=off: no fused multiply-adds the source does not ask for,
      # so the portable and AVX2 paths round alike. -fno-trapping-math: no
      # floating-point exception is ever enabled, so the compiler may compute
      # both sides of a select, which lets it vectorise branch-free loops.
      "cflags_cc": [
        "-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno",
        "-fno-trapping-math"
      ],
      "ldflags": ["-pthread"],
      "libraries": ["-pthread"]
    }
  ]
}
