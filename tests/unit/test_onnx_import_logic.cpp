// ONNX import of the ops on values of other dtypes (loaders/onnx/map_logic.cpp): a mask model (Greater -> Where
// on run-time values, Cast of the mask to float), a classifier head (ArgMax -> int64 output), TopK with a
// constant K (opset 11 input, opset 9 attribute), CastLike, a no-op Cast, And/Or/Xor/Not at opset 13, run against
// hand-computed values; the errors naming the node (run-time K, K out of range, a Cast to INT16, comparison
// inputs of two dtypes, Add on an int64 run-time value); and a .vgl round trip of such a graph.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/vgl/vgl.h"
#include "onnx_import_support.h"
#include "test_vgl_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

constexpr int kBool = 9, kInt8 = 3, kUint8 = 2;

template <class T>
std::vector<T> out_values(ExecutionContext& ctx, const std::string& name) {
  const TensorView v = ctx.output(name);
  const auto* p = static_cast<const T*>(v.data);
  return {p, p + v.numel()};
}

}  // namespace

TEST_CASE("onnx import: a mask model (Greater, Where, Cast of the mask) runs on run-time values") {
  // y = where(x > 0.5, x, x * 0.1); m = float(x > 0.5); count = int32(x > 0.5)
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.initializers.push_back(tensor_f32("t", {}, {0.5f}));
  g.initializers.push_back(tensor_f32("s", {}, {0.1f}));
  g.nodes.push_back(node("Greater", {"x", "t"}, {"mask"}, "gt"));
  g.nodes.push_back(node("Mul", {"x", "s"}, {"small"}, "mul"));
  g.nodes.push_back(node("Where", {"mask", "x", "small"}, {"y"}, "where"));
  g.nodes.push_back(node("Cast", {"mask"}, {"m"}, "to_float", {attr_i("to", kFloat)}));
  g.nodes.push_back(node("Cast", {"mask"}, {"count"}, "to_int", {attr_i("to", kInt32)}));
  g.outputs.push_back(value_info("y", kFloat, {2, 3}));
  g.outputs.push_back(value_info("m", kFloat, {2, 3}));
  g.outputs.push_back(value_info("count", kInt32, {2, 3}));
  g.outputs.push_back(value_info("mask", kBool, {2, 3}));
  Engine engine(import(g));
  CHECK(engine.graph().values[static_cast<size_t>(engine.graph().find_value("mask"))].dtype == DType::Bool);
  ExecutionContext ctx(engine);
  const float xs[] = {0.2f, 0.5f, 0.7f, -1.0f, 2.0f, 0.51f};
  std::copy(xs, xs + 6, ctx.input("x").f32());
  ctx.run();
  CHECK(out_values<float>(ctx, "y") == std::vector<float>{0.2f * 0.1f, 0.5f * 0.1f, 0.7f, -1.0f * 0.1f, 2.0f, 0.51f});
  CHECK(out_values<float>(ctx, "m") == std::vector<float>{0, 0, 1, 0, 1, 1});
  CHECK(out_values<int32_t>(ctx, "count") == std::vector<int32_t>{0, 0, 1, 0, 1, 1});
  CHECK(out_values<uint8_t>(ctx, "mask") == std::vector<uint8_t>{0, 0, 1, 0, 1, 1});
}

