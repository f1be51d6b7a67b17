// ONNX QDQ quantization on models built in C++: DequantizeLinear of constant int8 / uint8 / int32 tensors
// folded at import (per-tensor, per-axis, negative axis), QuantizeLinear -> DequantizeLinear on a run-time
// value imported as one FakeQuantize (per-tensor and per-axis, run against hand values; two
// DequantizeLinear of one QuantizeLinear share it), QuantizeLinear of a constant folded; and every error.
#include <doctest/doctest.h>

#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "loaders/onnx/onnx_import.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using I = std::vector<int64_t>;
using V = std::vector<float>;

constexpr int kUint8 = 2, kInt8 = 3, kInt16 = 5;

// An integer initializer of ONNX type `type` (UINT8, INT8, INT16, INT32) stored as raw little-endian bytes.
Pb tensor_int(const std::string& name, int type, const I& dims, const I& values) {
  const int size = type == kInt32 ? 4 : type == kInt16 ? 2 : 1;
  std::string body;
  for (int64_t v : values)
    for (int k = 0; k < size; ++k) body.push_back(static_cast<char>(static_cast<uint64_t>(v) >> (8 * k)));
  Pb t;
  for (int64_t d : dims) t.i(1, d);
  t.i(2, type);
  t.s(8, name);
  t.s(9, body);
  return t;
}

// Runs a one-input graph on `x` and returns output 0.
V run(Graph g, const V& x) {
  Engine engine(std::move(g));
  ExecutionContext ctx(engine);
  TensorView in = ctx.input(0);
  REQUIRE(static_cast<size_t>(in.numel()) == x.size());
  std::copy(x.begin(), x.end(), in.f32());
  ctx.run();
  TensorView y = ctx.output(0);
  return {y.f32(), y.f32() + y.numel()};
}

// y = x + DequantizeLinear(w, scale, zero_point): the folded constant is y - x.
GraphSpec dequantized_weight(const I& dims, const Pb& w, const Pb& scale, const Pb* zp,
                             const std::vector<Pb>& attrs = {}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, dims));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers = {w, scale};
  std::vector<std::string> in = {"w", "s"};
  if (zp) {
    g.initializers.push_back(*zp);
    in.push_back("z");
  }
  g.nodes.push_back(node("DequantizeLinear", in, {"wf"}, "dq", attrs));
  g.nodes.push_back(node("Add", {"x", "wf"}, {"y"}, "add"));
  return g;
}

// x -> QuantizeLinear(s, z) -> DequantizeLinear(s, z) -> y.
GraphSpec qdq_pair(const I& dims, const Pb& scale, const Pb& zp, const std::vector<Pb>& attrs = {}) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, dims));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers = {scale, zp};
  g.nodes.push_back(node("QuantizeLinear", {"x", "s", "z"}, {"q"}, "quant", attrs));
  g.nodes.push_back(node("DequantizeLinear", {"q", "s", "z"}, {"y"}, "dequant", attrs));
  return g;
}

}  // namespace

TEST_CASE("onnx import: DequantizeLinear of a constant folds per-tensor (int8, uint8, int32, no zero point)") {
  // int8, scale 0.25, zero point -1: (w + 1) / 4.
  Pb zp = tensor_int("z", kInt8, {}, {-1});
  GraphSpec g =
      dequantized_weight({4}, tensor_int("w", kInt8, {4}, {-128, -1, 0, 127}), tensor_f32("s", {}, {0.25f}), &zp);
  Graph graph = import(g);
  CHECK(count_op(graph, OpType::FakeQuantize) == 0);
  CHECK(run(std::move(graph), {0, 0, 0, 0}) == V{-31.75f, 0.0f, 0.25f, 32.0f});

  // uint8 with a 1-element 1-D scale (per-tensor too) and zero point 128.
  Pb zp_u8 = tensor_int("z", kUint8, {1}, {128});
  g = dequantized_weight({3}, tensor_int("w", kUint8, {3}, {0, 128, 255}), tensor_f32("s", {1}, {0.5f}), &zp_u8);
  CHECK(run(import(g), {1, 1, 1}) == V{1 - 64.0f, 1.0f, 1 + 63.5f});

  // int32 bias without a zero point (0): w * scale, in f32.
  g = dequantized_weight({2}, tensor_int("w", kInt32, {2}, {-100000, 3}), tensor_f32("s", {}, {0.001f}), nullptr);
  CHECK(run(import(g), {0, 0}) == V{static_cast<float>(-100000) * 0.001f, static_cast<float>(3) * 0.001f});
}

