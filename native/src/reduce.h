// Reductions, softmax and batch normalisation.
//
// A reduction sees its input as [outer, reduce, inner] (the TypeScript side
// collapses the tensor so the reduced axes are one contiguous block) and
// writes [outer, inner]. Sums accumulate in double in index order, which is
// what TF.js's cpu kernels do, so the results agree to the last bit.
#pragma once

#include <cstdint>

namespace mg {

enum class ReduceOp {
  kSum = 0,
  kMean = 1,
  kMax = 2,
  kMin = 3,
  kArgMax = 4,  // writes int32 indices
  kArgMin = 5,
};

void reduce(ReduceOp op, const float* x, void* out, int64_t outer,
            int64_t reduce_size, int64_t inner);

// Softmax over the last dimension of a [rows, cols] matrix.
void softmax(const float* logits, float* out, int64_t rows, int64_t cols);

// out[i] = offset[i % n_offset] + (x[i] - mean[i % n_mean]) *
//          scale[i % n_scale] / sqrt(variance[i % n_variance] + epsilon),
// the indexing of TF.js's cpu FusedBatchNorm (a missing scale is 1, a
// missing offset 0).
void batch_norm(const float* x, int64_t size, const float* mean,
                int64_t n_mean, const float* variance, int64_t n_variance,
                const float* scale, int64_t n_scale, const float* offset,
                int64_t n_offset, float epsilon, float* out);

}  // namespace mg
