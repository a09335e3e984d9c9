// Reductions, softmax and batch normalisation (see reduce.h).
#include "reduce.h"

#include <cmath>
#include <vector>

#include "thread_pool.h"

namespace mg {

namespace {

constexpr std::size_t kParallelGrain = 1 << 17;

// Max and Min of TF.js's cpu backend: the first NaN met wins, and wins
// for good, since no comparison with NaN is true afterwards.
inline bool max_replaces(float value, float current) {
  return value != value || value > current;
}
inline bool min_replaces(float value, float current) {
  return value != value || value < current;
}

// Reduces the `reduce_size` rows of one [reduce, inner] slab into `out`
// (inner values). Columns are processed together so the inner loop is
// contiguous and vectorises.
void reduce_slab(ReduceOp op, const float* x, void* out, int64_t reduce_size,
                 int64_t inner, int64_t col_begin, int64_t col_end) {
  const int64_t width = col_end - col_begin;
  if (op == ReduceOp::kSum || op == ReduceOp::kMean) {
    std::vector<double> acc(static_cast<std::size_t>(width), 0.0);
    const float divisor = static_cast<float>(reduce_size);
    for (int64_t r = 0; r < reduce_size; ++r) {
      const float* row = x + r * inner + col_begin;
      if (op == ReduceOp::kSum) {
        for (int64_t j = 0; j < width; ++j) acc[j] += row[j];
      } else {
        // TF.js divides each element (in float) before summing.
        for (int64_t j = 0; j < width; ++j) acc[j] += row[j] / divisor;
      }
    }
    float* result = static_cast<float*>(out) + col_begin;
    for (int64_t j = 0; j < width; ++j) {
      result[j] = static_cast<float>(acc[j]);
    }
    return;
  }
  if (op == ReduceOp::kMax || op == ReduceOp::kMin) {
    float* result = static_cast<float*>(out) + col_begin;
    const float* first = x + col_begin;
    for (int64_t j = 0; j < width; ++j) result[j] = first[j];
    const bool is_max = op == ReduceOp::kMax;
    for (int64_t r = 1; r < reduce_size; ++r) {
      const float* row = x + r * inner + col_begin;
      for (int64_t j = 0; j < width; ++j) {
        const bool replace = is_max ? max_replaces(row[j], result[j])
                                    : min_replaces(row[j], result[j]);
        if (replace) result[j] = row[j];
      }
    }
    return;
  }
  // ArgMax / ArgMin: strict comparison keeps the first extreme; NaN is
  // never chosen (as in TF.js), unless it is the first value.
  int32_t* result = static_cast<int32_t*>(out) + col_begin;
  std::vector<float> best(x + col_begin, x + col_end);
  for (int64_t j = 0; j < width; ++j) result[j] = 0;
  const bool is_max = op == ReduceOp::kArgMax;
  for (int64_t r = 1; r < reduce_size; ++r) {
    const float* row = x + r * inner + col_begin;
    for (int64_t j = 0; j < width; ++j) {
      const bool replace = is_max ? row[j] > best[j] : row[j] < best[j];
      if (replace) {
        best[j] = row[j];
        result[j] = static_cast<int32_t>(r);
      }
    }
  }
}

// Reduction along contiguous rows (inner == 1), one output per row.
void reduce_rows(ReduceOp op, const float* x, void* out, int64_t rows,
                 int64_t cols) {
  parallel_for(
      static_cast<std::size_t>(rows),
      kParallelGrain / static_cast<std::size_t>(cols > 0 ? cols : 1) + 1,
      [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          const float* row = x + i * cols;
          switch (op) {
            case ReduceOp::kSum:
            case ReduceOp::kMean: {
              double acc = 0.0;
              const float divisor = static_cast<float>(cols);
              if (op == ReduceOp::kSum) {
                for (int64_t j = 0; j < cols; ++j) acc += row[j];
              } else {
                for (int64_t j = 0; j < cols; ++j) acc += row[j] / divisor;
              }
              static_cast<float*>(out)[i] = static_cast<float>(acc);
              break;
            }
            case ReduceOp::kMax:
            case ReduceOp::kMin: {
              float best = row[0];
              const bool is_max = op == ReduceOp::kMax;
              for (int64_t j = 1; j < cols; ++j) {
                if (is_max ? max_replaces(row[j], best)
                           : min_replaces(row[j], best)) {
                  best = row[j];
                }
              }
              static_cast<float*>(out)[i] = best;
              break;
            }
            case ReduceOp::kArgMax:
            case ReduceOp::kArgMin: {
              float best = row[0];
              int32_t index = 0;
              const bool is_max = op == ReduceOp::kArgMax;
              for (int64_t j = 1; j < cols; ++j) {
                if (is_max ? row[j] > best : row[j] < best) {
                  best = row[j];
                  index = static_cast<int32_t>(j);
                }
              }
              static_cast<int32_t*>(out)[i] = index;
              break;
            }
          }
        }
      });
}

}  // namespace

