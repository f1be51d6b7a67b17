// hoist_lstm_input_projection: a streaming detector that feeds the window part per-frame projections
// computed by the frame part gets the same LSTM outputs as one that feeds embeddings, on every kernel path
// (the reference LSTM and lstm_fast both implement input_projected); the preconditions are enforced.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "engine/kernel_path.h"
#include "engine/passes/hoist_lstm_input_projection.h"
#include "error_of.h"

using namespace vigil;
using vigil::test::error_of;

namespace {

constexpr int64_t kT = 5, kE = 6, kH = 4;

Tensor random_tensor(Shape shape, std::mt19937& rng, float scale = 1.0f) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(static_cast<size_t>(shape.numel()));
  for (float& f : v) f = dist(rng);
  return Tensor::from_f32(shape, v);
}

// Frame part: image [1,3,4,4] -> Flatten -> MatMul -> "embedding" [1,E]. Window part: window [T,1,E] ->
// bidirectional LSTM (hidden H, with B) -> "y" [T,2,1,H] and its final state "y_h".
Graph windowed_graph(bool with_bias = true) {
  std::mt19937 rng(3);
  GraphBuilder b;
  const int image = b.input("image", DType::F32, {1, 3, 4, 4});
  const int window = b.input("window", DType::F32, {kT, 1, kE});
  const int flat = b.node(OpType::Flatten, "flat", {image}, {{"axis", int64_t{1}}});
  b.output(b.node(OpType::MatMul, "embedding", {flat, b.constant("w_emb", random_tensor({48, kE}, rng, 0.5f))}));
  std::vector<int> in{window, b.constant("lstm.W", random_tensor({2, 4 * kH, kE}, rng)),
                      b.constant("lstm.R", random_tensor({2, 4 * kH, kH}, rng))};
  if (with_bias) in.push_back(b.constant("lstm.B", random_tensor({2, 8 * kH}, rng)));
  Attributes attrs;
  attrs.set("direction", std::string("bidirectional"));
  attrs.set("hidden_size", kH);
  const std::vector<int> outs = b.node_named(OpType::Lstm, "lstm", in, {"y", "y_h"}, attrs);
  b.output(outs[0]);
  b.output(outs[1]);
  return b.build();
}

EngineOptions part(KernelPath path, std::vector<std::string> outputs) {
  EngineOptions o;
  o.path = path;
  o.outputs = std::move(outputs);
  return o;
}

// Runs the frame part on T images, stacks its `per_frame` output into the window input, runs the window
// part; returns y then y_h, flattened.
std::vector<float> stream(const Graph& g, KernelPath path, const std::string& per_frame, const std::string& window) {
  Engine frame(g, part(path, {per_frame}));
  Engine win(g, part(path, {"y", "y_h"}));
  ExecutionContext fc(frame), wc(win);
  std::mt19937 rng(9);
  TensorView stacked = wc.input(window);
  const int64_t row = stacked.numel() / kT;
  for (int64_t t = 0; t < kT; ++t) {
    const Tensor img = random_tensor({1, 3, 4, 4}, rng);
    std::copy(img.f32(), img.f32() + img.numel(), fc.input("image").f32());
    fc.run();
    REQUIRE(fc.output(per_frame).numel() == row);
    std::copy(fc.output(per_frame).f32(), fc.output(per_frame).f32() + row, stacked.f32() + t * row);
  }
  wc.run();
  std::vector<float> out(wc.output("y").f32(), wc.output("y").f32() + wc.output("y").numel());
  out.insert(out.end(), wc.output("y_h").f32(), wc.output("y_h").f32() + wc.output("y_h").numel());
  return out;
}

}  // namespace

