#include <doctest/doctest.h>

#include <atomic>
#include <vector>

#include "allocation_counter.h"
#include "engine/thread_pool.h"

using vigil::ThreadPool;

TEST_CASE("thread pool: every index is visited exactly once, for many sizes and pool sizes") {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (int64_t n : {1, 2, 3, 7, 64, 1000, 4097}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (int rep = 0; rep < 3; ++rep)
        pool.parallel_for(n, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
      for (auto& h : hits) CHECK(h.load() == 3);
    }
  }
}

TEST_CASE("thread pool: zero tasks is a no-op, many consecutive loops complete") {
  ThreadPool pool(3);
  pool.parallel_for(0, [](int64_t, int64_t) { FAIL("must not be called"); });
  std::atomic<int64_t> sum{0};
  for (int rep = 0; rep < 2000; ++rep)
    pool.parallel_for(10, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
  CHECK(sum.load() == 20000);
}

TEST_CASE("thread pool: parallel_for allocates nothing") {
  ThreadPool pool(2);
  pool.parallel_for(8, [](int64_t, int64_t) {});
  std::atomic<int> calls{0};
  vigil::test::AllocationCounter counter;
  pool.parallel_for(8, [&](int64_t, int64_t) { calls.fetch_add(1); });
  CHECK(counter.count() == 0);  // counts this thread's allocations: the caller's side of the loop
  CHECK(calls.load() == 2);
}
