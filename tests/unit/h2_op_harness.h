// Test harness for single-node op tests: builds a graph with GraphBuilder (every input a graph input),
// loads it with Engine, runs one ExecutionContext and copies the outputs out. Also the shared helpers of
// the op tests (random tensors, row-major index arithmetic, counting heap allocations in run()).
#pragma once

#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "allocation_counter.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

namespace h2test {

using namespace vigil;

inline constexpr const char* kNodeName = "node_under_test";

struct Result {
  std::vector<Tensor> outputs;
  size_t run_allocations = 0;  // heap allocations made by a second ExecutionContext::run()
};

inline Graph single_node_graph(OpType op, const std::vector<Tensor>& inputs, const Attributes& attrs, int num_outputs) {
  GraphBuilder b;
  std::vector<int> ids;
  for (size_t i = 0; i < inputs.size(); ++i)
    ids.push_back(b.input("in" + std::to_string(i), inputs[i].dtype(), inputs[i].shape()));
  for (int v : b.node_n(op, kNodeName, ids, num_outputs, attrs)) b.output(v);
  return b.build();
}

inline Result run_node(OpType op, const std::vector<Tensor>& inputs, const Attributes& attrs = {}, int num_outputs = 1,
                       int threads = 1, std::optional<KernelPath> path = std::nullopt) {
  EngineOptions options;
  options.max_threads = threads > 2 ? threads : 2;
  options.path = path;
  Engine engine(single_node_graph(op, inputs, attrs, num_outputs), options);
  ExecutionContext ctx(engine, threads);
  for (size_t i = 0; i < inputs.size(); ++i) std::memcpy(ctx.input(i).data, inputs[i].data(), inputs[i].bytes());
  ctx.run();
  Result r;
  {
    vigil::test::AllocationCounter counter;
    ctx.run();  // run twice: results must not depend on leftovers, and this run is the one counted
    r.run_allocations = counter.count();
  }
  for (int i = 0; i < num_outputs; ++i) {
    TensorView v = ctx.output(static_cast<size_t>(i));
    Tensor t(v.dtype, v.shape);
    std::memcpy(t.mutable_data(), v.data, v.bytes());
    r.outputs.push_back(std::move(t));
  }
  return r;
}

// Just the inferred output shapes (for ops where loading alone is what a test checks).
inline std::vector<Shape> output_shapes(OpType op, const std::vector<Shape>& shapes, const Attributes& attrs = {},
                                        int num_outputs = 1) {
  std::vector<Tensor> inputs;
  for (const Shape& s : shapes) inputs.emplace_back(DType::F32, s);
  Graph g = single_node_graph(op, inputs, attrs, num_outputs);
  std::vector<Shape> out;
  for (int v : g.outputs) out.push_back(g.values[static_cast<size_t>(v)].shape);
  return out;
}

// The message of the vigil::Error that loading the node throws ("" if it loads).
inline std::string load_error(OpType op, const std::vector<Shape>& shapes, const Attributes& attrs = {},
                              int num_outputs = 1) {
  std::vector<Tensor> inputs;
  for (const Shape& s : shapes) inputs.emplace_back(DType::F32, s);
  try {
    Engine engine(single_node_graph(op, inputs, attrs, num_outputs));
  } catch (const vigil::Error& e) {
    return e.what();
  }
  return "";
}

inline Attributes attrs(std::initializer_list<std::pair<const char*, AttrValue>> list) {
  Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

inline Tensor random_tensor(const Shape& s, std::mt19937& rng, float lo = -2.0f, float hi = 2.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(s.numel()));
  for (float& x : v) x = dist(rng);
  return Tensor::from_f32(s, v);
}

// 0, 1, 2, ... in row-major order: makes every output element name the input element it came from.
inline Tensor iota_tensor(const Shape& s) {
  std::vector<float> v(static_cast<size_t>(s.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::from_f32(s, v);
}

// Row-major coordinates of linear index i, and back.
inline std::vector<int64_t> unravel(int64_t i, const Shape& s) {
  std::vector<int64_t> c(static_cast<size_t>(s.rank));
  for (int d = s.rank - 1; d >= 0; --d) {
    c[static_cast<size_t>(d)] = i % s[d];
    i /= s[d];
  }
  return c;
}
inline int64_t ravel(const std::vector<int64_t>& c, const Shape& s) {
  int64_t i = 0;
  for (int d = 0; d < s.rank; ++d) i = i * s[d] + c[static_cast<size_t>(d)];
  return i;
}

inline std::vector<float> values_of(const Tensor& t) { return {t.f32(), t.f32() + t.numel()}; }

}  // namespace h2test