TEST_CASE("onnx import: DequantizeLinear of a constant folds per axis (default axis 1, axis 0, negative axis)") {
  // w [2, 3] uint8; axis 1 (the default): scales {0.5, 1, 2}, zero points {1, 2, 3}.
  const Pb w = tensor_int("w", kUint8, {2, 3}, {1, 2, 3, 5, 10, 255});
  Pb zp3 = tensor_int("z", kUint8, {3}, {1, 2, 3});
  GraphSpec g = dequantized_weight({2, 3}, w, tensor_f32("s", {3}, {0.5f, 1.0f, 2.0f}), &zp3);
  CHECK(run(import(g), V(6, 0.0f)) == V{0, 0, 0, 2, 8, 504});
  g = dequantized_weight({2, 3}, w, tensor_f32("s", {3}, {0.5f, 1.0f, 2.0f}), &zp3, {attr_i("axis", -1)});
  CHECK(run(import(g), V(6, 0.0f)) == V{0, 0, 0, 2, 8, 504});
  // axis 0: scales {0.5, 2}, zero points {0, 200}.
  Pb zp2 = tensor_int("z", kUint8, {2}, {0, 200});
  g = dequantized_weight({2, 3}, w, tensor_f32("s", {2}, {0.5f, 2.0f}), &zp2, {attr_i("axis", 0)});
  CHECK(run(import(g), V(6, 0.0f)) == V{0.5f, 1.0f, 1.5f, -390.0f, -380.0f, 110.0f});
}

TEST_CASE("onnx import: QuantizeLinear -> DequantizeLinear on a run-time value becomes FakeQuantize") {
  GraphSpec g = qdq_pair({1, 6}, tensor_f32("s", {}, {0.5f}), tensor_int("z", kInt8, {}, {3}));
  Graph graph = import(g);
  const Node& fq = only_node(graph, OpType::FakeQuantize);
  CHECK(fq.attrs.get_floats("scales") == V{0.5f});
  CHECK(fq.attrs.get_ints("zero_points") == I{3});
  CHECK(fq.attrs.get_int("qmin", 0) == -128);
  CHECK(fq.attrs.get_int("qmax", 0) == 127);
  CHECK(run(std::move(graph), {1.25f, -1.25f, 1.75f, 100.0f, -100.0f, 0.2f}) == V{1, -1, 2, 62, -65.5f, 0});

  // Without a zero point the integers are uint8 with zero point 0: negatives saturate to 0.
  g.initializers = {tensor_f32("s", {}, {0.5f})};
  g.nodes = {node("QuantizeLinear", {"x", "s"}, {"q"}, "quant"),
             node("DequantizeLinear", {"q", "s"}, {"y"}, "dequant")};
  CHECK(run(import(g), {1.25f, -1.25f, 1.75f, 200.0f, -100.0f, 0.2f}) == V{1, 0, 2, 127.5f, 0, 0});

  // Per axis 1 of [2, 2, 2] with int16 (opset 21 type).
  g = qdq_pair({2, 2, 2}, tensor_f32("s", {2}, {1.0f, 0.25f}), tensor_int("z", kInt16, {2}, {0, -4}));
  graph = import(g, 21);
  CHECK(only_node(graph, OpType::FakeQuantize).attrs.get_int("axis", -9) == 1);
  CHECK(run(std::move(graph), {0.5f, 1.5f, 0.125f, 1e6f, 2.5f, -1e9f, 0.375f, 1.0f}) ==
        V{0, 2, 0, 32767 * 0.25f + 1.0f, 2, -32768, 0.5f, 1.0f});

  // Per axis -1 (the last, 2) of [1, 2, 3], uint8: scales {1, 0.5, 4}, zero points {0, 10, 100}.
  g = qdq_pair({1, 2, 3}, tensor_f32("s", {3}, {1.0f, 0.5f, 4.0f}), tensor_int("z", kUint8, {3}, {0, 10, 100}),
               {attr_i("axis", -1)});
  graph = import(g);
  CHECK(only_node(graph, OpType::FakeQuantize).attrs.get_int("axis", -9) == 2);
  CHECK(run(std::move(graph), {2.5f, 2.25f, 6.0f, -1.0f, -6.0f, -1000.0f}) == V{2, 2, 8, 0, -5, -400});
}

