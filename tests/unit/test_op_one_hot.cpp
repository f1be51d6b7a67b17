// OneHot through the engine: the node tests' cases by hand (axis 1 and -2, negative and out-of-range indices,
// float indices truncated, i32 values), 150 random shapes and axes (negative too; i64/i32/u8/f32 indices with
// values out of range, f32/i64 values) against a loop written here from the definition (each output coordinate
// is on_value exactly when the index at its coordinate without the axis selects it), the errors (naming the
// node) and the ONNX mapping (constant depth, run-time depth refused).
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "index_op_support.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using Ints = std::vector<int64_t>;
using V = std::vector<float>;

Tensor one_hot(const Tensor& indices, const Tensor& values, int64_t depth, int64_t axis,
               KernelPath path = KernelPath::Reference) {
  return run_one(OpType::OneHot, {indices, values}, h2test::attrs({{"depth", depth}, {"axis", axis}}), path);
}

}  // namespace

TEST_CASE("OneHot: the node tests' cases by hand, every path") {
  const Tensor off_on = Tensor::from_f32({2}, V{1, 3});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    // test_onehot_negative_indices: [0, -7, -8] with depth 10, axis 1.
    Tensor y = one_hot(i64s({3}, {0, -7, -8}), off_on, 10, 1, path);
    CHECK(y.shape() == Shape{3, 10});
    V want(30, 1.0f);
    want[0] = 3, want[10 + 3] = 3, want[20 + 2] = 3;
    CHECK(values_as<float>(y) == want);
    // Out of range on both sides: rows of off_value only.
    y = one_hot(i64s({3}, {10, -11, 9}), off_on, 10, -1, path);
    want.assign(30, 1.0f);
    want[20 + 9] = 3;
    CHECK(values_as<float>(y) == want);
    // test_onehot_with_axis: float indices [[1, 9], [2, 4]], depth 10, axis 1 -> [2, 10, 2].
    const Tensor fi = Tensor::from_f32({2, 2}, V{1.0f, 9.0f, 2.0f, 4.0f});
    for (int64_t axis : {int64_t{1}, int64_t{-2}}) {
      y = one_hot(fi, off_on, 10, axis, path);
      CHECK(y.shape() == Shape{2, 10, 2});
      want.assign(40, 1.0f);
      want[(0 * 10 + 1) * 2 + 0] = 3, want[(0 * 10 + 9) * 2 + 1] = 3;
      want[(1 * 10 + 2) * 2 + 0] = 3, want[(1 * 10 + 4) * 2 + 1] = 3;
      CHECK(values_as<float>(y) == want);
    }
    // axis 0, i32 values.
    y = one_hot(i64s({2}, {1, 0}), i32s({2}, {0, 7}), 3, 0, path);
    CHECK(y.dtype() == DType::I32);
    CHECK(y.shape() == Shape{3, 2});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{0, 7, 7, 0, 0, 0});
  }
  // Float indices truncate toward zero (-1.5 -> -1 -> depth - 1; 2.9 -> 2); NaN and infinities select nothing.
  const V got = values_as<float>(
      one_hot(Tensor::from_f32({5}, V{-1.5f, 2.9f, NAN, INFINITY, -3.5f}), Tensor::from_f32({2}, V{0, 1}), 3, -1));
  CHECK(got == V{0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0});
}

