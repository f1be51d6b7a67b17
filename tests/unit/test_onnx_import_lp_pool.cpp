// The ONNX LpPool mapping: p (an int), 1-D pooling run as 2-D with a unit height,
// and the errors (3-D, bad p), which name the node. Values are checked by test_op_lp_pool.cpp and the ONNX
// node tests (tests/onnx).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "graph_query_support.h"
#include "loaders/onnx/onnx_import.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

GraphSpec lp_pool(std::vector<int64_t> x_shape, std::vector<Pb> attrs) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, x_shape));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node("LpPool", {"x"}, {"y"}, "my_pool", attrs));
  return g;
}

}  // namespace

TEST_CASE("onnx import: LpPool's p, its default, and 1-D pooling") {
  Graph g1 = import(lp_pool({1, 2, 5, 5}, {attr_ints("kernel_shape", {2, 2}), attr_i("p", 3)}), 9);
  CHECK(only_node(g1, OpType::LpPool).attrs.get_float("p", 0) == 3.0f);
  Graph g11 = import(lp_pool({1, 2, 5, 5}, {attr_ints("kernel_shape", {2, 2}), attr_i("p", 1)}), 11);
  CHECK(only_node(g11, OpType::LpPool).attrs.get_float("p", 0) == 1.0f);
  Graph g = import(lp_pool({1, 2, 5, 5}, {attr_ints("kernel_shape", {3, 3})}), 18);
  CHECK(only_node(g, OpType::LpPool).attrs.get_float("p", 0) == 2.0f);
  Graph one_d = import(lp_pool({1, 2, 9}, {attr_ints("kernel_shape", {3}), attr_ints("strides", {2})}), 18);
  CHECK(only_node(one_d, OpType::LpPool).attrs.get_ints("kernel_shape") == std::vector<int64_t>{1, 3});
}

TEST_CASE("onnx import: LpPool errors name the node") {
  std::string e = import_error(lp_pool({1, 2, 4, 4, 4}, {attr_ints("kernel_shape", {2, 2, 2})}), 18);
  CHECK(contains(e, "my_pool"));
  CHECK(contains(e, "3-D LpPool (input [1,2,4,4,4]) is not supported"));
  CHECK(contains(import_error(lp_pool({1, 2, 4, 4}, {attr_ints("kernel_shape", {2, 2}), attr_i("p", 0)}), 18),
                 "p must be finite and > 0, got 0"));
  CHECK(contains(import_error(lp_pool({1, 2, 4, 4}, {}), 18), "attribute 'kernel_shape' is required"));
}