void reduce(ReduceOp op, const float* x, void* out, int64_t outer,
            int64_t reduce_size, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  const bool is_index = op == ReduceOp::kArgMax || op == ReduceOp::kArgMin;
  if (reduce_size == 0) {
    // Sums and means of nothing are 0. (The TypeScript side keeps empty
    // max, min and arg reductions on the cpu kernels.)
    for (int64_t i = 0; i < outer * inner; ++i) {
      if (is_index) {
        static_cast<int32_t*>(out)[i] = 0;
      } else {
        static_cast<float*>(out)[i] = 0.0f;
      }
    }
    return;
  }
  if (inner == 1) {
    reduce_rows(op, x, out, outer, reduce_size);
    return;
  }
  const std::size_t element_size = 4;
  // Split the columns of each slab across threads when there are few slabs.
  const int64_t chunk = inner >= 256 ? 256 : inner;
  const int64_t chunks_per_slab = (inner + chunk - 1) / chunk;
  const int64_t tasks = outer * chunks_per_slab;
  const bool parallel =
      static_cast<std::size_t>(outer * reduce_size * inner) >= kParallelGrain;
  auto run = [&](int64_t task) {
    const int64_t slab = task / chunks_per_slab;
    const int64_t begin = (task % chunks_per_slab) * chunk;
    const int64_t end = begin + chunk < inner ? begin + chunk : inner;
    char* out_slab = static_cast<char*>(out) +
                     static_cast<std::size_t>(slab * inner) * element_size;
    reduce_slab(op, x + slab * reduce_size * inner, out_slab, reduce_size,
                inner, begin, end);
  };
  if (parallel && tasks > 1) {
    parallel_tasks(static_cast<int>(tasks),
                   [&](int task) { run(static_cast<int64_t>(task)); });
  } else {
    for (int64_t task = 0; task < tasks; ++task) run(task);
  }
}

void softmax(const float* logits, float* out, int64_t rows, int64_t cols) {
  parallel_for(
      static_cast<std::size_t>(rows),
      kParallelGrain / static_cast<std::size_t>(cols > 0 ? cols : 1) + 1,
      [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          const float* x = logits + i * cols;
          float* y = out + i * cols;
          float max_value = x[0];
          for (int64_t j = 1; j < cols; ++j) {
            if (max_replaces(x[j], max_value)) max_value = x[j];
          }
          double sum = 0.0;
          for (int64_t j = 0; j < cols; ++j) {
            y[j] = std::exp(x[j] - max_value);
            sum += y[j];
          }
          const float total = static_cast<float>(sum);
          for (int64_t j = 0; j < cols; ++j) y[j] = y[j] / total;
        }
      });
}

void batch_norm(const float* x, int64_t size, const float* mean,
                int64_t n_mean, const float* variance, int64_t n_variance,
                const float* scale, int64_t n_scale, const float* offset,
                int64_t n_offset, float epsilon, float* out) {
  // Computed in double, as the cpu kernel does, then rounded once.
  parallel_for(static_cast<std::size_t>(size), kParallelGrain,
               [&](std::size_t begin, std::size_t end) {
                 for (std::size_t i = begin; i < end; ++i) {
                   const double s =
                       scale != nullptr ? scale[i % n_scale] : 1.0;
                   const double o =
                       offset != nullptr ? offset[i % n_offset] : 0.0;
                   const double centred =
                       static_cast<double>(x[i]) - mean[i % n_mean];
                   out[i] = static_cast<float>(
                       o + centred * s /
                               std::sqrt(variance[i % n_variance] +
                                         static_cast<double>(epsilon)));
                 }
               });
}

}  // namespace mg
