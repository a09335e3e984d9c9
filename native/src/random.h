// Bulk draws from the project's seeded generator (xoshiro128**, the one of
// src/util/random.ts), for the loops too long to run in JavaScript.
#pragma once

#include <cstdint>

namespace mg {

// Fills out[0, size) with an inverted-dropout mask: 0 where the next 32-bit
// draw is below `threshold` (rate * 2^32), else `keep` (1 / (1 - rate),
// rounded to float). Advances `state` (four words) by `size` draws, exactly
// as Random.fillDropoutMask does.
void dropout_mask(float* out, int64_t size, uint32_t state[4],
                  double threshold, double keep);

// Fills out[0, size) with normal values of mean `mean` and deviation `std`
// by Box-Muller on pairs of draws, in double, as Random.fillNormal does:
//   radius = sqrt(-2 log(1 - u1)),  angle = 2 pi u2,
//   out[i] = mean + std * radius * cos(angle),  out[i + 1] = ... sin(angle)
// (an odd size uses the last pair's cosine only). Advances `state` by two
// draws a pair. The draws are the same; the values may differ from
// JavaScript's in the last bit of the double now and then, as C++'s log,
// cos and sin are not V8's, which after rounding to float is rarely seen.
void normal_fill(float* out, int64_t size, uint32_t state[4], double mean,
                 double std);

}  // namespace mg
