// EyeLike through the engine: diagonals by hand (k inside, negative and far outside the matrix), every output
// dtype, 100 random shapes against a loop from the definition (one exactly where j == i + k), the errors (naming
// the node) and the ONNX mapping (dtype attribute, default the input's type, DOUBLE held as f32).
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

Tensor eye(const Shape& s, DType like, std::optional<DType> dtype, int64_t k, KernelPath path = KernelPath::Reference) {
  Attributes a = h2test::attrs({{"k", k}});
  if (dtype) a.set("dtype", static_cast<int64_t>(*dtype));
  return run_one(OpType::EyeLike, {Tensor(like, s)}, a, path);
}

}  // namespace

TEST_CASE("EyeLike: diagonals by hand, every dtype, every path") {
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    Tensor y = eye({3, 4}, DType::I32, DType::F32, 1, path);
    CHECK(y.dtype() == DType::F32);
    CHECK(values_as<float>(y) == std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
    y = eye({3, 2}, DType::F32, std::nullopt, -1, path);  // default: the input's dtype
    CHECK(y.dtype() == DType::F32);
    CHECK(values_as<float>(y) == std::vector<float>{0, 0, 1, 0, 0, 1});
    CHECK(values_as<int64_t>(eye({2, 2}, DType::F32, DType::I64, 0, path)) == std::vector<int64_t>{1, 0, 0, 1});
    CHECK(values_as<int8_t>(eye({2, 2}, DType::I8, std::nullopt, 0, path)) == std::vector<int8_t>{1, 0, 0, 1});
    CHECK(values_as<uint8_t>(eye({2, 3}, DType::F32, DType::Bool, 2, path)) == std::vector<uint8_t>{0, 0, 1, 0, 0, 0});
    CHECK(values_as<float>(eye({2, 3}, DType::F32, std::nullopt, 3, path)) == std::vector<float>(6, 0.0f));
    CHECK(values_as<float>(eye({2, 3}, DType::F32, std::nullopt, -1000000, path)) == std::vector<float>(6, 0.0f));
  }
}

TEST_CASE("EyeLike matches the definition on 100 random shapes and diagonals") {
  std::mt19937 rng(19);
  for (int index = 0; index < 100; ++index) {
    const Shape s{int64_t(rng() % 9) + 1, int64_t(rng() % 9) + 1};
    const int64_t k = int64_t(rng() % 21) - 10;
    std::vector<int64_t> want;
    for (int64_t i = 0; i < s.numel(); ++i) {
      const std::vector<int64_t> c = h2test::unravel(i, s);
      want.push_back(c[1] == c[0] + k ? 1 : 0);
    }
    CAPTURE(s.str());
    CAPTURE(k);
    CHECK(values_as<int64_t>(eye(s, DType::U8, DType::I64, k, best_kernel_path())) == want);
  }
}

TEST_CASE("EyeLike errors name the node, and the ONNX dtype is mapped") {
  CHECK(contains(run_error(OpType::EyeLike, {Tensor(DType::F32, Shape{2, 2, 2})}, {}),
                 "EyeLike 'node': input [2,2,2] must have rank 2"));
  CHECK(contains(run_error(OpType::EyeLike, {Tensor(DType::F32, Shape{2, 2})}, h2test::attrs({{"dtype", int64_t{2}}})),
                 "dtype 2 is not one of f32, i64, i32, i8, u8, bool"));
  auto spec = [](std::vector<Pb> attrs, int output_type = kDouble) {
    GraphSpec g;
    g.inputs.push_back(value_info("x", kInt32, {3, 4}));
    g.outputs.push_back(value_info("y", output_type, {3, 4}));
    g.nodes.push_back(node("EyeLike", {"x"}, {"y"}, "my_eye", attrs));
    return g;
  };
  const Graph d = import(spec({attr_i("dtype", kDouble), attr_i("k", -1)}), 22);
  const Node& n = only_node(d, OpType::EyeLike);
  CHECK(n.attrs.get_int("dtype", 0, "") == static_cast<int64_t>(DType::F32));  // DOUBLE is held as f32
  CHECK(n.attrs.get_int("k", 0, "") == -1);
  CHECK(only_node(import(spec({}, kInt32), 22), OpType::EyeLike).attrs.get_int("dtype", 0, "") ==
        static_cast<int64_t>(DType::I32));
  const std::string e = import_error(spec({attr_i("dtype", 5)}), 22);  // INT16
  CHECK(contains(e, "my_eye"));
  CHECK(contains(e, "cannot make an EyeLike of INT16"));
}
