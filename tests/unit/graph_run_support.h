// Running a whole graph in a test: seeded random values, every input filled with them, every output back.
// Shared by the pass tests (fold_batch_norm, fuse_residual_add) and the audit test.
#pragma once

#include <algorithm>
#include <random>
#include <vector>

#include "engine/executor.h"

namespace vigil::test {

inline std::vector<float> random_values(size_t count, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

// Feeds every graph input with random values in [-1, 1) drawn from `seed`, in input order, runs the graph
// once with `options` on `threads` threads, and returns every graph output, flattened, in output order.
inline std::vector<std::vector<float>> run_graph(Graph g, const EngineOptions& options, int threads, unsigned seed) {
  Engine engine(std::move(g), options);
  ExecutionContext ctx(engine, threads);
  std::mt19937 rng(seed);
  for (size_t i = 0; i < engine.graph().inputs.size(); ++i) {
    TensorView in = ctx.input(i);
    auto v = random_values(static_cast<size_t>(in.numel()), rng);
    std::copy(v.begin(), v.end(), in.f32());
  }
  ctx.run();
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < engine.graph().outputs.size(); ++i) {
    TensorView y = ctx.output(i);
    out.emplace_back(y.f32(), y.f32() + y.numel());
  }
  return out;
}

}  // namespace vigil::test
