// The static memory plan: buffers alive at the same time never overlap, and reuse makes the arena
// smaller than the naive sum.
#include <doctest/doctest.h>

#include <random>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

// Checks the plan's central invariant directly: for every pair of arena buffers whose lifetimes
// intersect, their byte ranges are disjoint.
void check_no_live_overlap(const Graph& g, const MemoryPlan& plan) {
  const int steps = static_cast<int>(g.nodes.size());
  std::vector<int> first(g.values.size(), -1), last(g.values.size(), -1);
  for (int v : g.inputs) first[static_cast<size_t>(v)] = last[static_cast<size_t>(v)] = 0;
  for (int n = 0; n < steps; ++n) {
    for (int v : g.nodes[static_cast<size_t>(n)].outputs) first[static_cast<size_t>(v)] = last[static_cast<size_t>(v)] = n;
    for (int v : g.nodes[static_cast<size_t>(n)].inputs)
      if (v >= 0) last[static_cast<size_t>(v)] = std::max(last[static_cast<size_t>(v)], n);
  }
  for (int v : g.outputs) last[static_cast<size_t>(v)] = steps - 1;
  struct Range { int a, b; size_t lo, hi; };
  std::vector<Range> ranges;
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (plan.value_offset[v] == kNotInArena) continue;
    size_t bytes = static_cast<size_t>(g.values[v].shape.numel()) * dtype_size(g.values[v].dtype);
    ranges.push_back({first[v], last[v], plan.value_offset[v], plan.value_offset[v] + bytes});
    CHECK(plan.value_offset[v] % kTensorAlignment == 0);
    CHECK(plan.value_offset[v] + bytes <= plan.arena_bytes);
  }
  for (size_t i = 0; i < ranges.size(); ++i)
    for (size_t j = i + 1; j < ranges.size(); ++j) {
      bool live_together = ranges[i].a <= ranges[j].b && ranges[j].a <= ranges[i].b;
      bool overlap = ranges[i].lo < ranges[j].hi && ranges[j].lo < ranges[i].hi;
      CHECK_FALSE((live_together && overlap));
    }
}

}  // namespace

TEST_CASE("memory plan: a long chain reuses two buffers") {
  GraphBuilder b;
  int v = b.input("x", DType::F32, {1, 16, 32, 32});
  for (int i = 0; i < 10; ++i) v = b.node(i % 2 ? OpType::Relu : OpType::Sigmoid, concat("n", i), {v});
  b.output(v);
  Engine engine(b.build());
  const MemoryPlan& plan = engine.memory_plan();
  const size_t one = 16 * 32 * 32 * 4;
  CHECK(plan.naive_bytes == 11 * one);
  CHECK(plan.arena_bytes == 2 * one);  // a chain needs only ping-pong buffers
  check_no_live_overlap(engine.graph(), plan);
}

TEST_CASE("memory plan: random DAGs never overlap live buffers and still compute correctly") {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 40; ++trial) {
    GraphBuilder b;
    std::vector<int> vals = {b.input("x", DType::F32, {1, 1 + static_cast<int64_t>(rng() % 37)})};
    const int nodes = 3 + static_cast<int>(rng() % 20);
    for (int n = 0; n < nodes; ++n) {
      int src = vals[rng() % vals.size()];
      vals.push_back(b.node(n % 3 ? OpType::Relu : OpType::Tanh, concat("n", n), {src}));
    }
    int outs = 1 + static_cast<int>(rng() % 3);
    for (int o = 0; o < outs; ++o) b.output(vals[vals.size() - 1 - static_cast<size_t>(o)]);
    Engine engine(b.build());
    check_no_live_overlap(engine.graph(), engine.memory_plan());
    CHECK(engine.memory_plan().arena_bytes <= engine.memory_plan().naive_bytes);
  }
}
