// The ONNX mappings of LpNormalization, MeanVarianceNormalization, RMSNormalization, Hardmax and CumSum on
// models built in C++: the axes each writes for the engine (MVN's default [0, 2, 3], Hardmax before opset 13
// coercing to 2-D, CumSum's constant axis input), and the errors, which name the node.
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

using Ints = std::vector<int64_t>;

GraphSpec one_node(const std::string& op, std::vector<Pb> attrs, std::vector<std::string> inputs = {"x"}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3, 4, 5}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3, 4, 5}));
  g.nodes.push_back(node(op, inputs, {"y"}, "my_node", attrs));
  return g;
}

}  // namespace

TEST_CASE("onnx import: LpNormalization, MVN, RMSNormalization, Hardmax and CumSum write their axes") {
  Graph lp = import(one_node("LpNormalization", {attr_i("axis", -2), attr_i("p", 1)}));
  CHECK(only_node(lp, OpType::LpNormalization).attrs.get_ints("axes") == Ints{2});
  CHECK(only_node(lp, OpType::LpNormalization).attrs.get_int("p", 0) == 1);
  CHECK(only_node(import(one_node("MeanVarianceNormalization", {})), OpType::MeanVarianceNormalization)
            .attrs.get_ints("axes") == Ints{0, 2, 3});
  CHECK(only_node(import(one_node("MeanVarianceNormalization", {attr_ints("axes", {-1, 1})})),
                  OpType::MeanVarianceNormalization)
            .attrs.get_ints("axes") == Ints{3, 1});
  // Hardmax-13 normalises one axis; Hardmax-11 (default axis 1) every axis from `axis` on.
  CHECK(only_node(import(one_node("Hardmax", {}), 13), OpType::Hardmax).attrs.get_ints("axes") == Ints{3});
  CHECK(only_node(import(one_node("Hardmax", {}), 11), OpType::Hardmax).attrs.get_ints("axes") == Ints{1, 2, 3});
  CHECK(only_node(import(one_node("Hardmax", {attr_i("axis", 2)}), 11), OpType::Hardmax).attrs.get_ints("axes") ==
        Ints{2, 3});

  GraphSpec rms = one_node("RMSNormalization", {attr_i("axis", -2), attr_f("epsilon", 0.25f)}, {"x", "scale"});
  rms.initializers.push_back(tensor_f32("scale", {4, 5}, std::vector<float>(20, 1.0f)));
  const Graph rg = import(rms, 23);
  const Node& r = only_node(rg, OpType::RmsNormalization);
  CHECK(r.attrs.get_int("axis", 0) == 2);
  CHECK(r.attrs.get_float("epsilon", 0) == 0.25f);

  GraphSpec cum = one_node("CumSum", {attr_i("exclusive", 1), attr_i("reverse", 1)}, {"x", "axis"});
  cum.initializers.push_back(tensor_i64("axis", {}, {-3}));
  const Graph cg = import(cum, 14);
  const Node& c = only_node(cg, OpType::CumSum);
  CHECK(c.attrs.get_int("axis", -1) == 1);
  CHECK(c.attrs.get_int("exclusive", 0) == 1);
  CHECK(c.attrs.get_int("reverse", 0) == 1);
  CHECK(c.inputs.size() == 1);
}

TEST_CASE("onnx import: errors of LpNormalization, MVN, RMSNormalization, Hardmax and CumSum name the node") {
  auto error = [](const GraphSpec& g, int64_t opset = 13) {
    const std::string e = import_error(g, opset);
    CHECK(contains(e, "my_node"));
    return e;
  };
  CHECK(contains(error(one_node("LpNormalization", {attr_i("p", 3)})), "p must be 1 or 2, got 3"));
  CHECK(contains(error(one_node("LpNormalization", {attr_i("axis", 4)})), "axis"));
  CHECK(contains(error(one_node("MeanVarianceNormalization", {attr_ints("axes", {5})})), "axes"));
  GraphSpec rms = one_node("RMSNormalization", {attr_i("stash_type", 0)}, {"x", "scale"});
  rms.initializers.push_back(tensor_f32("scale", {5}, std::vector<float>(5, 1.0f)));
  CHECK(contains(error(rms, 23), "stash_type 0 is not supported"));
  // CumSum's axis is only known at run time: vigil needs it at load.
  GraphSpec cum = one_node("CumSum", {}, {"x", "axis"});
  cum.inputs.push_back(value_info("axis", kInt64, {}));
  CHECK(contains(error(cum, 14), "axis"));
  GraphSpec two = one_node("CumSum", {attr_i("exclusive", 3)}, {"x", "axis"});
  two.initializers.push_back(tensor_i64("axis", {}, {0}));
  CHECK(contains(error(two, 14), "exclusive must be 0 or 1, got 3"));
}
