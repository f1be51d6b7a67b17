// Lets kernels (which know nothing of engine/) split work over the engine's thread pool: they take a
// plain function pointer + context, this adapts ThreadPool::parallel_for to it.
#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/thread_pool.h"

namespace vigil::ops {

// Below this many output elements an elementwise-style op runs on the calling thread alone: handing a loop
// to the other thread costs a few microseconds, more than such a loop takes.
inline constexpr int64_t kMinParallelElements = 16384;

// An elementwise op's n values split over the pool's threads in whole chunks of 64 (vector tails only at the
// end), or run on the calling thread below kMinParallelElements: part(begin, end) for each non-empty range.
template <class Part>
void parallel_elements(ThreadPool& pool, int64_t n, Part&& part) {
  const int64_t chunks = (n + 63) / 64;
  const int threads = n >= kMinParallelElements ? pool.size() : 1;
  pool.parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
    for (int64_t t = t_begin; t < t_end; ++t) {
      const int64_t begin = chunks * t / threads * 64, end = std::min(n, chunks * (t + 1) / threads * 64);
      if (begin < end) part(begin, end);
    }
  });
}

// An op over independent planes (n, c): the planes split into one contiguous range per thread, or all on the
// calling thread below kMinParallelElements output elements: part(plane_begin, plane_end) per range.
template <class Part>
void parallel_planes(ThreadPool& pool, int64_t planes, int64_t elements, Part&& part) {
  const int threads = elements < kMinParallelElements ? 1 : static_cast<int>(std::min<int64_t>(pool.size(), planes));
  pool.parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
    for (int64_t t = t_begin; t < t_end; ++t) part(planes * t / threads, planes * (t + 1) / threads);
  });
}

inline void pool_parallel_for(void* pool, int64_t tasks, void (*task)(void* arg, int64_t begin, int64_t end),
                              void* arg) {
  static_cast<ThreadPool*>(pool)->parallel_for(tasks, [&](int64_t begin, int64_t end) { task(arg, begin, end); });
}

}  // namespace vigil::ops
