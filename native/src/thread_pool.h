// A small fixed thread pool for data-parallel loops.
//
// The kernels split their work into a few coarse tasks (one or two per core),
// so the pool is built for low start-up latency rather than for many tiny
// tasks: workers spin briefly on a generation counter after each job, then
// sleep on a condition variable. The calling thread always takes part, so a
// pool of N threads owns N - 1 workers.
#pragma once

#include <cstddef>
#include <functional>

namespace mg {

// Number of threads the kernels use (including the caller). The initial
// value is MNIST_GAN_THREADS when set, else the number of hardware threads.
int thread_count();

// Changes the thread count; values below 1 are raised to 1. Must not be
// called while a parallel loop is running.
void set_thread_count(int threads);

// Runs task(i) for every i in [0, tasks) on the pool and returns when all
// are done. Tasks are claimed dynamically, so uneven tasks still balance.
void parallel_tasks(int tasks, const std::function<void(int)>& task);

// Splits [0, n) into contiguous ranges of at least `grain` items, one per
// thread at most, and runs body(begin, end) on each. Runs inline when the
// range is too small to be worth waking a thread for.
void parallel_for(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body);

}  // namespace mg
