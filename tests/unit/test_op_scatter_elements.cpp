// ScatterElements (and ONNX's deprecated Scatter) through the engine: the spec's examples and node-test values by
// hand for every reduction, 150 random cases (odd sizes, negative indices and axes, repeated targets) against a
// loop written here from the definition (a copy of data, then each update applied at its coordinates in
// row-major order), with the indices constant and fed at run time (then some out of range: skipped), int64 data
// without a reduction (copied), every kernel path, the errors (naming the node) and the ONNX mapping.
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

V scatter(const Tensor& data, const Tensor& indices, const Tensor& updates, int64_t axis, const char* reduction,
          KernelPath path = KernelPath::Reference, bool runtime_indices = false) {
  return values_as<float>(run_one(OpType::ScatterElements, {data, indices, updates},
                                  h2test::attrs({{"axis", axis}, {"reduction", std::string(reduction)}}), path,
                                  {true, runtime_indices, false}));
}

float combine(const std::string& r, float now, float u) {
  if (r == "add") return now + u;
  if (r == "mul") return now * u;
  if (r == "max") return std::fmax(now, u);  // no NaN in these inputs
  if (r == "min") return std::fmin(now, u);
  return u;
}

}  // namespace

TEST_CASE("ScatterElements: the spec's examples and every reduction, every path") {
  const Tensor row = Tensor::from_f32({1, 5}, V{1, 2, 3, 4, 5});
  const Tensor dup = i64s({1, 2}, {1, 1});
  const Tensor u = Tensor::from_f32({1, 2}, V{1.1f, 2.1f});
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    // Example 1 (axis 0 on a 3x3 of zeros).
    const Tensor zeros = Tensor::from_f32({3, 3}, V(9, 0.0f));
    const Tensor i0 = i64s({2, 3}, {1, 0, 2, 0, 2, 1});
    const Tensor u0 = Tensor::from_f32({2, 3}, V{1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f});
    CHECK(scatter(zeros, i0, u0, 0, "none", path) == V{2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f});
    // Example 2 (axis 1), and the same with negative indices and a negative axis.
    CHECK(scatter(row, i64s({1, 2}, {1, 3}), u, 1, "none", path) == V{1, 1.1f, 3, 2.1f, 5});
    CHECK(scatter(row, i64s({1, 2}, {1, -3}), u, -1, "none", path) == V{1, 1.1f, 2.1f, 4, 5});
    // Repeated targets: the reductions combine both updates in order; none keeps the later one.
    CHECK(scatter(row, dup, u, 1, "add", path) == V{1, 2 + 1.1f + 2.1f, 3, 4, 5});
    CHECK(scatter(row, dup, u, 1, "mul", path) == V{1, 2 * 1.1f * 2.1f, 3, 4, 5});
    CHECK(scatter(row, dup, u, 1, "max", path) == V{1, 2.1f, 3, 4, 5});
    CHECK(scatter(row, dup, u, 1, "min", path) == V{1, 1.1f, 3, 4, 5});
    CHECK(scatter(row, dup, u, 1, "none", path) == V{1, 2.1f, 3, 4, 5});
  }
  // max/min propagate NaN, as ScatterND does.
  const V got = scatter(row, i64s({1, 1}, {0}), Tensor::from_f32({1, 1}, V{NAN}), 1, "max");
  CHECK(std::isnan(got[0]));
}