TEST_CASE("hoist_lstm_input_projection: per-frame projections give the LSTM outputs of per-frame embeddings") {
  for (bool with_bias : {true, false}) {
    Graph original = windowed_graph(with_bias);
    Graph hoisted = original;
    const HoistedProjection names = hoist_lstm_input_projection(hoisted, "window", "embedding");
    CHECK(names.projection_output == "embedding/lstm_input_projection");
    CHECK(names.projected_input == "window/lstm_input_projection");
    CHECK(hoisted.find_value("window") < 0);
    CHECK(hoisted.find_value("lstm.W") < 0);  // only the Gemm's copy remains
    const Shape projected = hoisted.values[static_cast<size_t>(hoisted.find_value(names.projected_input))].shape;
    CHECK(projected == Shape{kT, 1, 2 * 4 * kH});
    for (KernelPath path : supported_kernel_paths()) {
      CAPTURE(kernel_path_name(path));
      CAPTURE(with_bias);
      const std::vector<float> want = stream(original, path, "embedding", "window");
      const std::vector<float> got = stream(hoisted, path, names.projection_output, names.projected_input);
      REQUIRE(got.size() == want.size());
      float worst = 0, scale = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        worst = std::max(worst, std::abs(got[i] - want[i]));
        scale = std::max(scale, std::abs(want[i]));
      }
      CHECK(scale > 0.1f);    // not a vacuous comparison
      CHECK(worst <= 1e-5f);  // h is in (-1, 1); the projection is summed in float instead of double/float
    }
  }
}

TEST_CASE("hoist_lstm_input_projection: the window part's LSTM no longer multiplies by W (fewer FLOPs)") {
  Graph hoisted = windowed_graph();
  hoist_lstm_input_projection(hoisted, "window", "embedding");
  Engine before(windowed_graph(), part(KernelPath::Reference, {"y", "y_h"}));
  Engine after(hoisted, part(KernelPath::Reference, {"y", "y_h"}));
  // Per step and direction 2*4H*(E+H) before, 2*4H*H after.
  CHECK(before.total_flops() == doctest::Approx(2.0 * 4 * kH * (kE + kH) * kT * 2));
  CHECK(after.total_flops() == doctest::Approx(2.0 * 4 * kH * kH * kT * 2));
}

TEST_CASE("hoist_lstm_input_projection: preconditions are errors naming what is wrong") {
  Graph g = windowed_graph();
  CHECK(error_of([&] { hoist_lstm_input_projection(g, "nope", "embedding"); }).find("'nope' is not a graph input") !=
        std::string::npos);
  CHECK(error_of([&] { hoist_lstm_input_projection(g, "window", "y_h"); }).find("has shape [2,1,4], expected [N,6]") !=
        std::string::npos);
  CHECK(error_of([&] { hoist_lstm_input_projection(g, "image", "embedding"); }).find("not an LSTM") !=
        std::string::npos);
  Graph twice = windowed_graph();
  hoist_lstm_input_projection(twice, "window", "embedding");
  CHECK(error_of([&] {
          hoist_lstm_input_projection(twice, "window/lstm_input_projection", "embedding/lstm_input_projection");
        }).find("already reads projected input") != std::string::npos);

  // A window read by a second node cannot be replaced.
  GraphBuilder b;
  std::mt19937 rng(1);
  const int window = b.input("window", DType::F32, {kT, 1, kE});
  const int emb = b.node(OpType::Relu, "embedding", {b.input("x", DType::F32, {1, kE})});
  b.output(emb);
  b.output(b.node(OpType::Lstm, "lstm",
                  {window, b.constant("W", random_tensor({1, 4 * kH, kE}, rng)),
                   b.constant("R", random_tensor({1, 4 * kH, kH}, rng))}));
  b.output(b.node(OpType::Relu, "also_reads", {window}));
  Graph shared = b.build();
  CHECK(error_of([&] {
          hoist_lstm_input_projection(shared, "window", "embedding");
        }).find("'window' is read by 2 nodes") != std::string::npos);
}

TEST_CASE("LSTM input_projected: W and B must be absent and X must have D*4H columns") {
  std::mt19937 rng(2);
  auto lstm_graph = [&](int64_t x_cols, bool with_w) {
    GraphBuilder b;
    const int x = b.input("x", DType::F32, {kT, 1, x_cols});
    const int w = with_w ? b.constant("W", random_tensor({1, 4 * kH, x_cols}, rng)) : kNoValue;
    Attributes attrs;
    attrs.set("input_projected", int64_t{1});
    b.output(b.node(OpType::Lstm, "lstm", {x, w, b.constant("R", random_tensor({1, 4 * kH, kH}, rng))}, attrs));
    return b.build();
  };
  CHECK(error_of([&] { lstm_graph(4 * kH, true); }).find("W and B must be absent") != std::string::npos);
  CHECK(error_of([&] {
          lstm_graph(4 * kH + 1, false);
        }).find("X's last dim must be directions * 4 * hidden_size = 16") != std::string::npos);
  CHECK(lstm_graph(4 * kH, false).nodes.size() == 1);
}
