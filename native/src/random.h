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

}  // namespace mg