TEST_CASE("ScatterElements matches the definition on 150 random shapes, axes and reductions") {
  std::mt19937 rng(5);
  const char* reductions[] = {"none", "add", "mul", "max", "min"};
  for (int index = 0; index < 150; ++index) {
    Shape x;
    x.rank = int(rng() % 4) + 1;
    for (int d = 0; d < x.rank; ++d) x[d] = int64_t(rng() % 5) + 1;
    const int axis = int(rng() % unsigned(x.rank));
    Shape is = x;
    for (int d = 0; d < x.rank; ++d) is[d] = d == axis ? int64_t(rng() % 6) + 1 : int64_t(rng() % x[d]) + 1;
    Ints idx(size_t(is.numel()));
    for (auto& v : idx) v = int64_t(rng() % uint64_t(2 * x[axis])) - x[axis];  // [-dim, dim), repeats likely
    const std::string r = reductions[index % 5];
    const Tensor data = h2test::random_tensor(x, rng);
    const Tensor updates = h2test::random_tensor(is, rng);
    V want(data.f32(), data.f32() + data.numel());
    for (int64_t i = 0; i < is.numel(); ++i) {
      Ints c = h2test::unravel(i, is);
      const int64_t v = idx[size_t(i)];
      c[size_t(axis)] = v < 0 ? v + x[axis] : v;
      float& target = want[size_t(h2test::ravel(c, x))];
      target = combine(r, target, updates.f32()[i]);
    }
    CAPTURE(x.str());
    CAPTURE(is.str());
    CAPTURE(r);
    const int64_t axis_attr = index % 2 ? axis - x.rank : axis;
    CHECK(scatter(data, i64s(is, idx), updates, axis_attr, r.c_str(), best_kernel_path()) == want);
    CHECK(scatter(data, i64s(is, idx), updates, axis_attr, r.c_str(), best_kernel_path(), true) == want);
    // Fed at run time with one index in three pushed out of range: those updates are skipped.
    V skipped(data.f32(), data.f32() + data.numel());
    for (int64_t i = 0; i < is.numel(); ++i) {
      if (i % 3 == 1) {
        idx[size_t(i)] = i % 2 ? x[axis] + i : -x[axis] - 1 - i;
        continue;
      }
      Ints c = h2test::unravel(i, is);
      const int64_t v = idx[size_t(i)];
      c[size_t(axis)] = v < 0 ? v + x[axis] : v;
      float& target = skipped[size_t(h2test::ravel(c, x))];
      target = combine(r, target, updates.f32()[i]);
    }
    CHECK(scatter(data, i64s(is, idx), updates, axis_attr, r.c_str(), best_kernel_path(), true) == skipped);
  }
}

TEST_CASE("ScatterElements without a reduction copies int64 data, indices constant or fed at run time") {
  // The unsort of pack_padded_sequence: an int64 permutation inverted by scattering arange(n) to it.
  const Tensor perm = i64s({4}, {2, 0, 3, 1});
  const Tensor arange = i64s({4}, {0, 1, 2, 3});
  const Tensor zeros = i64s({4}, {0, 0, 0, 0});
  for (bool runtime : {false, true}) {
    CAPTURE(runtime);
    const Tensor y = run_one(OpType::ScatterElements, {zeros, perm, arange},
                             h2test::attrs({{"axis", int64_t{0}}, {"reduction", std::string("none")}}),
                             best_kernel_path(), {true, runtime, false});
    CHECK(y.dtype() == DType::I64);
    CHECK(values_as<int64_t>(y) == Ints{1, 3, 0, 2});
  }
  // Axis 0 of a [2, 3]: each update lands a whole row apart.
  for (bool runtime : {false, true}) {
    const Tensor y = run_one(OpType::ScatterElements,
                             {i64s({2, 3}, {1, 2, 3, 4, 5, 6}), i64s({1, 3}, {1, 0, 1}), i64s({1, 3}, {10, 11, 12})},
                             h2test::attrs({{"axis", int64_t{0}}, {"reduction", std::string("none")}}),
                             best_kernel_path(), {true, runtime, false});
    CHECK(values_as<int64_t>(y) == Ints{1, 11, 3, 10, 5, 12});
  }
  // Out of range at run time: skipped; 2^40 survives the copy.
  const Tensor y =
      run_one(OpType::ScatterElements, {i64s({3}, {7, 8, 9}), i64s({2}, {5, -1}), i64s({2}, {1, int64_t{1} << 40})},
              h2test::attrs({{"axis", int64_t{0}}, {"reduction", std::string("none")}}), best_kernel_path(),
              {true, true, false});
  CHECK(values_as<int64_t>(y) == Ints{7, 8, int64_t{1} << 40});
}