TEST_CASE("onnx import: ArgMax head, TopK with a constant K, CastLike and a no-op Cast") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 4}));
  g.initializers.push_back(tensor_i64("k", {1}, {2}));
  g.initializers.push_back(tensor_i64("like", {1}, {0}));
  g.nodes.push_back(node("ArgMax", {"x"}, {"cls"}, "argmax", {attr_i("axis", 1), attr_i("keepdims", 0)}));
  g.nodes.push_back(node("ArgMin", {"x"}, {"low"}, "argmin", {attr_i("axis", -1), attr_i("select_last_index", 1)}));
  g.nodes.push_back(node("TopK", {"x", "k"}, {"vals", "idx"}, "topk", {attr_i("axis", 1)}));
  g.nodes.push_back(node("CastLike", {"x", "like"}, {"xi"}, "castlike"));
  g.nodes.push_back(node("Cast", {"cls"}, {"cls64"}, "same", {attr_i("to", kInt64)}));
  for (const char* o : {"cls64", "low", "vals", "idx", "xi"}) g.outputs.push_back(value_info(o, 0, {}));
  Engine engine(import(g, 15));
  ExecutionContext ctx(engine);
  const float xs[] = {0.1f, 3.0f, -2.0f, 3.0f, 7.5f, 7.5f, -7.9f, -7.9f};
  std::copy(xs, xs + 8, ctx.input("x").f32());
  ctx.run();
  CHECK(ctx.output("cls64").shape == Shape{2});
  CHECK(out_values<int64_t>(ctx, "cls64") == std::vector<int64_t>{1, 0});
  CHECK(ctx.output("low").shape == Shape{2, 1});
  CHECK(out_values<int64_t>(ctx, "low") == std::vector<int64_t>{2, 3});
  CHECK(out_values<float>(ctx, "vals") == std::vector<float>{3.0f, 3.0f, 7.5f, 7.5f});
  CHECK(out_values<int64_t>(ctx, "idx") == std::vector<int64_t>{1, 3, 0, 1});
  CHECK(out_values<int64_t>(ctx, "xi") == std::vector<int64_t>{0, 3, -2, 3, 7, 7, -7, -7});
  // The no-op Cast (i64 -> i64) added no node: one Cast (CastLike's) in the graph.
  int casts = 0;
  for (const Node& n : engine.graph().nodes) casts += n.op == OpType::Cast;
  CHECK(casts == 1);

  // Opset 9: K is an attribute.
  GraphSpec old;
  old.inputs.push_back(value_info("x", kFloat, {2, 4}));
  old.nodes.push_back(node("TopK", {"x"}, {"vals", "idx"}, "topk", {attr_i("k", 3)}));
  old.outputs.push_back(value_info("vals", kFloat, {}));
  old.outputs.push_back(value_info("idx", kInt64, {}));
  Engine e9(import(old, 9));
  ExecutionContext c9(e9);
  std::copy(xs, xs + 8, c9.input("x").f32());
  c9.run();
  CHECK(out_values<int64_t>(c9, "idx") == std::vector<int64_t>{1, 3, 0, 0, 1, 2});
}

TEST_CASE("onnx import: And, Or, Xor, Not at opset 13 on run-time bool values") {
  GraphSpec g;
  g.inputs.push_back(value_info("a", kBool, {4}));
  g.inputs.push_back(value_info("b", kBool, {4}));
  g.nodes.push_back(node("And", {"a", "b"}, {"and"}));
  g.nodes.push_back(node("Or", {"a", "b"}, {"or"}));
  g.nodes.push_back(node("Xor", {"a", "b"}, {"xor"}));
  g.nodes.push_back(node("Not", {"a"}, {"not"}));
  g.nodes.push_back(node("Equal", {"a", "b"}, {"eq"}));
  for (const char* o : {"and", "or", "xor", "not", "eq"}) g.outputs.push_back(value_info(o, kBool, {4}));
  Engine engine(import(g));
  ExecutionContext ctx(engine);
  const uint8_t a[] = {0, 0, 1, 1}, b[] = {0, 1, 0, 1};
  std::memcpy(ctx.input("a").data, a, 4);
  std::memcpy(ctx.input("b").data, b, 4);
  ctx.run();
  CHECK(out_values<uint8_t>(ctx, "and") == std::vector<uint8_t>{0, 0, 0, 1});
  CHECK(out_values<uint8_t>(ctx, "or") == std::vector<uint8_t>{0, 1, 1, 1});
  CHECK(out_values<uint8_t>(ctx, "xor") == std::vector<uint8_t>{0, 1, 1, 0});
  CHECK(out_values<uint8_t>(ctx, "not") == std::vector<uint8_t>{1, 1, 0, 0});
  CHECK(out_values<uint8_t>(ctx, "eq") == std::vector<uint8_t>{1, 0, 0, 1});
}

