// A small fixed thread pool for data-parallel loops inside one inference. The calling thread takes part,
// so ThreadPool(1) runs everything inline. Work is split statically (contiguous equal chunks, one per
// thread): kernels size their tasks so that is balanced. Workers sleep on a condition variable between
// loops - nothing spins after a run - and parallel_for allocates nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil {

class ThreadPool {
 public:
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
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;  // bumped for every loop; workers run once per generation
  int pending_ = 0;          // workers still busy with the current loop
  bool stop_ = false;
  Trampoline call_ = nullptr;
  void* fn_ = nullptr;
  int64_t tasks_ = 0;
};

}  // namespace vigil
