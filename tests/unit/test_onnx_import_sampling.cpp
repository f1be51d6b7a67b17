// The ONNX GridSample and RoiAlign mappings on models built in C++: GridSample-16's mode names (bilinear,
// bicubic) become vigil's (linear, cubic), opset 20's names and N-D input, a grid fed at run time; RoiAlign-10
// behaves as output_half_pixel, 16 defaults to half_pixel, rois and batch indices fed at run time; and the
// import errors (mode names of the other opset, GridSample-16 on 5-D input, unknown attributes, missing
// inputs, bad shapes), which name the node. Values: test_op_grid_sample.cpp, test_op_roi_align.cpp and the
// ONNX node tests.
#include <doctest/doctest.h>

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

GraphSpec grid_sample(const std::vector<int64_t>& x, const std::vector<int64_t>& grid, std::vector<Pb> attrs) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, x));
  g.inputs.push_back(value_info("grid", kFloat, grid));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node("GridSample", {"x", "grid"}, {"y"}, "warp", attrs));
  return g;
}

GraphSpec roi_align(const std::vector<int64_t>& rois, const std::vector<int64_t>& indices, std::vector<Pb> attrs) {
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {1, 1, 4, 4}));
  g.inputs.push_back(value_info("rois", kFloat, rois));
  g.inputs.push_back(value_info("batch_indices", kInt64, indices));
  g.outputs.push_back(value_info("y", kFloat, {}));
  g.nodes.push_back(node("RoiAlign", {"x", "rois", "batch_indices"}, {"y"}, "pool", attrs));
  return g;
}

}  // namespace

TEST_CASE("onnx import: GridSample mode names per opset, N-D input, a run-time grid") {
  Graph g16 = import(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {attr_s("mode", "bicubic")}), 16);
  CHECK(only_node(g16, OpType::GridSample).attrs.get_string("mode", "") == "cubic");
  Graph d16 = import(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {}), 16);
  CHECK(only_node(d16, OpType::GridSample).attrs.get_string("mode", "") == "linear");
  Graph g20 = import(grid_sample({1, 2, 3, 4, 5}, {1, 2, 2, 2, 3}, {attr_s("padding_mode", "border")}), 20);
  const Node& n20 = only_node(g20, OpType::GridSample);
  CHECK(n20.attrs.get_string("mode", "") == "linear");
  CHECK(n20.attrs.get_string("padding_mode", "") == "border");
  CHECK(g20.values[static_cast<size_t>(g20.outputs[0])].shape == Shape{1, 2, 2, 2, 2});

  // Both inputs at run time: the centre of [[1, 2], [3, 4]] with align_corners.
  Engine engine(import(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {attr_i("align_corners", 1)}), 16));
  ExecutionContext ctx(engine);
  const float x[] = {1, 2, 3, 4};
  std::copy(x, x + 4, ctx.input("x").f32());
  ctx.input("grid").f32()[0] = 0;
  ctx.input("grid").f32()[1] = 0;
  ctx.run();
  CHECK(ctx.output("y").f32()[0] == doctest::Approx(2.5));
  ctx.input("grid").f32()[0] = 1;  // a new grid on the next run: the right column's middle
  ctx.run();
  CHECK(ctx.output("y").f32()[0] == doctest::Approx(3));
}

TEST_CASE("onnx import: GridSample errors name the node") {
  CHECK(contains(import_error(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {attr_s("mode", "linear")}), 16),
                 "node 'warp' (GridSample, opset 16): mode 'linear' is not one of bilinear, nearest, bicubic"));
  CHECK(contains(import_error(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {attr_s("mode", "bilinear")}), 20),
                 "mode 'bilinear' is not one of linear, nearest, cubic (opset 20)"));
  CHECK(contains(import_error(grid_sample({1, 1, 2, 2, 2}, {1, 1, 1, 1, 3}, {}), 16),
                 "X has rank 5 [1,1,2,2,2]; GridSample before opset 20 takes 4-D input"));
  CHECK(contains(import_error(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {attr_s("padding_mode", "mirror")}), 22),
                 "padding_mode 'mirror' is not one of zeros, border, reflection"));
  CHECK(contains(import_error(grid_sample({1, 1, 2, 2}, {1, 1, 1, 2}, {attr_i("antialias", 1)}), 22),
                 "attribute 'antialias' is not supported"));
  CHECK(contains(import_error(grid_sample({1, 1, 2, 2}, {2, 1, 1, 2}, {}), 22), "warp"));
}

TEST_CASE("onnx import: RoiAlign coordinate modes per opset, run-time rois and batch indices") {
  Graph g10 = import(roi_align({2, 4}, {2}, {attr_i("output_height", 3), attr_i("output_width", 2)}), 10);
  const Node& n10 = only_node(g10, OpType::RoiAlign);
  CHECK(n10.attrs.get_string("coordinate_transformation_mode", "") == "output_half_pixel");
  CHECK(g10.values[static_cast<size_t>(g10.outputs[0])].shape == Shape{2, 1, 3, 2});
  Graph g16 = import(roi_align({2, 4}, {2}, {}), 16);
  CHECK(only_node(g16, OpType::RoiAlign).attrs.get_string("coordinate_transformation_mode", "") == "half_pixel");

  // Feature map 4 y + x; one sample at the roi centre (1.5, 1.5) per run, rois changed between runs.
  Engine engine(import(roi_align({1, 4}, {1}, {attr_i("sampling_ratio", 1)}), 16));
  ExecutionContext ctx(engine);
  for (int k = 0; k < 16; ++k) ctx.input("x").f32()[k] = static_cast<float>(k);
  const float roi[] = {0.5f, 0.5f, 3.5f, 3.5f};
  std::copy(roi, roi + 4, ctx.input("rois").f32());
  ctx.input("batch_indices").i64()[0] = 0;
  ctx.run();
  CHECK(ctx.output("y").f32()[0] == doctest::Approx(7.5));
  ctx.input("rois").f32()[0] = 1.5f;  // centre x 2.5 - 0.5 = 2: 4 * 1.5 + 2
  ctx.run();
  CHECK(ctx.output("y").f32()[0] == doctest::Approx(8));
  ctx.input("batch_indices").i64()[0] = 3;  // outside the batch of 1: zeros, no crash
  ctx.run();
  CHECK(ctx.output("y").f32()[0] == 0.0f);
}

TEST_CASE("onnx import: RoiAlign errors name the node") {
  CHECK(contains(import_error(roi_align({2, 4}, {2}, {attr_s("coordinate_transformation_mode", "half_pixel")}), 10),
                 "node 'pool' (RoiAlign, opset 10): attribute 'coordinate_transformation_mode' is not supported"));
  CHECK(contains(import_error(roi_align({2, 5}, {2}, {}), 16), "rois must have shape [num_rois, 4], got [2,5]"));
  CHECK(contains(import_error(roi_align({2, 4}, {3}, {}), 16), "batch_indices must have shape [2]"));
  CHECK(
      contains(import_error(roi_align({2, 4}, {2}, {attr_s("mode", "sum")}), 16), "mode 'sum' is not one of avg, max"));
  GraphSpec missing = roi_align({2, 4}, {2}, {});
  missing.nodes = {node("RoiAlign", {"x", "rois"}, {"y"}, "pool")};
  CHECK(contains(import_error(missing, 16), "pool"));
}