TEST_CASE("onnx import: errors of the non-f32 ops name the node") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 4}));
  g.inputs.push_back(value_info("k", kInt64, {1}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes = {node("TopK", {"x", "k"}, {"y", "i"}, "top")};
  CHECK(contains(import_error(g, 11),
                 "node 'top' (TopK, opset 11): K ('k') is computed at run time; vigil's shapes "
                 "are static, so K must be a constant"));
  g.inputs.pop_back();
  g.initializers = {tensor_i64("k", {1}, {5})};
  CHECK(contains(import_error(g, 11), "node 'top' (TopK, opset 11): K = 5 must lie in [1, 4]"));
  g.initializers = {tensor_i64("k", {1}, {2})};
  g.nodes = {node("TopK", {"x", "k"}, {"y", "i"}, "top", {attr_i("axis", 2)})};
  CHECK(contains(import_error(g, 11), "node 'top' (TopK, opset 11): axis 2 is out of range for rank 2"));
  g.nodes = {node("ArgMax", {"x"}, {"y"}, "am", {attr_i("axis", -3)})};
  CHECK(contains(import_error(g), "node 'am' (ArgMax, opset 13): axis -3 is out of range for rank 2"));
  g.nodes = {node("ArgMax", {"x"}, {"y"}, "am", {attr_i("keepdims", 3)})};
  CHECK(contains(import_error(g), "node 'am' (ArgMax, opset 13): keepdims must be 0 or 1, got 3"));
  g.nodes = {node("Cast", {"x"}, {"y"}, "c", {attr_i("to", 5)})};
  CHECK(contains(import_error(g), "node 'c' (Cast, opset 13): cannot cast to INT16 at run time"));
  g.nodes = {node("Cast", {"x"}, {"y"}, "c")};
  CHECK(contains(import_error(g), "node 'c' (Cast, opset 13): attribute 'to' is required"));
  g.initializers = {tensor_i64("limit", {}, {3})};
  g.nodes = {node("Less", {"x", "limit"}, {"y"}, "lt")};
  CHECK(contains(import_error(g),
                 "node 'lt' (Less, opset 13): its inputs 'x' (f32) and 'limit' (i64) must have one "
                 "dtype"));
  g.nodes = {node("Where", {"x", "x", "x"}, {"y"}, "w")};
  CHECK(contains(import_error(g), "node 'w' (Where, opset 13): the condition must be bool, got f32"));
  g.nodes = {node("Not", {"x"}, {"y"}, "n")};
  CHECK(contains(import_error(g), "node 'n' (Not, opset 13): vigil's Not rejects it"));
  CHECK(contains(import_error(g), "the input must be bool, got f32"));
  // An f32-only op on an integer run-time value.
  GraphSpec a;
  a.inputs.push_back(value_info("x", kFloat, {4}));
  a.nodes = {node("ArgMax", {"x"}, {"i"}, "am"), node("Sqrt", {"i"}, {"y"}, "root")};
  a.outputs.push_back(value_info("y", kInt64, {}));
  CHECK(contains(import_error(a), "node 'root' (Sqrt, opset 13): vigil's Sqrt rejects it"));
  CHECK(contains(import_error(a), "input 0 is i64, expected f32"));
  a.nodes[1] = node("Pow", {"i", "i"}, {"y"}, "pow");  // Add and the like compute integers, Pow does not
  CHECK(contains(import_error(a), "input 0 is i64: integers take Add, Sub, Mul, Div, Max and Min"));
  // Integer graph inputs of the other dtypes are accepted and compared as the op says.
  GraphSpec i8;
  i8.inputs.push_back(value_info("p", kInt8, {3}));
  i8.inputs.push_back(value_info("q", kUint8, {3}));
  i8.nodes = {node("Equal", {"p", "q"}, {"y"}, "eq")};
  i8.outputs.push_back(value_info("y", kBool, {}));
  CHECK(
      contains(import_error(i8), "node 'eq' (Equal, opset 13): its inputs 'p' (i8) and 'q' (u8) must have one dtype"));
}

TEST_CASE("vgl: a graph with bool, i64 and i32 values and the new ops round-trips and computes the same") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {2, 3}));
  g.initializers.push_back(tensor_f32("t", {}, {0.0f}));
  g.initializers.push_back(tensor_i64("k", {1}, {2}));
  g.nodes.push_back(node("Less", {"x", "t"}, {"neg"}, "lt"));
  g.nodes.push_back(node("Not", {"neg"}, {"pos"}, "not"));
  g.nodes.push_back(node("Cast", {"pos"}, {"pos_i32"}, "cast", {attr_i("to", kInt32)}));
  g.nodes.push_back(node("TopK", {"x", "k"}, {"vals", "idx"}, "topk", {attr_i("largest", 0)}));
  g.nodes.push_back(node("IsInf", {"x"}, {"inf"}, "isinf", {attr_i("detect_negative", 0)}));
  for (const char* o : {"pos_i32", "vals", "idx", "inf"}) g.outputs.push_back(value_info(o, 0, {}));
  const Graph original = import(g);
  const std::string path = vgl_test::temp_path("logic_ops.vgl");
  write_vgl(original, path);
  const Graph loaded = read_vgl(path);
  REQUIRE(loaded.outputs.size() == 4);
  for (size_t k = 0; k < 4; ++k) {
    const Value& a = original.values[static_cast<size_t>(original.outputs[k])];
    const Value& b = loaded.values[static_cast<size_t>(loaded.outputs[k])];
    CHECK(a.dtype == b.dtype);
    CHECK(a.shape == b.shape);
  }
  Engine e1{Graph(original)};
  Engine e2{Graph(loaded)};
  ExecutionContext c1(e1), c2(e2);
  const float xs[] = {1.0f, -2.0f, INFINITY, -INFINITY, 0.0f, 3.0f};
  std::copy(xs, xs + 6, c1.input("x").f32());
  std::copy(xs, xs + 6, c2.input("x").f32());
  c1.run();
  c2.run();
  CHECK(out_values<int32_t>(c2, "pos_i32") == std::vector<int32_t>{1, 0, 1, 0, 1, 1});
  CHECK(out_values<int64_t>(c2, "idx") == std::vector<int64_t>{1, 0, 0, 1});
  CHECK(out_values<uint8_t>(c2, "inf") == std::vector<uint8_t>{0, 0, 1, 0, 0, 0});
  for (const char* o : {"pos_i32", "vals", "idx", "inf"}) {
    CHECK(c1.output(o).dtype == c2.output(o).dtype);
    CHECK(std::memcmp(c1.output(o).data, c2.output(o).data, c1.output(o).bytes()) == 0);
  }
}

