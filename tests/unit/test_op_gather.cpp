// Gather with run-time indices through the engine: hand cases (negative and out-of-range indices, a scalar
// index, i32 indices, i64 and u8 data), 200 random shapes, axes and index tensors (about a third out of range)
// against a loop written here from ONNX's definition, with data and indices both fed at run time or the data a
// constant table (an Embedding); the errors (naming the node); and the ONNX mapping (run-time indices become this
// op, constant ones stay Slices checked at load).
#include <doctest/doctest.h>

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

// data fed at run time unless `constant_data`; the indices always at run time.
Tensor gather(const Tensor& data, const Tensor& indices, int64_t axis, bool constant_data = false) {
  if (!constant_data)
    return run_one(OpType::Gather, {data, indices}, h2test::attrs({{"axis", axis}}), best_kernel_path(), {true, true});
  // run_one feeds input 0 at run time: put the indices first through a graph built here.
  GraphBuilder g;
  const int idx = g.input("indices", indices.dtype(), indices.shape());
  const int table = g.constant("table", data);
  g.output(g.node(OpType::Gather, "node", {table, idx}, h2test::attrs({{"axis", axis}})));
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  std::memcpy(ctx.input("indices").data, indices.data(), indices.bytes());
  ctx.run();
  const TensorView y = ctx.output(0);
  Tensor out(y.dtype, y.shape);
  std::memcpy(out.mutable_data(), y.data, y.bytes());
  return out;
}

}  // namespace

TEST_CASE("Gather with run-time indices: hand cases") {
  // data [3, 2]: rows 0..2; axis 0, indices [[0, 1], [1, 2]] (test_gather_0's pattern) and negative ones.
  const Tensor data = Tensor::from_f32({3, 2}, V{1, 2, 3, 4, 5, 6});
  Tensor y = gather(data, i64s({2, 2}, {0, 1, -1, -3}), 0);
  CHECK(y.shape() == Shape{2, 2, 2});
  CHECK(values_as<float>(y) == V{1, 2, 3, 4, 5, 6, 1, 2});
  // Out of range on both sides: zero slices, the others untouched.
  y = gather(data, i64s({4}, {3, -4, 2, 100}), 0);
  CHECK(values_as<float>(y) == V{0, 0, 0, 0, 5, 6, 0, 0});
  // axis 1 with i32 indices.
  y = gather(data, i32s({3}, {1, 0, -1}), 1);
  CHECK(y.shape() == Shape{3, 3});
  CHECK(values_as<float>(y) == V{2, 1, 2, 4, 3, 4, 6, 5, 6});
  // A scalar index drops the axis; i64 data is copied bit for bit.
  y = gather(i64s({2, 3}, {10, 11, 12, int64_t{1} << 40, 14, -15}), i64s({}, {-2}), 1);
  CHECK(y.dtype() == DType::I64);
  CHECK(y.shape() == Shape{2});
  CHECK(values_as<int64_t>(y) == Ints{11, 14});
  // u8 data (1-byte elements), a constant table.
  y = gather(typed_tensor(DType::U8, Shape{4}, std::vector<uint8_t>{7, 8, 9, 250}), i64s({2, 1}, {3, 0}), 0, true);
  CHECK(y.shape() == Shape{2, 1});
  CHECK(values_as<uint8_t>(y) == std::vector<uint8_t>{250, 7});
}

