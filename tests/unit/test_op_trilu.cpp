// Trilu through the engine: the node tests' 4x5 values by hand, 150 random batches of matrices (odd sizes, k
// inside and far outside the matrix, upper and lower, f32/i64/u8) against a loop written here from the definition
// (keep element (i, j) when j >= i + k, or j <= i + k for the lower triangle), the errors (naming the node) and the
// ONNX mapping (constant k input, run-time k refused).
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

Tensor trilu(const Tensor& x, int64_t upper, int64_t k, KernelPath path = KernelPath::Reference) {
  return run_one(OpType::Trilu, {x}, h2test::attrs({{"upper", upper}, {"k", k}}), path);
}

}  // namespace

TEST_CASE("Trilu: upper and lower triangles by hand, every path") {
  Ints v(20);
  for (size_t i = 0; i < v.size(); ++i) v[i] = int64_t(i) + 1;
  const Tensor x = i64s({4, 5}, v);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    CHECK(values_as<int64_t>(trilu(x, 1, 0, path)) ==
          Ints{1, 2, 3, 4, 5, 0, 7, 8, 9, 10, 0, 0, 13, 14, 15, 0, 0, 0, 19, 20});
    CHECK(values_as<int64_t>(trilu(x, 1, 2, path)) ==
          Ints{0, 0, 3, 4, 5, 0, 0, 0, 9, 10, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0});
    CHECK(values_as<int64_t>(trilu(x, 1, -1, path)) ==
          Ints{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 12, 13, 14, 15, 0, 0, 18, 19, 20});
    CHECK(values_as<int64_t>(trilu(x, 0, 0, path)) ==
          Ints{1, 0, 0, 0, 0, 6, 7, 0, 0, 0, 11, 12, 13, 0, 0, 16, 17, 18, 19, 0});
    CHECK(values_as<int64_t>(trilu(x, 0, -2, path)) ==
          Ints{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 16, 17, 0, 0, 0});
    CHECK(values_as<int64_t>(trilu(x, 0, 6, path)) == v);            // beyond the last column: everything
    CHECK(values_as<int64_t>(trilu(x, 1, 6, path)) == Ints(20, 0));  // nothing
  }
  // f32: kept values bit for bit, the rest +0.
  const std::vector<float> got =
      values_as<float>(trilu(Tensor::from_f32({2, 2}, std::vector<float>{-0.0f, 1, -1, NAN}), 0, 0));
  CHECK(std::signbit(got[0]));
  CHECK((got[1] == 0.0f && !std::signbit(got[1])));
  CHECK(got[2] == -1.0f);
  CHECK(std::isnan(got[3]));
}

TEST_CASE("Trilu matches the definition on 150 random batches of matrices") {
  std::mt19937 rng(7);
  for (int index = 0; index < 150; ++index) {
    Shape x;
    x.rank = int(rng() % 3) + 2;
    for (int d = 0; d < x.rank; ++d) x[d] = int64_t(rng() % 7) + 1;
    const int64_t upper = index % 2;
    const int64_t k = index % 10 == 0 ? int64_t(rng() % 2 ? 1000000000000 : -1000000000000) : int64_t(rng() % 13) - 6;
    Ints v(size_t(x.numel()));
    for (auto& e : v) e = int64_t(rng() % 100000) + 1;
    Ints want(v.size());
    for (int64_t i = 0; i < x.numel(); ++i) {
      const Ints c = h2test::unravel(i, x);
      const int64_t row = c[size_t(x.rank - 2)], col = c[size_t(x.rank - 1)];
      const bool keep = upper ? col >= row + k : col <= row + k;
      want[size_t(i)] = keep ? v[size_t(i)] : 0;
    }
    CAPTURE(x.str());
    CAPTURE(upper);
    CAPTURE(k);
    CHECK(values_as<int64_t>(trilu(i64s(x, v), upper, k, best_kernel_path())) == want);
    std::vector<uint8_t> bytes, bytes_want;
    for (int64_t e : v) bytes.push_back(uint8_t(e % 251 + 1));
    for (size_t i = 0; i < v.size(); ++i) bytes_want.push_back(want[i] ? bytes[i] : 0);
    CHECK(values_as<uint8_t>(trilu(typed_tensor(DType::U8, x, bytes), upper, k)) == bytes_want);
  }
}

TEST_CASE("Trilu errors name the node, and the ONNX k input must be a constant") {
  CHECK(contains(run_error(OpType::Trilu, {Tensor::from_f32({3}, std::vector<float>{1, 2, 3})}, {}),
                 "Trilu 'node': input [3] must have rank >= 2"));
  CHECK(contains(run_error(OpType::Trilu, {Tensor::from_f32({2, 2}, std::vector<float>(4, 1.0f))},
                           h2test::attrs({{"upper", int64_t{2}}})),
                 "upper must be 0 or 1, got 2"));
  auto spec = [](bool constant_k, std::vector<Pb> attrs = {}) {
    GraphSpec g;
    g.inputs.push_back(value_info("x", kFloat, {3, 4}));
    if (constant_k)
      g.initializers.push_back(tensor_i64("k", {}, {-1}));
    else
      g.inputs.push_back(value_info("k", kInt64, {}));
    g.outputs.push_back(value_info("y", kFloat, {3, 4}));
    g.nodes.push_back(node("Trilu", {"x", "k"}, {"y"}, "my_trilu", attrs));
    return g;
  };
  const Graph g = import(spec(true, {attr_i("upper", 0)}), 14);
  const Node& n = only_node(g, OpType::Trilu);
  CHECK(n.attrs.get_int("k", 0, "") == -1);
  CHECK(n.attrs.get_int("upper", 1, "") == 0);
  std::string e = import_error(spec(false), 14);
  CHECK(contains(e, "my_trilu"));
  CHECK(contains(e, "k is only known at run time"));
  CHECK(contains(import_error(spec(true, {attr_i("upper", 3)}), 14), "upper must be 0 or 1, got 3"));
}