TEST_CASE("onnx import: two DequantizeLinear of one QuantizeLinear share one FakeQuantize") {
  GraphSpec g = qdq_pair({3}, tensor_f32("s", {}, {0.5f}), tensor_int("z", kUint8, {}, {128}));
  g.nodes.push_back(node("DequantizeLinear", {"q", "s", "z"}, {"y2"}, "dequant2"));
  g.nodes.push_back(node("Add", {"y", "y2"}, {"sum"}, "add"));
  g.outputs = {value_info("sum", kFloat, {})};
  Graph graph = import(g);
  CHECK(count_op(graph, OpType::FakeQuantize) == 1);
  CHECK(run(std::move(graph), {0.75f, 1.0f, -0.25f}) == V{2.0f, 2.0f, 0.0f});
}

TEST_CASE("onnx import: QuantizeLinear of a constant folds into integers") {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {4}));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.initializers = {tensor_f32("w", {4}, {0.75f, -0.75f, 300.0f, -0.1f}), tensor_f32("s", {}, {0.5f}),
                    tensor_int("z", kInt8, {}, {0})};
  g.nodes = {node("QuantizeLinear", {"w", "s", "z"}, {"q"}, "quant"),
             node("DequantizeLinear", {"q", "s", "z"}, {"wf"}, "dequant"), node("Add", {"x", "wf"}, {"y"}, "add")};
  Graph graph = import(g);
  CHECK(count_op(graph, OpType::FakeQuantize) == 0);
  CHECK(run(std::move(graph), V(4, 0.0f)) == V{1.0f, -1.0f, 63.5f, 0.0f});
}

