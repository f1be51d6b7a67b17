// A small fixed thread pool for data-parallel loops inside one inference. The calling thread takes part,
// so ThreadPool(1) runs everything inline. Work is split statically (contiguous equal chunks, one per
// thread): kernels size their tasks so that is balanced. parallel_for allocates nothing.
//
// Waiting: between loops a worker first spins (with pause) for up to kSpinMicroseconds, then sleeps on a
// condition variable; the caller waits for the workers the same way. One inference runs dozens of loops
// back to back (every conv, pool and copy), and on the 2-vCPU VMs waking a sleeping thread costs tens of
// microseconds per loop, while a loop's gap to the next is usually a few microseconds. Measured on
// actdet-tiny's frame at 2 threads, alternating binaries on an idle machine: p50 11.3-12.7 ms with the
// spin off, 8.8-10.2 ms with it. Nothing spins longer than kSpinMicroseconds after a run ends. The spin
// yields the core between bursts of pauses: while two compilers also ran on the 2 vCPUs, the same frame
// took 32 ms with a pure pause spin (the awaited thread queued behind the spinner) and 17 ms with the yield
// (the old sleeping pool: 23 ms); idle, the yield changes nothing measurable.
//
// On Linux each worker is pinned to a CPU other than the creating thread's when the process may use at
// least as many CPUs as the pool has threads (thread_pool.cpp says why; VIGIL_NO_AFFINITY turns it off).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil {

class ThreadPool {
 public:
  // How long a waiting thread spins before it sleeps.
  static constexpr int kSpinMicroseconds = 200;

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint chunks covering [0, tasks); returns when all are done.
  template <typename F>
  void parallel_for(int64_t tasks, F&& fn) {
    if (tasks <= 0) return;
    if (workers_.empty() || tasks == 1) {
      fn(int64_t{0}, tasks);
      return;
    }
    run(tasks, [](void* f, int64_t b, int64_t e) { (*static_cast<F*>(f))(b, e); }, &fn);
  }

 private:
  using Trampoline = void (*)(void*, int64_t, int64_t);
  void run(int64_t tasks, Trampoline call, void* fn);
  void worker_loop(int index);
  void chunk(int index, int64_t& begin, int64_t& end) const;

  std::vector<std::thread> workers_;
  std::mutex mutex_;  // guards the sleeping side: sleepers_, caller_sleeping_ and the condition variables
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> generation_{0};  // bumped for every loop (release: publishes call_/fn_/tasks_)
  std::atomic<int> pending_{0};          // workers still busy with the current loop
  std::atomic<bool> stop_{false};
  int sleepers_ = 0;              // workers blocked on wake_
  bool caller_sleeping_ = false;  // the caller blocked on done_
  Trampoline call_ = nullptr;
  void* fn_ = nullptr;
  int64_t tasks_ = 0;
};

}  // namespace vigil