TEST_CASE("OneHot matches the definition on 150 random shapes, axes and index types") {
  std::mt19937 rng(17);
  for (int index = 0; index < 150; ++index) {
    Shape x;
    x.rank = int(rng() % 4);  // 0: a scalar index
    for (int d = 0; d < x.rank; ++d) x[d] = int64_t(rng() % 4) + 1;
    const int64_t depth = int64_t(rng() % 6) + 1;
    const int a = int(rng() % unsigned(x.rank + 1));
    const int64_t axis = index % 2 ? a : a - x.rank - 1;
    Ints idx(size_t(x.numel()));
    for (auto& v : idx) v = int64_t(rng() % uint64_t(4 * depth + 1)) - 2 * depth;  // about half out of range
    const int kind = index % 4;                                                    // i64, i32, u8, f32 indices
    if (kind == 2)
      for (auto& v : idx) v = v < 0 ? -v : v;
    Shape out;
    for (int d = 0; d < a; ++d) out.dims[size_t(out.rank++)] = x[d];
    out.dims[size_t(out.rank++)] = depth;
    for (int d = a; d < x.rank; ++d) out.dims[size_t(out.rank++)] = x[d];
    Ints want;
    for (int64_t o = 0; o < out.numel(); ++o) {
      Ints c = h2test::unravel(o, out);
      const int64_t position = c[size_t(a)];
      c.erase(c.begin() + a);
      const int64_t v = idx[size_t(h2test::ravel(c, x))];
      const bool hot = v == position || v + depth == position;  // v in [-depth, 0) selects v + depth
      want.push_back(hot && v >= -depth && v < depth ? -5 : 42);
    }
    Tensor indices;
    if (kind == 0) indices = i64s(x, idx);
    if (kind == 1) indices = i32s(x, std::vector<int32_t>(idx.begin(), idx.end()));
    if (kind == 2) indices = typed_tensor(DType::U8, x, std::vector<uint8_t>(idx.begin(), idx.end()));
    if (kind == 3) indices = Tensor::from_f32(x, V(idx.begin(), idx.end()));
    CAPTURE(x.str());
    CAPTURE(axis);
    CAPTURE(depth);
    CAPTURE(kind);
    const Tensor y = one_hot(indices, i64s({2}, {42, -5}), depth, axis, best_kernel_path());
    CHECK(y.shape() == out);
    CHECK(values_as<int64_t>(y) == want);
  }
}

TEST_CASE("OneHot errors name the node, and the ONNX depth must be a constant") {
  const Tensor i = i64s({2}, {0, 1});
  const Tensor vals = Tensor::from_f32({2}, V{0, 1});
  auto err = [&](const Tensor& indices, const Tensor& values, int64_t depth, int64_t axis) {
    return run_error(OpType::OneHot, {indices, values}, h2test::attrs({{"depth", depth}, {"axis", axis}}));
  };
  std::string e = err(i, vals, 0, -1);
  CHECK(contains(e, "OneHot 'node'"));
  CHECK(contains(e, "depth must be >= 1, got 0"));
  CHECK(contains(err(i, vals, 3, 2), "axis 2 is out of range [-2, 1]"));
  CHECK(contains(err(i, vals, 3, -3), "axis -3 is out of range [-2, 1]"));
  CHECK(contains(err(i, Tensor::from_f32({3}, V{0, 1, 2}), 3, -1), "values must be [off_value, on_value]"));
  Tensor flags(DType::Bool, Shape{2});
  CHECK(contains(err(flags, vals, 3, -1), "indices are bool"));
  const std::string huge = err(i, vals, int64_t{1} << 40, -1);  // refused at load, never allocated
  CAPTURE(huge);
  CHECK(contains(huge, "OneHot 'node'"));
  CHECK(contains(huge, "has more than 2^32 elements"));
  auto spec = [](bool constant_depth, const Pb& depth) {
    GraphSpec g;
    g.inputs.push_back(value_info("i", kInt64, {3}));
    if (constant_depth)
      g.initializers.push_back(depth);
    else
      g.inputs.push_back(value_info("depth", kInt64, {}));
    g.initializers.push_back(tensor_f32("v", {2}, {0, 1}));
    g.outputs.push_back(value_info("y", kFloat, {3, 4}));
    g.nodes.push_back(node("OneHot", {"i", "depth", "v"}, {"y"}, "my_one_hot"));
    return g;
  };
  const Graph g = import(spec(true, tensor_f32("depth", {1}, {4.7f})), 11);  // a float depth truncates to 4
  const Node& n = only_node(g, OpType::OneHot);
  CHECK(n.attrs.get_int("depth", 0, "") == 4);
  CHECK(n.attrs.get_int("axis", 0, "") == -1);
  e = import_error(spec(false, {}), 11);
  CHECK(contains(e, "my_one_hot"));
  CHECK(contains(e, "depth is only known at run time"));
  CHECK(contains(import_error(spec(true, tensor_i64("depth", {2}, {3, 4})), 11), "depth must hold one value, got 2"));
  CHECK(contains(import_error(spec(true, tensor_i64("depth", {}, {0})), 11), "depth must be >= 1, got 0"));
}