TEST_CASE("Gather with run-time indices matches the definition on 200 random shapes") {
  std::mt19937 rng(29);
  for (int index = 0; index < 200; ++index) {
    Shape x;
    x.rank = int(rng() % 4) + 1;
    for (int d = 0; d < x.rank; ++d) x[d] = int64_t(rng() % 5) + 1;
    Shape is;
    is.rank = int(rng() % 3);  // 0: a scalar index
    for (int d = 0; d < is.rank; ++d) is[d] = int64_t(rng() % 4) + 1;
    const int a = int(rng() % unsigned(x.rank));
    const int64_t axis = index % 2 ? a : a - x.rank;
    const int64_t size = x[a];
    Ints idx(size_t(is.numel()));
    for (auto& v : idx) v = int64_t(rng() % uint64_t(6 * size + 1)) - 3 * size;  // a third out of range
    V data(size_t(x.numel()));
    for (auto& v : data) v = float(int(rng() % 1000) - 500);
    Shape out;
    for (int d = 0; d < a; ++d) out.dims[size_t(out.rank++)] = x[d];
    for (int d = 0; d < is.rank; ++d) out.dims[size_t(out.rank++)] = is[d];
    for (int d = a + 1; d < x.rank; ++d) out.dims[size_t(out.rank++)] = x[d];
    V want;
    for (int64_t o = 0; o < out.numel(); ++o) {
      const Ints c = h2test::unravel(o, out);  // (before..., index coords..., after...)
      Ints ic(c.begin() + a, c.begin() + a + is.rank);
      const int64_t v = idx[size_t(h2test::ravel(ic, is))];
      if (v < -size || v >= size) {
        want.push_back(0.0f);
        continue;
      }
      Ints xc(c.begin(), c.begin() + a);
      xc.push_back(v < 0 ? v + size : v);
      xc.insert(xc.end(), c.begin() + a + is.rank, c.end());
      want.push_back(data[size_t(h2test::ravel(xc, x))]);
    }
    const bool i32 = index % 3 == 0, constant_data = index % 4 == 1;
    const Tensor indices = i32 ? i32s(is, std::vector<int32_t>(idx.begin(), idx.end())) : i64s(is, idx);
    CAPTURE(x.str());
    CAPTURE(is.str());
    CAPTURE(axis);
    CAPTURE(i32);
    CAPTURE(constant_data);
    const Tensor y = gather(Tensor::from_f32(x, data), indices, axis, constant_data);
    CHECK(y.shape() == out);
    CHECK(values_as<float>(y) == want);
  }
}

TEST_CASE("Gather errors name the node, and ONNX Gather with run-time indices maps to it") {
  const Tensor data = Tensor::from_f32({2, 3}, V{1, 2, 3, 4, 5, 6});
  auto err = [&](const Tensor& d, const Tensor& indices, int64_t axis) {
    return run_error(OpType::Gather, {d, indices}, h2test::attrs({{"axis", axis}}));
  };
  std::string e = err(data, Tensor::from_f32({1}, V{0}), 0);
  CHECK(contains(e, "Gather 'node'"));
  CHECK(contains(e, "indices are f32, expected i64 or i32"));
  CHECK(contains(err(data, i64s({1}, {0}), 2), "axis 2 is out of range for data [2,3]"));
  CHECK(contains(err(data, i64s({1}, {0}), -3), "axis -3 is out of range"));
  CHECK(contains(err(Tensor::from_f32({}, V{1}), i64s({1}, {0}), 0), "cannot gather from a scalar"));

  // An Embedding: constant table, token ids fed at run time.
  GraphSpec g;
  g.inputs.push_back(value_info("ids", kInt64, {2, 3}));
  g.initializers.push_back(tensor_f32("table", {4, 2}, {0, 1, 10, 11, 20, 21, 30, 31}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3, 2}));
  g.nodes.push_back(node("Gather", {"table", "ids"}, {"y"}, "embed"));
  Engine engine(import(g, 13));
  CHECK(only_node(engine.graph(), OpType::Gather).name == "embed");
  ExecutionContext ctx(engine);
  const int64_t ids[] = {3, 0, -1, 1, 2, 2};
  std::memcpy(ctx.input("ids").data, ids, sizeof ids);
  ctx.run();
  const V want = {30, 31, 0, 1, 30, 31, 10, 11, 20, 21, 20, 21};
  CHECK(V(ctx.output("y").f32(), ctx.output("y").f32() + 12) == want);

  // Constant indices still become Slices, and a bad one is refused at load.
  GraphSpec c;
  c.inputs.push_back(value_info("x", kFloat, {4, 2}));
  c.initializers.push_back(tensor_i64("ids", {2}, {3, 0}));
  c.outputs.push_back(value_info("y", kFloat, {2, 2}));
  c.nodes.push_back(node("Gather", {"x", "ids"}, {"y"}, "pick"));
  const Graph sliced = import(c, 13);
  for (const Node& n : sliced.nodes) CHECK(n.op != OpType::Gather);
  c.initializers[0] = tensor_i64("ids", {2}, {4, 0});
  CHECK(contains(import_error(c, 13), "index 4 is out of range for axis 0 of size 4"));
}
