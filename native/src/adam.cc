// The fused Adam update (see adam.h).
#include "adam.h"

#include <cmath>

#include "thread_pool.h"

namespace mg {

void adam_update(float* value, float* m, float* v, const float* gradient,
                 int64_t size, const AdamScalars& s) {
  parallel_for(static_cast<std::size_t>(size), 1 << 15,
               [&](std::size_t begin, std::size_t end) {
                 for (std::size_t i = begin; i < end; ++i) {
                   const float g = gradient[i];
                   const float m1 = m[i] * s.beta1 + g * s.one_minus_beta1;
                   const float v1 =
                       v[i] * s.beta2 + (g * g) * s.one_minus_beta2;
                   const float m_hat = m1 / s.one_minus_acc_beta1;
                   const float v_hat = v1 / s.one_minus_acc_beta2;
                   const float step = m_hat / (std::sqrt(v_hat) + s.epsilon);
                   value[i] = step * s.negative_learning_rate + value[i];
                   m[i] = m1;
                   v[i] = v1;
                 }
               });
}

}  // namespace mg
