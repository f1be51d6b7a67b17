// ONNX DepthToSpace (DCR, CRD) and SpaceToDepth (DCR; CRD from opset 28), imported as Reshape + Transpose +
// Reshape: random shapes and block sizes on every kernel path against the element formulas (written per output
// element, not as reshapes), round trips, hand values, and the attribute and shape errors.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "graph_query_support.h"
#include "onnx_import_support.h"

using namespace vigil;
using namespace vigil::test;

namespace {

struct Dims {
  int64_t n, c, h, w;
  int64_t at(int64_t a, int64_t b, int64_t y, int64_t x) const { return ((a * c + b) * h + y) * w + x; }
};

std::vector<float> run_model(const GraphSpec& g, int64_t opset, const std::vector<float>& x, KernelPath path) {
  EngineOptions options;
  options.path = path;
  Engine engine(import(g, opset), options);
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  const TensorView y = ctx.output("y");
  return {y.f32(), y.f32() + y.numel()};
}

GraphSpec one_node(const std::string& op, const Dims& in, const Dims& out, std::vector<Pb> attributes) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {in.n, in.c, in.h, in.w}));
  g.outputs.push_back(value_info("y", kFloat, {out.n, out.c, out.h, out.w}));
  g.nodes.push_back(node(op, {"x"}, {"y"}, "move", std::move(attributes)));
  return g;
}

}  // namespace

TEST_CASE("onnx import: DepthToSpace and SpaceToDepth in both modes match the element formulas on every path") {
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> dist(-1, 1);
  struct Case {
    int64_t n, c, h, w, b;  // the DepthToSpace input; SpaceToDepth runs on its output
  };
  for (const Case& k : {Case{1, 4, 2, 3, 2}, Case{2, 18, 3, 1, 3}, Case{1, 8, 5, 7, 2}, Case{3, 5, 2, 2, 1},
                        Case{1, 32, 4, 3, 4}, Case{2, 27, 1, 2, 3}}) {
    const int64_t b = k.b, c = k.c / (b * b);
    const Dims deep{k.n, k.c, k.h, k.w}, wide{k.n, c, k.h * b, k.w * b};
    std::vector<float> x(static_cast<size_t>(k.n * k.c * k.h * k.w));
    for (float& v : x) v = dist(rng);
    for (const std::string mode : {"DCR", "CRD"}) {
      // The channel of `deep` that holds block offset (i, j) of channel `ch` of `wide`.
      auto deep_channel = [&](int64_t ch, int64_t i, int64_t j) {
        return mode == "DCR" ? (i * b + j) * c + ch : ch * b * b + i * b + j;
      };
      std::vector<float> want_wide(x.size());
      for (int64_t n = 0; n < k.n; ++n)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t y = 0; y < wide.h; ++y)
            for (int64_t xx = 0; xx < wide.w; ++xx)
              want_wide[static_cast<size_t>(wide.at(n, ch, y, xx))] =
                  x[static_cast<size_t>(deep.at(n, deep_channel(ch, y % b, xx % b), y / b, xx / b))];
      const GraphSpec d2s = one_node("DepthToSpace", deep, wide, {attr_i("blocksize", b), attr_s("mode", mode)});
      // SpaceToDepth has `mode` from opset 28; before, DCR without the attribute.
      std::vector<Pb> s2d_attrs = {attr_i("blocksize", b)};
      if (mode == "CRD") s2d_attrs.push_back(attr_s("mode", mode));
      const GraphSpec s2d = one_node("SpaceToDepth", wide, deep, s2d_attrs);
      for (KernelPath path : supported_kernel_paths()) {
        CAPTURE(mode);
        CAPTURE(b);
        CAPTURE(k.c);
        CAPTURE(kernel_path_name(path));
        CHECK(run_model(d2s, 13, x, path) == want_wide);
        // SpaceToDepth in the same mode is the inverse (the spec's definitions; CRD from opset 28).
        CHECK(run_model(s2d, mode == "DCR" ? 13 : 28, want_wide, path) == x);
      }
    }
  }
}

TEST_CASE("onnx import: DepthToSpace and SpaceToDepth hand values, defaults and errors") {
  // [1, 4, 1, 1] -> [1, 1, 2, 2]: DCR reads the channels as (row, col) block offsets; so does CRD with C/b^2 = 1.
  const Dims deep{1, 4, 1, 1}, wide{1, 1, 2, 2};
  GraphSpec g = one_node("DepthToSpace", deep, wide, {attr_i("blocksize", 2)});  // mode defaults to DCR
  CHECK(run_model(g, 9, {1, 2, 3, 4}, KernelPath::Reference) == std::vector<float>{1, 2, 3, 4});
  // [1, 8, 1, 1] with b = 2: DCR takes channel (i*2 + j)*2 + c, CRD channel c*4 + i*2 + j.
  const Dims deep8{1, 8, 1, 1}, wide8{1, 2, 2, 2};
  const std::vector<float> x8 = {0, 1, 2, 3, 4, 5, 6, 7};
  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 2), attr_s("mode", "DCR")});
  CHECK(run_model(g, 11, x8, KernelPath::Reference) == std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7});
  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 2), attr_s("mode", "CRD")});
  CHECK(run_model(g, 11, x8, KernelPath::Reference) == x8);

  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 2), attr_s("mode", "DCR")});
  CHECK(contains(import_error(g, 9), "node 'move' (DepthToSpace, opset 9): attribute 'mode' is not supported"));
  g = one_node("SpaceToDepth", wide8, deep8, {attr_i("blocksize", 2), attr_s("mode", "CRD")});
  CHECK(contains(import_error(g, 13), "attribute 'mode' is not supported"));
  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 2), attr_s("mode", "RDC")});
  CHECK(contains(import_error(g, 13), "mode 'RDC' is not DCR or CRD"));
  g = one_node("DepthToSpace", deep8, wide8, {});
  CHECK(contains(import_error(g, 13), "the blocksize attribute is required"));
  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 0)});
  CHECK(contains(import_error(g, 13), "blocksize 0 must be >= 1"));
  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 3)});
  CHECK(contains(import_error(g, 13), "channels 8 are not a multiple of blocksize^2 = 9"));
  g = one_node("DepthToSpace", deep8, wide8, {attr_i("blocksize", 1000000000000)});  // b * b would overflow
  CHECK(contains(import_error(g, 13), "channels 8 are not a multiple"));
  g = one_node("SpaceToDepth", Dims{1, 2, 4, 6}, Dims{1, 18, 1, 2}, {attr_i("blocksize", 3)});
  CHECK(contains(import_error(g, 13), "height 4 and width 6 must be multiples of blocksize 3"));
  GraphSpec three;
  three.inputs.push_back(value_info("x", kFloat, {4, 2, 2}));
  three.outputs.push_back(value_info("y", kFloat, {1, 4, 4}));
  three.nodes.push_back(node("DepthToSpace", {"x"}, {"y"}, "d3", {attr_i("blocksize", 2)}));
  CHECK(contains(import_error(three, 13), "node 'd3' (DepthToSpace, opset 13): input must be 4-D [N, C, H, W]"));
}
