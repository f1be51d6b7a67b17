// GatherND (constant indices, any data dtype, batch_dims) through the engine: the ONNX spec's five examples by
// hand, 200 random cases (odd sizes, negative indices, batch_dims 0..2, f32/i64/i8 data) against a loop written
// here from the definition (each output coordinate mapped to its data coordinate), every kernel path, the errors
// (which name the node) and the ONNX mapping (opset 12/13, run-time indices refused).
#include <doctest/doctest.h>

#include <algorithm>
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

Tensor gather_nd(const Tensor& data, const Tensor& indices, int64_t batch_dims,
                 KernelPath path = KernelPath::Reference) {
  return run_one(OpType::GatherNd, {data, indices}, h2test::attrs({{"batch_dims", batch_dims}}), path);
}

// The definition, output element by output element: output coordinate o = (tuple coordinate t over
// indices.shape[:-1], then the slice coordinate s over data.shape[b+k:]); data coordinate = (t's first b,
// the index tuple at t, s).
std::vector<int32_t> expected_gather_nd(const Shape& x, const std::vector<int32_t>& data, const Shape& is,
                                        const Ints& idx, int b) {
  const int k = static_cast<int>(is[is.rank - 1]);
  Shape out;
  for (int d = 0; d < is.rank - 1; ++d) out.dims[size_t(out.rank++)] = is[d];
  for (int d = b + k; d < x.rank; ++d) out.dims[size_t(out.rank++)] = x[d];
  std::vector<int32_t> want;
  for (int64_t o = 0; o < out.numel(); ++o) {
    const Ints oc = h2test::unravel(o, out);
    Ints ic(oc.begin(), oc.begin() + (is.rank - 1));
    Ints xc(oc.begin(), oc.begin() + b);
    for (int j = 0; j < k; ++j) {
      ic.push_back(j);
      int64_t v = idx[size_t(h2test::ravel(ic, is))];
      ic.pop_back();
      if (v < 0) v += x[b + j];
      xc.push_back(v);
    }
    xc.insert(xc.end(), oc.begin() + (is.rank - 1), oc.end());
    want.push_back(data[size_t(h2test::ravel(xc, x))]);
  }
  return want;
}

}  // namespace

TEST_CASE("GatherND: the spec's examples, batch_dims, i32 data, every path") {
  const Tensor d22 = i32s({2, 2}, {0, 1, 2, 3});
  const Tensor d222 = i32s({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    Tensor y = gather_nd(d22, i64s({2, 2}, {0, 0, 1, 1}), 0, path);
    CHECK(y.dtype() == DType::I32);
    CHECK(y.shape() == Shape{2});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{0, 3});
    y = gather_nd(d22, i64s({2, 1}, {1, 0}), 0, path);
    CHECK(y.shape() == Shape{2, 2});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{2, 3, 0, 1});
    y = gather_nd(d222, i64s({2, 2}, {0, 1, 1, 0}), 0, path);
    CHECK(y.shape() == Shape{2, 2});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{2, 3, 4, 5});
    y = gather_nd(d222, i64s({2, 1, 2}, {0, 1, 1, 0}), 0, path);
    CHECK(y.shape() == Shape{2, 1, 2});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{2, 3, 4, 5});
    // batch_dims 1: batch 0 takes row 1 of its matrix, batch 1 row 0 of its own.
    y = gather_nd(d222, i64s({2, 1}, {1, 0}), 1, path);
    CHECK(y.shape() == Shape{2, 2});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{2, 3, 4, 5});
    // Negative indices count from the end; i32 indices; a full tuple gives a scalar per tuple.
    y = gather_nd(d222, i32s({1, 3}, {-1, 0, -1}), 0, path);
    CHECK(y.shape() == Shape{1});
    CHECK(values_as<int32_t>(y) == std::vector<int32_t>{5});
  }
  // f32 data: values are copied bit for bit (-0 and NaN too).
  const Tensor f = Tensor::from_f32({3}, std::vector<float>{-0.0f, NAN, 2.5f});
  const std::vector<float> got = values_as<float>(gather_nd(f, i64s({3, 1}, {1, 0, -1}), 0));
  CHECK(std::isnan(got[0]));
  CHECK((got[1] == 0.0f && std::signbit(got[1])));
  CHECK(got[2] == 2.5f);
}

