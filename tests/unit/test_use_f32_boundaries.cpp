// engine/passes/use_f32_boundaries: a graph with f16 / f64 inputs and outputs converted by Casts (as the ONNX
// importer builds FLOAT16 / DOUBLE models) gets f32 inputs and outputs with the same names; the converting Casts
// are gone and the values are the f32 computation's, unrounded; a rounding Cast (`via`) inside is kept.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/passes/use_f32_boundaries.h"

using namespace vigil;

namespace {

Attributes cast_to(DType t, DType via = DType::Undefined) {
  Attributes a;
  a.set("to", static_cast<int64_t>(t));
  if (via != DType::Undefined) a.set("via", static_cast<int64_t>(via));
  return a;
}

}  // namespace

TEST_CASE("use_f32_boundaries: f16 / f64 inputs and outputs become f32, names kept, converting Casts removed") {
  GraphBuilder b;
  const int x = b.input("x", DType::F16, Shape{4});
  const int d = b.input("d", DType::F64, Shape{4});
  const int xf = b.node(OpType::Cast, "x/f32", {x}, cast_to(DType::F32));
  const int df = b.node(OpType::Cast, "d/f32", {d}, cast_to(DType::F32));
  const int r = b.node(OpType::Relu, "r", {xf});
  const int rounded = b.node(OpType::Cast, "rounded", {df}, cast_to(DType::F32, DType::F16));
  const int sum = b.node(OpType::Add, "sum", {r, rounded});
  b.output(b.node(OpType::Cast, "y", {r}, cast_to(DType::F16)));
  b.output(b.node(OpType::Cast, "s", {sum}, cast_to(DType::F64)));
  Graph g = b.build();
  use_f32_boundaries(g);

  REQUIRE(g.inputs.size() == 2);
  REQUIRE(g.outputs.size() == 2);
  CHECK(g.values[static_cast<size_t>(g.inputs[0])].name == "x");
  CHECK(g.values[static_cast<size_t>(g.inputs[0])].dtype == DType::F32);
  CHECK(g.values[static_cast<size_t>(g.inputs[1])].dtype == DType::F32);
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].name == "y");
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].dtype == DType::F32);
  CHECK(g.values[static_cast<size_t>(g.outputs[1])].name == "s");
  int casts = 0;
  for (const Node& n : g.nodes) casts += n.op == OpType::Cast;
  CHECK(casts == 1);  // the rounding Cast (via f16) stays: it is the model's own computation
  CHECK(g.nodes.size() == 3);

  Engine engine(std::move(g));
  ExecutionContext ctx(engine);
  const float xs[] = {-1.0f, 0.1f, 2.0f, 65519.0f};  // not f16 values: used as they are
  const float ds[] = {0.1f, 1.0f, 70000.0f, -3.0f};
  std::memcpy(ctx.input(0).data, xs, sizeof xs);
  std::memcpy(ctx.input(1).data, ds, sizeof ds);
  ctx.run();
  const float* y = static_cast<const float*>(ctx.output(0).data);
  CHECK(std::vector<float>(y, y + 4) == std::vector<float>{0.0f, 0.1f, 2.0f, 65519.0f});
  const float* s = static_cast<const float*>(ctx.output(1).data);
  CHECK(s[0] == 0.0f + 0.0999755859375f);  // 0.1 rounded to f16 by the kept Cast
  CHECK(s[2] == INFINITY);                 // 70000 overflows f16
  CHECK(s[3] == 65516.0f);                 // 65519 + (-3)
}

TEST_CASE("use_f32_boundaries: a graph without storage types is unchanged") {
  GraphBuilder b;
  const int x = b.input("x", DType::F32, Shape{2});
  b.output(b.node(OpType::Cast, "i", {x}, cast_to(DType::I64)));
  Graph g = b.build();
  const size_t nodes = g.nodes.size();
  use_f32_boundaries(g);
  CHECK(g.nodes.size() == nodes);
  CHECK(g.values[static_cast<size_t>(g.outputs[0])].dtype == DType::I64);
}