TEST_CASE("onnx import: FLOAT16 and DOUBLE graph inputs and outputs convert at the boundary, Cast to FLOAT16 rounds") {
  constexpr int kFloat16 = 10;
  GraphSpec g;
  g.inputs.push_back(value_info("h", kFloat16, {4}));
  g.inputs.push_back(value_info("x", kFloat, {4}));
  g.initializers.push_back(tensor_f32("c", {4}, {0.1f, 65520.0f, 1.0f + 1.0f / 2048, 3.0f}));
  g.nodes = {node("Relu", {"h"}, {"hr"}, "relu"),                               // f16 in, computed as f32
             node("Cast", {"x"}, {"xh"}, "to_half", {attr_i("to", kFloat16)}),  // run-time rounding
             node("Cast", {"xh"}, {"xr"}, "back", {attr_i("to", kFloat)}),
             node("Cast", {"c"}, {"ch"}, "const_half", {attr_i("to", kFloat16)}),  // folded, rounded too
             node("Add", {"xr", "ch"}, {"sum"}, "add"),
             node("Cast", {"x"}, {"xd"}, "to_double", {attr_i("to", kDouble)})};  // identity on the f32 value
  g.outputs.push_back(value_info("hr", kFloat16, {4}));
  g.outputs.push_back(value_info("sum", kFloat, {4}));
  g.outputs.push_back(value_info("xd", kDouble, {4}));
  Engine engine(import(g));
  const Graph& graph = engine.graph();
  CHECK(graph.values[static_cast<size_t>(graph.inputs[0])].dtype == DType::F16);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[0])].dtype == DType::F16);
  CHECK(graph.values[static_cast<size_t>(graph.outputs[2])].dtype == DType::F64);
  ExecutionContext ctx(engine);
  const uint16_t h[] = {0xBC00, 0x3555, 0x7BFF, 0x0001};  // -1, 0.333251953125, 65504, 2^-24
  std::memcpy(ctx.input(0).data, h, sizeof h);
  const float x[] = {0.1f, 1.0f + 1.0f / 2048, 65519.0f, -1e-9f};
  std::memcpy(ctx.input(1).data, x, sizeof x);
  ctx.run();
  CHECK(out_values<uint16_t>(ctx, "hr") == std::vector<uint16_t>{0x0000, 0x3555, 0x7BFF, 0x0001});
  // round_to_f16 of x: 0.0999755859375, 1 (a tie, to even), 65504, -0; of the folded
  // constant: 0.0999755859375, inf, 1, 3.
  const std::vector<float> sum = out_values<float>(ctx, "sum");
  CHECK(sum[0] == 0.0999755859375f * 2);
  CHECK(sum[1] == INFINITY);
  CHECK(sum[2] == 65505.0f);
  CHECK(sum[3] == 3.0f);
  CHECK(out_values<double>(ctx, "xd") ==
        std::vector<double>{static_cast<double>(x[0]), static_cast<double>(x[1]), 65519.0, static_cast<double>(x[3])});
  // What stays unsupported names the input or the node.
  GraphSpec bad;
  bad.inputs.push_back(value_info("q", 5, {2}));  // INT16
  bad.outputs.push_back(value_info("q2", 5, {2}));
  bad.nodes = {node("Relu", {"q"}, {"q2"}, "r")};
  CHECK(contains(import_error(bad), "graph input 'q' has element type INT16; vigil takes FLOAT, FLOAT16, BFLOAT16"));
}