TEST_CASE("GatherND matches the definition on 200 random shapes, batch_dims and dtypes") {
  std::mt19937 rng(11);
  for (int index = 0; index < 200; ++index) {
    Shape x;
    x.rank = int(rng() % 4) + 1;
    for (int d = 0; d < x.rank; ++d) x[d] = int64_t(rng() % 4) + 1;
    const int b = int(rng() % unsigned(x.rank));          // batch_dims < rank of data
    const int k = int(rng() % unsigned(x.rank - b)) + 1;  // 1 <= k <= r - b
    // Free tuple dims, so that indices (b + extra + 1) and the output (b + extra + r - b - k) fit rank 6.
    const int extra = int(rng() % unsigned(std::min({3, 5 - b, 6 - b - (x.rank - b - k)})));
    Shape is;
    for (int d = 0; d < b; ++d) is.dims[size_t(is.rank++)] = x[d];
    for (int d = 0; d < extra; ++d) is.dims[size_t(is.rank++)] = int64_t(rng() % 3) + 1;
    is.dims[size_t(is.rank++)] = k;
    Ints idx(size_t(is.numel()));
    for (size_t i = 0; i < idx.size(); ++i) {
      const int64_t dim = x[b + int(i % size_t(k))];
      idx[i] = int64_t(rng() % uint64_t(2 * dim)) - dim;  // [-dim, dim)
    }
    std::vector<int32_t> data(size_t(x.numel()));
    for (auto& v : data) v = int32_t(rng() % 1000) - 500;
    const std::vector<int32_t> want = expected_gather_nd(x, data, is, idx, b);
    CAPTURE(x.str());
    CAPTURE(is.str());
    CAPTURE(b);
    // The same positions moved as i32, as i64 and as i8 (values reduced to fit), and as f32.
    CHECK(values_as<int32_t>(gather_nd(i32s(x, data), i64s(is, idx), b, best_kernel_path())) == want);
    std::vector<int64_t> wide(data.begin(), data.end()), wide_want(want.begin(), want.end());
    CHECK(values_as<int64_t>(gather_nd(i64s(x, wide), i64s(is, idx), b)) == wide_want);
    std::vector<int8_t> narrow, narrow_want;
    for (int32_t v : data) narrow.push_back(int8_t(v % 100));
    for (int32_t v : want) narrow_want.push_back(int8_t(v % 100));
    CHECK(values_as<int8_t>(gather_nd(typed_tensor(DType::I8, x, narrow), i64s(is, idx), b)) == narrow_want);
    std::vector<float> fl(data.begin(), data.end()), fl_want(want.begin(), want.end());
    CHECK(values_as<float>(gather_nd(Tensor::from_f32(x, fl), i64s(is, idx), b)) == fl_want);
  }
}

TEST_CASE("GatherND errors name the node") {
  const Tensor d = Tensor::from_f32({2, 3}, std::vector<float>(6, 1.0f));
  auto err = [&](const Tensor& data, const Tensor& idx, int64_t b = 0) {
    return run_error(OpType::GatherNd, {data, idx}, h2test::attrs({{"batch_dims", b}}));
  };
  std::string e = err(d, i64s({1, 2}, {0, 3}));
  CHECK(contains(e, "GatherND 'node'"));
  CHECK(contains(e, "index 3 is outside [-3, 3) on axis 1"));
  CHECK(contains(err(d, i64s({1, 2}, {-3, 0})), "index -3 is outside [-2, 2) on axis 0"));
  CHECK(contains(err(d, i64s({1, 3}, {0, 0, 0})), "the last dim of indices [1,3] must be in [1, 2]"));
  CHECK(contains(err(d, i64s({2, 2}, {0, 0, 0, 0}), 1), "the last dim of indices [2,2] must be in [1, 1]"));
  CHECK(contains(err(d, i64s({3, 1}, {0, 0, 0}), 1), "the batch dims of data [2,3] and indices [3,1] differ at dim 0"));
  CHECK(contains(err(d, i64s({2, 1}, {0, 0}), 2), "batch_dims 2 must be in [0, 2)"));
  CHECK(contains(err(d, i64s({2, 1}, {0, 0}), -1), "batch_dims -1 must be in [0, 2)"));
  CHECK(contains(err(d, Tensor::from_f32({1, 1}, std::vector<float>{0})), "indices are f32, expected i32 or i64"));
  CHECK(err(d, i64s({2, 1}, {1, 2}), 1).empty());
  // Run-time indices: the engine needs them at load.
  GraphBuilder g;
  const int x = g.input("x", DType::F32, Shape{2, 3}), i = g.input("i", DType::I64, Shape{1, 2});
  g.output(g.node(OpType::GatherNd, "late", {x, i}));
  try {
    Engine engine(g.build());
    FAIL("loaded");
  } catch (const Error& ex) {
    CHECK(contains(ex.what(), "'late'"));
    CHECK(contains(ex.what(), "indices must be a constant"));
  }
}

TEST_CASE("GatherND from ONNX: batch_dims passed, run-time indices refused naming the node") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 2, 2}));
  g.initializers.push_back(tensor_i64("i", {2, 1}, {1, 0}));
  g.outputs.push_back(value_info("y", kFloat, {2, 2}));
  g.nodes.push_back(node("GatherND", {"x", "i"}, {"y"}, "gnd", {attr_i("batch_dims", 1)}));
  const Graph imported = import(g, 13);
  const Node& n = only_node(imported, OpType::GatherNd);
  CHECK(n.attrs.get_int("batch_dims", 0, "") == 1);
  GraphSpec late;
  late.inputs.push_back(value_info("x", kFloat, {2, 2}));
  late.inputs.push_back(value_info("i", kInt64, {2, 2}));
  late.outputs.push_back(value_info("y", kFloat, {2}));
  late.nodes.push_back(node("GatherND", {"x", "i"}, {"y"}, "my_gather_nd"));
  const std::string e = import_error(late, 12);
  CHECK(contains(e, "my_gather_nd"));
  CHECK(contains(e, "indices are only known at run time"));
}