TEST_CASE("ScatterElements errors name the node") {
  const Tensor d = Tensor::from_f32({2, 3}, V(6, 1.0f));
  auto err = [&](const Tensor& idx, const Tensor& u, int64_t axis = 0, const char* r = "none") {
    return run_error(OpType::ScatterElements, {d, idx, u},
                     h2test::attrs({{"axis", axis}, {"reduction", std::string(r)}}));
  };
  const Tensor u2 = Tensor::from_f32({1, 2}, V{1, 2});
  std::string e = err(i64s({1, 2}, {0, 2}), u2);
  CHECK(contains(e, "ScatterElements 'node'"));
  CHECK(contains(e, "index 2 is outside [-2, 2) on axis 0"));
  CHECK(contains(err(i64s({1, 2}, {0, 3}), u2, 1), "index 3 is outside [-3, 3) on axis 1"));
  CHECK(contains(err(i64s({2}, {0, 1}), Tensor::from_f32({2}, V{1, 2})), "must have the rank of data"));
  CHECK(contains(err(i64s({1, 4}, {0, 0, 0, 0}), Tensor::from_f32({1, 4}, V(4, 1.0f))),
                 "are larger than data [2,3] on axis 1"));
  CHECK(contains(err(i64s({1, 2}, {0, 0}), Tensor::from_f32({2, 1}, V{1, 2})),
                 "updates [2,1] must have the shape of indices [1,2]"));
  CHECK(contains(err(i64s({1, 2}, {0, 0}), u2, 2), "axis 2 is out of range"));
  CHECK(contains(err(i64s({1, 2}, {0, 0}), u2, 0, "avg"), "reduction must be none, add, mul, max or min, got 'avg'"));
  CHECK(err(i64s({1, 2}, {0, -2}), u2).empty());
  // int64 data is copied without a reduction only, and the updates must have data's dtype.
  const Tensor di = i64s({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(contains(run_error(OpType::ScatterElements, {di, i64s({1, 2}, {0, 1}), i64s({1, 2}, {1, 2})},
                           h2test::attrs({{"axis", int64_t{0}}, {"reduction", std::string("add")}})),
                 "data is i64, expected f32"));
  CHECK(contains(run_error(OpType::ScatterElements, {di, i64s({1, 2}, {0, 1}), u2},
                           h2test::attrs({{"axis", int64_t{0}}, {"reduction", std::string("none")}})),
                 "updates are f32, expected data's i64"));
  CHECK(contains(run_error(OpType::ScatterElements, {di, i64s({1, 2}, {0, 2}), i64s({1, 2}, {1, 2})},
                           h2test::attrs({{"axis", int64_t{0}}, {"reduction", std::string("none")}})),
                 "index 2 is outside [-2, 2) on axis 0"));
}

TEST_CASE("ScatterElements and Scatter from ONNX: axis normalised, reduction passed, bad cases refused") {
  auto spec = [](const char* op, std::vector<Pb> attrs, bool constant_indices = true) {
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {2, 3}));
    if (constant_indices)
      g.initializers.push_back(tensor_i64("i", {1, 2}, {1, 0}));
    else
      g.inputs.push_back(value_info("i", kInt64, {1, 2}));
    g.initializers.push_back(tensor_f32("u", {1, 2}, {5, 6}));
    g.outputs.push_back(value_info("y", kFloat, {2, 3}));
    g.nodes.push_back(node(op, {"x", "i", "u"}, {"y"}, "my_scatter", attrs));
    return g;
  };
  const Graph g18 = import(spec("ScatterElements", {attr_i("axis", -1), attr_s("reduction", "max")}), 18);
  const Node& n = only_node(g18, OpType::ScatterElements);
  CHECK(n.attrs.get_int("axis", 0, "") == 1);
  CHECK(n.attrs.get_string("reduction", "", "") == "max");
  const Graph g9 = import(spec("Scatter", {attr_i("axis", 1)}), 9);
  CHECK(only_node(g9, OpType::ScatterElements).attrs.get_string("reduction", "", "") == "none");
  CHECK(only_node(import(spec("ScatterElements", {}, false), 13), OpType::ScatterElements).name == "my_scatter");
  CHECK(contains(import_error(spec("ScatterElements", {attr_s("reduction", "sum")}), 18),
                 "reduction must be none, add, mul, max or min, got 'sum'"));
  CHECK(contains(import_error(spec("Scatter", {attr_s("reduction", "add")}), 9), "reduction"));
  CHECK(contains(import_error(spec("ScatterElements", {attr_i("axis", 2)}), 13), "axis"));
}
