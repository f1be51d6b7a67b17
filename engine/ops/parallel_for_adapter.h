// Lets kernels (which know nothing of engine/) split work over the engine's thread pool: they take a
// plain function pointer + context, this adapts ThreadPool::parallel_for to it.
#pragma once

#include <cstdint>

#include "engine/thread_pool.h"

namespace vigil::ops {

// Below this many output elements an elementwise-style op runs on the calling thread alone: handing a loop
// to the other thread costs a few microseconds, more than such a loop takes.
inline constexpr int64_t kMinParallelElements = 16384;

inline void pool_parallel_for(void* pool, int64_t tasks, void (*task)(void* arg, int64_t begin, int64_t end),
                              void* arg) {
  static_cast<ThreadPool*>(pool)->parallel_for(tasks, [&](int64_t begin, int64_t end) { task(arg, begin, end); });
}

}  // namespace vigil::ops
