// The dropout-mask draw of random.h.
#include "random.h"

#include <cmath>
#include <cstring>

namespace mg {

namespace {

inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

}  // namespace

void dropout_mask(float* out, int64_t size, uint32_t state[4],
                  double threshold, double keep) {
  // The stream is sequential, so this runs on one thread; it is still
  // several times faster than the JavaScript loop it replaces.
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  // For a whole number r, r < threshold exactly when r < ceil(threshold);
  // NaN compares false in JavaScript, so it drops nothing, as limit 0 does.
  constexpr double kTwoPow32 = 4294967296.0;
  uint64_t limit = 0;
  if (threshold >= kTwoPow32) {
    limit = static_cast<uint64_t>(kTwoPow32);
  } else if (threshold > 0.0) {
    limit = static_cast<uint64_t>(std::ceil(threshold));
  }
  const float kept = static_cast<float>(keep);
  uint32_t kept_bits;
  std::memcpy(&kept_bits, &kept, sizeof kept_bits);
  for (int64_t i = 0; i < size; ++i) {
    const uint32_t result = rotl(s1 * 5u, 7) * 9u;
    const uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    // A bit mask instead of a conditional: the choice is random, and a
    // branch on it mispredicted a third of the time.
    const uint32_t bits =
        kept_bits & (0u - static_cast<uint32_t>(result >= limit));
    std::memcpy(out + i, &bits, sizeof bits);
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

}  // namespace mg
