#include "engine/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace vigil {

namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Spins until done() or kSpinMicroseconds have passed; true if done() became true. The clock is read
// once every 64 pauses (a pause is ~40-140 cycles, a clock read tens of nanoseconds on a VM).
template <typename Done>
bool spin_until(Done done) {
  if (done()) return true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicroseconds);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      cpu_relax();
      if (done()) return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return done();
    // On a machine busy with other work, the thread we wait for may be queued behind us on this core:
    // let it run. With nothing else runnable this returns at once.
    std::this_thread::yield();
  }
}

// Worker i on a CPU of its own: the i-th of the CPUs this process may use other than the one the creating
// thread runs on, when there are at least as many of them as threads. Unpinned, a 2-thread process on this
// 2-vCPU VM sometimes kept both threads on one vCPU for its whole life (actdet frame at 2 threads: p50
// 8.3-10.8 ms instead of 5.8 in about half the processes started right after an ONNX Runtime process). The
// caller is not pinned (it is the application's thread). No-op elsewhere than Linux, or with
// VIGIL_NO_AFFINITY set.
void pin_worker(std::thread& t, int index, int threads) {
#if defined(__linux__)
  if (std::getenv("VIGIL_NO_AFFINITY")) return;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || CPU_COUNT(&allowed) < threads) return;
  const int caller_cpu = sched_getcpu();
  int seen = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed) || cpu == caller_cpu) continue;
    if (++seen != index) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pthread_setaffinity_np(t.native_handle(), sizeof(one), &one);  // best effort: a failure changes nothing
    return;
  }
#else
  (void)t, (void)index, (void)threads;
#endif
}

}  // namespace

ThreadPool::ThreadPool(int threads) {
  threads = std::max(threads, 1);
  for (int i = 1; i < threads; ++i) {
    workers_.emplace_back([this, i] { worker_loop(i); });
    pin_worker(workers_.back(), i, threads);
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::chunk(int index, int64_t& begin, int64_t& end) const {
  const int64_t n = size();
  begin = tasks_ * index / n;
  end = tasks_ * (index + 1) / n;
}

void ThreadPool::run(int64_t tasks, Trampoline call, void* fn) {
  // The previous loop has fully finished (pending_ reached 0 before run() returned), so no worker reads
  // these while they change; the release bump of generation_ publishes them.
  call_ = call;
  fn_ = fn;
  tasks_ = tasks;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  {
    // A worker about to sleep re-checks generation_ under this mutex, so it cannot miss the bump.
    std::lock_guard lock(mutex_);
    if (sleepers_ > 0) wake_.notify_all();
  }
  int64_t begin, end;
  chunk(0, begin, end);
  if (begin < end) call(fn, begin, end);
  if (spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) return;
  std::unique_lock lock(mutex_);
  caller_sleeping_ = true;
  done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  caller_sleeping_ = false;
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    const auto fresh = [&] {
      return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spin_until(fresh)) {
      std::unique_lock lock(mutex_);
      ++sleepers_;
      wake_.wait(lock, fresh);
      --sleepers_;
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    int64_t begin, end;
    chunk(index, begin, end);
    if (begin < end) call_(fn_, begin, end);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mutex_);
      if (caller_sleeping_) done_.notify_one();
    }
  }
}

}  // namespace vigil
