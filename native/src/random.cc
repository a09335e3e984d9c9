// The bulk draws of random.h.
#include "random.h"

#include <cmath>
#include <cstring>

namespace mg {

namespace {

inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

// One step of xoshiro128**: returns the next 32-bit draw.
inline uint32_t next(uint32_t& s0, uint32_t& s1, uint32_t& s2,
                     uint32_t& s3) {
  const uint32_t result = rotl(s1 * 5u, 7) * 9u;
  const uint32_t t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

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
    const uint32_t result = next(s0, s1, s2, s3);
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

void normal_fill(float* out, int64_t size, uint32_t state[4], double mean,
                 double std) {
  uint32_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  constexpr double kTwoPow32 = 4294967296.0;
  // 2 * Math.PI, rounded to double as JavaScript rounds it.
  const double kTwoPi = 2.0 * 3.141592653589793;
  for (int64_t i = 0; i < size; i += 2) {
    const double u1 = next(s0, s1, s2, s3) / kTwoPow32;
    const double u2 = next(s0, s1, s2, s3) / kTwoPow32;
    // 1 - u keeps the logarithm finite: u lies in [0, 1).
    const double radius = std::sqrt(-2.0 * std::log(1.0 - u1));
    const double angle = kTwoPi * u2;
    out[i] = static_cast<float>(mean + std * radius * std::cos(angle));
    if (i + 1 < size) {
      out[i + 1] = static_cast<float>(mean + std * radius * std::sin(angle));
    }
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

}  // namespace mg
