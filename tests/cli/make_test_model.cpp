// Writes a small model made with the GraphBuilder (conv + BN + pooling + residual add + concat + gemm,
// two inputs, two outputs) as .vgl, a matching input .npy each, and the outputs this process computes
// for them, so the CLI test can check `vigil run` reproduces them byte for byte; then the action-model
// files for `vigil detect` (make_test_action_model.h).
#include <cstdio>
#include <random>
#include <string>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "loaders/npy/npy.h"
#include "loaders/vgl/vgl.h"
#include "make_test_action_model.h"

using namespace vigil;

namespace {
Tensor random_tensor(Shape s, std::mt19937& rng, float lo, float hi) {
  Tensor t(DType::F32, s);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.mutable_f32()[i] = d(rng);
  return t;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_test_model DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::mt19937 rng(7);
  GraphBuilder b;
  int x = b.input("image", DType::F32, {1, 3, 12, 10});
  int aux = b.input("aux", DType::F32, {1, 8});
  int w = b.constant("conv.w", random_tensor({8, 3, 3, 3}, rng, -0.5f, 0.5f));
  int bias = b.constant("conv.b", random_tensor({8}, rng, -0.1f, 0.1f));
  int c = b.node(OpType::Conv2d, "conv", {x, w, bias},
                 {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}});
  int bn = b.node(OpType::BatchNorm, "bn",
                  {c, b.constant("bn.scale", random_tensor({8}, rng, 0.5f, 1.5f)),
                   b.constant("bn.bias", random_tensor({8}, rng, -0.2f, 0.2f)),
                   b.constant("bn.mean", random_tensor({8}, rng, -0.2f, 0.2f)),
                   b.constant("bn.var", random_tensor({8}, rng, 0.5f, 2.0f))},
                  {{"epsilon", 1e-5f}});
  int act = b.node(OpType::LeakyRelu, "leaky", {bn}, {{"alpha", 0.1f}});
  int pooled = b.node(OpType::MaxPool, "pool", {act}, {{"kernel_shape", std::vector<int64_t>{2, 2}},
                                                      {"strides", std::vector<int64_t>{2, 2}}});
  int gap = b.node(OpType::GlobalAveragePool, "gap", {pooled});
  int flat = b.node(OpType::Flatten, "flat", {gap}, {{"axis", int64_t{1}}});
  int both = b.node(OpType::Concat, "cat", {flat, aux}, {{"axis", int64_t{1}}});
  int fc = b.node(OpType::Gemm, "fc", {both, b.constant("fc.w", random_tensor({16, 4}, rng, -1, 1))});
  b.output(b.node(OpType::Softmax, "probs", {fc}, {{"axis", int64_t{-1}}}));
  b.output(pooled);
  b.metadata("source_format", std::string("builder"));
  b.metadata("class_names", std::vector<std::string>{"a", "b", "c", "d"});
  Graph g = b.build();
  write_vgl(g, dir + "/model.vgl");

  Engine engine(std::move(g));
  ExecutionContext ctx(engine);
  Tensor image = random_tensor({1, 3, 12, 10}, rng, 0, 1), extra = random_tensor({1, 8}, rng, -1, 1);
  write_npy(dir + "/image.npy", image.view());
  write_npy(dir + "/aux.npy", extra.view());
  std::copy(image.f32(), image.f32() + image.numel(), ctx.input("image").f32());
  std::copy(extra.f32(), extra.f32() + extra.numel(), ctx.input("aux").f32());
  ctx.run();
  write_npy(dir + "/expected_probs.npy", ctx.output("probs"));
  write_npy(dir + "/expected_pool.npy", ctx.output("pool"));
  vigil::test::write_action_test_files(dir);
  return 0;
}
