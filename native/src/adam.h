// The fused Adam update: one pass over a variable, its gradient and its two
// moment estimates, in place.
#pragma once

#include <cstdint>

namespace mg {

// Scalars of one Adam step, each already rounded to float exactly as
// TF.js's AdamOptimizer rounds them (see src/train/adam.ts).
struct AdamScalars {
  float beta1;
  float one_minus_beta1;
  float beta2;
  float one_minus_beta2;
  float one_minus_acc_beta1;  // 1 - beta1^t
  float one_minus_acc_beta2;  // 1 - beta2^t
  float epsilon;
  float negative_learning_rate;
};

// For each i, with g = gradient[i]:
//   m = m * beta1 + g * (1 - beta1)
//   v = v * beta2 + (g * g) * (1 - beta2)
//   value += (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps) * -lr
// with the same float operations, in the same order, as tf.train.adam, so
// both give bit-identical results (this file is built without FMA
// contraction for that reason).
void adam_update(float* value, float* m, float* v, const float* gradient,
                 int64_t size, const AdamScalars& s);

}  // namespace mg
