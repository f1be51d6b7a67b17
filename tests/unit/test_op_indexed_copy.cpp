// GatherElements and ScatterND through the engine on every kernel path: hand values from the ONNX spec's
// examples, random shapes against float64 loops written here from the definitions (each output coordinate
// mapped to its source; scatter applied to a copy in index order), negative and i32 indices, every reduction,
// and the errors (which name the node); GatherElements with run-time indices too (out-of-range ones give 0);
// plus the ONNX mapping (run-time indices: GatherElements takes them, ScatterND refuses them).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/kernel_path.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using Ints = std::vector<int64_t>;
using V = std::vector<float>;

Tensor i64_tensor(const Shape& s, const Ints& v) {
  Tensor t(DType::I64, s);
  std::memcpy(t.mutable_data(), v.data(), v.size() * sizeof(int64_t));
  return t;
}

// One node: data fed at run time, indices constant (or fed at run time too), updates (ScatterND) constant.
V run(OpType op, const Tensor& data, const Tensor& indices, const Attributes& a, KernelPath path,
      const Tensor* updates = nullptr, bool runtime_indices = false) {
  GraphBuilder g;
  std::vector<int> ins = {
      g.input("data", DType::F32, data.shape()),
      runtime_indices ? g.input("indices", indices.dtype(), indices.shape()) : g.constant("indices", indices)};
  if (updates) ins.push_back(g.constant("updates", *updates));
  g.output(g.node(op, "node", ins, a));
  EngineOptions options;
  options.path = path;
  Engine engine(g.build(), options);
  ExecutionContext ctx(engine);
  std::memcpy(ctx.input("data").data, data.data(), data.bytes());
  if (runtime_indices) std::memcpy(ctx.input("indices").data, indices.data(), indices.bytes());
  ctx.run();
  TensorView y = ctx.output(0);
  return V(y.f32(), y.f32() + y.numel());
}