TEST_CASE("onnx import: QuantizeLinear / DequantizeLinear errors name the node and the reason") {
  const Pb s = tensor_f32("s", {}, {0.5f});
  const Pb z = tensor_int("z", kInt8, {}, {0});
  GraphSpec g = qdq_pair({2, 3}, s, z);

  SUBCASE("the integer output of a run-time QuantizeLinear is a graph output") {
    g.nodes.pop_back();
    g.outputs = {value_info("q", kInt8, {})};
    CHECK(
        contains(import_error(g), "node 'quant' (QuantizeLinear, opset 13): its integer output 'q' is a graph output"));
  }
  SUBCASE("the integer output is read by something else than DequantizeLinear") {
    g.nodes.push_back(node("Relu", {"q"}, {"r"}, "relu"));
    g.outputs.push_back(value_info("r", kInt8, {}));
    CHECK(contains(import_error(g),
                   "node 'quant' (QuantizeLinear, opset 13): its integer output 'q' is read by Relu "
                   "node 'relu' (input 0)"));
  }
  SUBCASE("DequantizeLinear of a run-time integer input") {
    g.inputs = {value_info("xq", kInt8, {2, 3})};
    g.nodes = {node("DequantizeLinear", {"xq", "s", "z"}, {"y"}, "dequant")};
    CHECK(contains(import_error(g),
                   "node 'dequant' (DequantizeLinear, opset 13): its input 'xq' is a i8 tensor "
                   "computed at run time"));
  }
  SUBCASE("block quantization") {
    g = qdq_pair({2, 3}, s, z, {attr_i("block_size", 2)});
    CHECK(contains(import_error(g, 21),
                   "node 'quant' (QuantizeLinear, opset 21): block quantization (block_size 2) is "
                   "not supported"));
  }
  SUBCASE("a DequantizeLinear with another scale than its QuantizeLinear") {
    g.initializers.push_back(tensor_f32("s2", {}, {0.25f}));
    g.nodes[1] = node("DequantizeLinear", {"q", "s2", "z"}, {"y"}, "dequant");
    CHECK(
        contains(import_error(g), "node 'dequant' (DequantizeLinear, opset 13): its scale, zero point or axis differ"));
  }
  SUBCASE("a scale computed at run time") {
    g.inputs.push_back(value_info("s_in", kFloat, {}));
    g.nodes[0] = node("QuantizeLinear", {"x", "s_in", "z"}, {"q"}, "quant");
    CHECK(contains(import_error(g),
                   "node 'quant' (QuantizeLinear, opset 13): input 1 ('s_in', the scale) is computed "
                   "at run time"));
  }
  SUBCASE("integer types vigil does not quantize to") {
    g = qdq_pair({2, 3}, s, tensor_int("z", kInt32, {}, {0}));
    CHECK(contains(import_error(g), "node 'quant' (QuantizeLinear, opset 13): integer type INT32 is not supported"));
  }
  SUBCASE("a per-axis scale of the wrong length, or before opset 13") {
    g = qdq_pair({2, 3}, tensor_f32("s", {2}, {0.5f, 1.0f}), tensor_int("z", kInt8, {2}, {0, 0}));
    CHECK(contains(import_error(g), "the per-axis scale has 2 values but axis 1 of the input [2,3] has length 3"));
    g = qdq_pair({2, 3}, tensor_f32("s", {3}, {0.5f, 1.0f, 1.0f}), tensor_int("z", kInt8, {3}, {0, 0, 0}));
    CHECK(contains(import_error(g, 10),
                   "node 'quant' (QuantizeLinear, opset 10): a per-axis (1-D) scale needs opset 13"));
    g = qdq_pair({2, 3}, tensor_f32("s", {1, 3}, {0.5f, 1.0f, 1.0f}), tensor_int("z", kInt8, {1, 3}, {0, 0, 0}));
    CHECK(contains(import_error(g), "the scale has shape [1,3]; vigil supports a scalar or a 1-D per-axis scale"));
  }
  SUBCASE("zero point shape or type mismatches") {
    g = qdq_pair({2, 3}, tensor_f32("s", {3}, {0.5f, 1.0f, 1.0f}), tensor_int("z", kInt8, {}, {0}));
    CHECK(contains(import_error(g), "the zero point has shape [] but the scale [3]"));
    Pb zu = tensor_int("z", kUint8, {}, {0});
    g = dequantized_weight({2}, tensor_int("w", kInt8, {2}, {1, 2}), s, &zu);
    CHECK(contains(import_error(g),
                   "node 'dq' (DequantizeLinear, opset 13): the zero point is UINT8 but the input is INT8"));
  }
  SUBCASE("a zero or non-finite scale") {
    g = qdq_pair({2, 3}, tensor_f32("s", {}, {0.0f}), z);
    CHECK(contains(import_error(g),
                   "node 'quant' (QuantizeLinear, opset 13): scale 0 (index 0) must be finite and non-zero"));
  }
  SUBCASE("a DequantizeLinear output type other than float") {
    g = qdq_pair({2, 3}, s, z);
    g.nodes[1] = node("DequantizeLinear", {"q", "s", "z"}, {"y"}, "dequant", {attr_i("output_dtype", 10)});
    CHECK(contains(import_error(g, 23),
                   "node 'dequant' (DequantizeLinear, opset 23): output_dtype FLOAT16 is not "
                   "supported"));
  }
}
