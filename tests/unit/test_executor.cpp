#include <doctest/doctest.h>

#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

TEST_CASE("executor runs a chain of activations") {
  GraphBuilder b;
  int x = b.input("x", DType::F32, {2, 3});
  int r = b.node(OpType::Relu, "relu", {x});
  int y = b.node(OpType::LeakyRelu, "leaky", {r}, {{"alpha", 0.5f}});
  int z = b.node(OpType::Sigmoid, "sig", {x});
  b.output(y);
  b.output(z);
  Engine engine(b.build());
  ExecutionContext ctx(engine);
  float in[] = {-2, -1, 0, 1, 2, 3};
  std::copy(in, in + 6, ctx.input("x").f32());
  ctx.run();
  const float* out = ctx.output("leaky").f32();
  CHECK(out[0] == 0.0f);
  CHECK(out[4] == 2.0f);
  CHECK(ctx.output(1).f32()[2] == doctest::Approx(0.5));
}
