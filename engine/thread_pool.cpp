#include "engine/thread_pool.h"

#include <algorithm>

namespace vigil {

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
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
  {
    std::lock_guard lock(mutex_);
    call_ = call;
    fn_ = fn;
    tasks_ = tasks;
    pending_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  int64_t begin, end;
  chunk(0, begin, end);
  if (begin < end) call(fn, begin, end);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.unlock();
    int64_t begin, end;
    chunk(index, begin, end);
    if (begin < end) call_(fn_, begin, end);
    lock.lock();
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace vigil
