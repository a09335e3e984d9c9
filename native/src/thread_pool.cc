// Implementation of the thread pool declared in thread_pool.h.
//
// One job at a time: the caller publishes the job and bumps `generation_`;
// workers notice (spinning first, then sleeping), claim task indices from an
// atomic counter, and the last one to finish signals the caller. Jobs are not
// nested: a task never starts another parallel loop.
#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MG_PAUSE() _mm_pause()
#else
#define MG_PAUSE() std::this_thread::yield()
#endif

namespace mg {

namespace {

// How long a worker polls for the next job before sleeping: about a
// millisecond or two. A GAN step runs some hundred kernels with short gaps
// of JavaScript between them; with a poll of a thousand pauses (tens of
// microseconds) the worker fell asleep in those gaps and every wake-up cost
// more, and the step ran about 10% faster with this one (four alternating
// pairs of runs on a shared 2-core machine). Longer would hold a core that
// other processes on a shared machine could use.
constexpr int kSpinIterations = 100000;

// Chunks per thread in parallel_for (see there).
constexpr std::size_t kChunksPerThread = 4;

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }

  ~Pool() { stop_workers(); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    if (threads < 1) threads = 1;
    if (threads == size()) return;
    stop_workers();
    stopping_ = false;
    for (int i = 0; i < threads - 1; ++i) {
      workers_.emplace_back([this] { worker_loop(); });
    }
  }

  void run(int tasks, const std::function<void(int)>& task) {
    if (tasks <= 0) return;
    if (tasks == 1 || workers_.empty()) {
      for (int i = 0; i < tasks; ++i) task(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      task_count_ = tasks;
      next_task_.store(0, std::memory_order_relaxed);
      pending_.store(tasks, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();

    work_on_current_job(&task);

    // Wait for the tasks other threads claimed.
    int spins = 0;
    while (pending_.load(std::memory_order_acquire) != 0) {
      if (++spins < kSpinIterations) {
        MG_PAUSE();
      } else {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] {
          return pending_.load(std::memory_order_acquire) == 0;
        });
      }
    }

    // Retire the job only once no worker still holds it, so a late worker
    // can never run a task of the next job with this job's function.
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (active_ == 0) {
          task_ = nullptr;
          return;
        }
      }
      MG_PAUSE();
    }
  }

 private:
  void work_on_current_job(const std::function<void(int)>* task) {
    for (;;) {
      int index = next_task_.fetch_add(1, std::memory_order_relaxed);
      if (index >= task_count_) break;
      (*task)(index);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
  }

  void worker_loop() {
    unsigned seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen &&
             !stopping_.load(std::memory_order_acquire)) {
        if (++spins < kSpinIterations) {
          MG_PAUSE();
          continue;
        }
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] {
          return generation_.load(std::memory_order_acquire) != seen ||
                 stopping_.load(std::memory_order_acquire);
        });
      }
      if (stopping_.load(std::memory_order_acquire)) return;
      seen = generation_.load(std::memory_order_acquire);
      const std::function<void(int)>* task;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        task = task_;
        if (task != nullptr) ++active_;
      }
      if (task == nullptr) continue;
      work_on_current_job(task);
      std::lock_guard<std::mutex> lock(mutex_);
      --active_;
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<unsigned> generation_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> next_task_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* task_ = nullptr;
  int task_count_ = 0;
  // Workers inside the current job; guarded by mutex_.
  int active_ = 0;
};

int initial_threads() {
  const char* env = std::getenv("MNIST_GAN_THREADS");
  if (env != nullptr) {
    int value = std::atoi(env);
    if (value >= 1) return value;
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}

Pool& pool() {
  static Pool instance(initial_threads());
  return instance;
}

}  // namespace

int thread_count() { return pool().size(); }

void set_thread_count(int threads) { pool().resize(threads); }

void parallel_tasks(int tasks, const std::function<void(int)>& task) {
  pool().run(tasks, task);
}

void parallel_for(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) {
  if (n == 0) return;
  std::size_t threads = static_cast<std::size_t>(thread_count());
  if (grain == 0) grain = 1;
  // A few chunks per thread, claimed dynamically: when a thread is
  // descheduled (the machine may be shared), the others take its share
  // instead of waiting for it.
  std::size_t chunks = n / grain;
  if (chunks > threads * kChunksPerThread) chunks = threads * kChunksPerThread;
  if (chunks <= 1) {
    body(0, n);
    return;
  }
  std::size_t step = (n + chunks - 1) / chunks;
  pool().run(static_cast<int>(chunks), [&](int c) {
    std::size_t begin = static_cast<std::size_t>(c) * step;
    std::size_t end = begin + step < n ? begin + step : n;
    if (begin < end) body(begin, end);
  });
}

}  // namespace mg