std::string error_of(OpType op, const Shape& data, const Tensor& indices, const Attributes& a,
                     const Tensor* updates = nullptr) {
  try {
    run(op, Tensor(DType::F32, data), indices, a, KernelPath::Reference, updates);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("GatherElements: the spec's examples, negative and i32 indices, every path") {
  const Tensor data = Tensor::from_f32({3, 3}, V{1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    // axis 1: [[1, 1], [4, 3]] of [[1, 2], [3, 4]] in the spec; here on 3x3 rows.
    CHECK(run(OpType::GatherElements, data, i64_tensor({2, 2}, {0, 0, 1, 0}), h2test::attrs({{"axis", int64_t{1}}}),
              path) == V{1, 1, 5, 4});
    // axis 0 with a negative index (-1 = the last row).
    CHECK(run(OpType::GatherElements, data, i64_tensor({2, 3}, {1, 2, 0, -1, 0, 0}), {}, path) == V{4, 8, 3, 7, 2, 3});
    Tensor i32(DType::I32, Shape{1, 3});
    const int32_t v[3] = {2, 0, 1};
    std::memcpy(i32.mutable_data(), v, sizeof v);
    CHECK(run(OpType::GatherElements, data, i32, {}, path) == V{7, 2, 6});
    // Run-time indices: the same values, and out-of-range ones (3, -4) give 0.
    CHECK(run(OpType::GatherElements, data, i64_tensor({2, 3}, {1, 2, 0, -1, 0, 0}), {}, path, nullptr, true) ==
          V{4, 8, 3, 7, 2, 3});
    CHECK(run(OpType::GatherElements, data, i64_tensor({1, 3}, {3, -4, -3}), {}, path, nullptr, true) == V{0, 0, 3});
  }
}

TEST_CASE("GatherElements matches a float64 loop on 100 random shapes and axes, constant and run-time indices") {
  std::mt19937 rng(3);
  for (int index = 0; index < 100; ++index) {
    Shape x;
    x.rank = int(rng() % 4) + 1;
    for (int d = 0; d < x.rank; ++d) x[d] = int64_t(rng() % 4) + 1;
    const int axis = int(rng() % unsigned(x.rank));
    Shape is = x;
    for (int d = 0; d < x.rank; ++d) is[d] = d == axis ? int64_t(rng() % 5) + 1 : int64_t(rng() % x[d]) + 1;
    Ints idx(size_t(is.numel()));
    for (auto& v : idx) v = int64_t(rng() % (2 * x[axis])) - x[axis];  // [-dim, dim)
    const Tensor data = h2test::random_tensor(x, rng);
    std::vector<double> want;
    for (int64_t i = 0; i < is.numel(); ++i) {
      std::vector<int64_t> c = h2test::unravel(i, is);
      const int64_t v = idx[size_t(i)];
      c[size_t(axis)] = v < 0 ? v + x[axis] : v;
      want.push_back(data.f32()[h2test::ravel(c, x)]);
    }
    const Attributes a = h2test::attrs({{"axis", int64_t{axis - x.rank}}});
    const V got = run(OpType::GatherElements, data, i64_tensor(is, idx), a, best_kernel_path());
    CHECK(std::equal(got.begin(), got.end(), want.begin()));
    // The same indices fed at run time, every other one pushed out of range (-> 0).
    for (size_t k = 1; k < idx.size(); k += 2) {
      idx[k] = k % 4 == 1 ? x[axis] + int64_t(k) : -x[axis] - 1 - int64_t(k);
      want[k] = 0;
    }
    const V fed = run(OpType::GatherElements, data, i64_tensor(is, idx), a, best_kernel_path(), nullptr, true);
    CHECK(std::equal(fed.begin(), fed.end(), want.begin()));
  }
}

TEST_CASE("ScatterND: the spec's examples, every reduction, duplicates, every path") {
  const Tensor data = Tensor::from_f32({8}, V{1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor idx = i64_tensor({4, 1}, {4, 3, 1, 7});
  const Tensor upd = Tensor::from_f32({4}, V{9, 10, 11, 12});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    auto with = [&](const char* r, const Tensor& i, const Tensor& u) {
      return run(OpType::ScatterNd, data, i, h2test::attrs({{"reduction", std::string(r)}}), path, &u);
    };
    CHECK(with("none", idx, upd) == V{1, 11, 3, 10, 9, 6, 7, 12});
    CHECK(with("add", idx, upd) == V{1, 13, 3, 14, 14, 6, 7, 20});
    CHECK(with("mul", idx, upd) == V{1, 22, 3, 40, 45, 6, 7, 96});
    CHECK(with("max", idx, Tensor::from_f32({4}, V{0, 10, 0, 12})) == V{1, 2, 3, 10, 5, 6, 7, 12});
    CHECK(with("min", idx, Tensor::from_f32({4}, V{0, 10, 0, 12})) == V{1, 0, 3, 4, 0, 6, 7, 8});
    // A repeated index: add accumulates both, none keeps the later (in index order), negative counts from the end.
    const Tensor twice = i64_tensor({2, 1}, {-1, 7});
    CHECK(with("add", twice, Tensor::from_f32({2}, V{1, 2})) == V{1, 2, 3, 4, 5, 6, 7, 11});
    CHECK(with("none", twice, Tensor::from_f32({2}, V{1, 2})) == V{1, 2, 3, 4, 5, 6, 7, 2});
  }
  // Slices: the spec's second example, rows of a [4, 4, 4] replaced by [2, 4, 4] updates.
  std::vector<float> d(64), u(32);
  for (size_t i = 0; i < 64; ++i) d[i] = float(i);
  for (size_t i = 0; i < 32; ++i) u[i] = 100.0f + float(i);
  const Tensor updates = Tensor::from_f32({2, 4, 4}, u);
  const V got = run(OpType::ScatterNd, Tensor::from_f32({4, 4, 4}, d), i64_tensor({2, 1}, {0, 2}), {},
                    best_kernel_path(), &updates);
  for (size_t i = 0; i < 64; ++i) {
    const size_t block = i / 16;
    const float want = block == 0 ? u[i] : block == 2 ? u[16 + i % 16] : d[i];
    CHECK(got[i] == want);
  }
}

TEST_CASE("GatherElements and ScatterND errors name the node") {
  const Tensor idx = i64_tensor({2, 2}, {0, 1, 1, 0});
  const std::string ge = error_of(OpType::GatherElements, {2, 2}, i64_tensor({2, 2}, {0, 2, 0, 0}), {});
  CHECK(contains(ge, "GatherElements 'node'"));
  CHECK(contains(ge, "index 2 is outside [-2, 2) on axis 0"));
  CHECK(contains(error_of(OpType::GatherElements, {2, 2}, i64_tensor({4}, {0, 1, 0, 1}), {}),
                 "must have the rank of data"));
  CHECK(contains(error_of(OpType::GatherElements, {2, 2}, i64_tensor({2, 3}, {0, 0, 0, 0, 0, 0}), {}),
                 "are larger than data [2,2] on axis 1"));
  CHECK(contains(error_of(OpType::GatherElements, {2, 2}, idx, h2test::attrs({{"axis", int64_t{2}}})),
                 "axis 2 is out of range"));
  const Tensor u = Tensor::from_f32({2}, V{1, 2});
  CHECK(error_of(OpType::ScatterNd, {2, 2}, idx, {}, &u).empty());  // two whole-element updates: fine
  std::string e = error_of(OpType::ScatterNd, {2, 2}, i64_tensor({2, 2}, {0, 3, 1, 0}), {}, &u);
  CHECK(contains(e, "ScatterND 'node'"));
  CHECK(contains(e, "index 3 is outside [-2, 2) on axis 1"));
  CHECK(contains(error_of(OpType::ScatterNd, {2, 2}, i64_tensor({1, 3}, {0, 0, 0}), {}, &u),
                 "the last dim of indices [1,3] must be in [1, 2]"));
  CHECK(contains(error_of(OpType::ScatterNd, {2, 2}, i64_tensor({2, 1}, {0, 1}), {}, &u),
                 "updates must have shape [2,2]"));
  CHECK(contains(error_of(OpType::ScatterNd, {2, 2}, idx, h2test::attrs({{"reduction", std::string("avg")}}), &u),
                 "reduction must be none, add, mul, max or min, got 'avg'"));
  // The ONNX mapping: GatherElements takes indices known only at run time, ScatterND refuses them.
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 2}));
  g.inputs.push_back(value_info("i", kInt64, {2, 2}));
  g.outputs.push_back(value_info("y", kFloat, {2, 2}));
  g.nodes.push_back(node("GatherElements", {"x", "i"}, {"y"}, "my_gather"));
  CHECK(only_node(import(g, 13), OpType::GatherElements).name == "my_gather");
  g.inputs.push_back(value_info("u", kFloat, {2}));
  g.inputs[1] = value_info("i", kInt64, {2, 2});
  g.nodes[0] = node("ScatterND", {"x", "i", "u"}, {"y"}, "my_scatter");
  e = import_error(g, 13);
  CHECK(contains(e, "my_scatter"));
  CHECK(contains(e, "indices are only known at run time"));
}
