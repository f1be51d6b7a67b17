// MaxPool3d / AveragePool3d through GraphBuilder + Engine: hand-computed windows, 300 random shapes
// (strides, dilations, pads, ceil_mode, count_include_pad) against a float64 loop over an explicitly padded
// grid (the kernel bounds-checks instead) on every kernel path, each bit-identical to the reference path
// (one-plane-deep windows run the 2-D fast kernels there), NaN propagation, threads, and the load-time errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/cpu_features.h"
#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "error_of.h"
#include "graph_query_support.h"
#include "kernels/pooling/pooling.h"

using namespace vigil;

namespace {

using I = std::vector<int64_t>;

struct Pool3dCase {
  I in;  // N, C, D, H, W
  I kernel, strides{1, 1, 1}, dilations{1, 1, 1}, pads{0, 0, 0, 0, 0, 0};
  bool ceil_mode = false, include_pad = false;
};

Attributes attrs_of(const Pool3dCase& k, OpType op) {
  Attributes a;
  a.set("kernel_shape", k.kernel);
  a.set("strides", k.strides);
  a.set("dilations", k.dilations);
  a.set("pads", k.pads);
  a.set("ceil_mode", int64_t{k.ceil_mode});
  if (op == OpType::AveragePool3d) a.set("count_include_pad", int64_t{k.include_pad});
  return a;
}

std::vector<float> run_pool(OpType op, const Shape& x_shape, const std::vector<float>& x, Attributes attrs,
                            Shape* y_shape, KernelPath path = KernelPath::Reference, int threads = 1) {
  GraphBuilder gb;
  const int xv = gb.input("x", DType::F32, x_shape);
  gb.output(gb.node(op, "pool", {xv}, std::move(attrs)));
  Engine engine(gb.build(), EngineOptions{path, true, threads});
  ExecutionContext ctx(engine, threads);
  std::copy(x.begin(), x.end(), ctx.input(0).f32());
  ctx.run();
  const TensorView y = ctx.output(0);
  *y_shape = y.shape;
  return {y.f32(), y.f32() + y.numel()};
}

std::string load_error(OpType op, const Shape& x_shape, Attributes attrs) {
  return test::error_of([&] {
    GraphBuilder gb;
    const int xv = gb.input("x", DType::F32, x_shape);
    gb.output(gb.node(op, "pool", {xv}, std::move(attrs)));
    Engine engine(gb.build());
  });
}

// The float64 loop: X copied into a grid covering every window, whose cells carry whether they are input
// (value) or padding inside pads (counted by count_include_pad) or beyond it (counted by neither).
std::vector<double> pool_float64(const Pool3dCase& k, const std::vector<float>& x, const I& out, bool is_max) {
  enum Cell { kInput, kPad, kBeyond };
  I extent(3), start(3);
  for (int d = 0; d < 3; ++d) {
    const size_t u = static_cast<size_t>(d);
    start[u] = -k.pads[u];
    extent[u] = std::max((out[u] - 1) * k.strides[u] + (k.kernel[u] - 1) * k.dilations[u] + 1,
                         k.in[u + 2] + k.pads[u] + k.pads[u + 3]);
  }
  auto cell_at = [&](const I& pos, double* value, int64_t plane) {
    Cell c = kInput;
    for (int d = 0; d < 3; ++d) {
      const size_t u = static_cast<size_t>(d);
      if (pos[u] >= k.in[u + 2] + k.pads[u + 3]) return kBeyond;
      if (pos[u] < 0 || pos[u] >= k.in[u + 2]) c = kPad;
    }
    if (c == kInput)
      *value = x[static_cast<size_t>(((plane * k.in[2] + pos[0]) * k.in[3] + pos[1]) * k.in[4] + pos[2])];
    return c;
  };
  std::vector<Cell> grid_cell;
  std::vector<double> grid_value;
  const int64_t planes = k.in[0] * k.in[1];
  std::vector<double> y;
  for (int64_t plane = 0; plane < planes; ++plane) {
    grid_cell.assign(static_cast<size_t>(extent[0] * extent[1] * extent[2]), kBeyond);
    grid_value.assign(grid_cell.size(), 0.0);
    for (int64_t a = 0; a < extent[0]; ++a)
      for (int64_t b = 0; b < extent[1]; ++b)
        for (int64_t c = 0; c < extent[2]; ++c) {
          const size_t g = static_cast<size_t>((a * extent[1] + b) * extent[2] + c);
          grid_cell[g] = cell_at({a + start[0], b + start[1], c + start[2]}, &grid_value[g], plane);
        }
    for (int64_t od = 0; od < out[0]; ++od)
      for (int64_t oh = 0; oh < out[1]; ++oh)
        for (int64_t ow = 0; ow < out[2]; ++ow) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          int64_t inputs = 0, padded = 0;
          for (int64_t a = 0; a < k.kernel[0]; ++a)
            for (int64_t b = 0; b < k.kernel[1]; ++b)
              for (int64_t c = 0; c < k.kernel[2]; ++c) {
                const size_t g = static_cast<size_t>(
                    ((od * k.strides[0] + a * k.dilations[0]) * extent[1] + oh * k.strides[1] + b * k.dilations[1]) *
                        extent[2] +
                    ow * k.strides[2] + c * k.dilations[2]);
                if (grid_cell[g] != kBeyond) ++padded;
                if (grid_cell[g] == kInput) {
                  ++inputs;
                  sum += grid_value[g];
                  best = std::max(best, grid_value[g]);
                }
              }
          y.push_back(is_max ? best : sum / static_cast<double>(k.include_pad ? padded : inputs));
        }
  }
  return y;
}

int64_t pick(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

}  // namespace

TEST_CASE("Pool3d: hand-computed 2x2x2 max and average, stride 2, and padding counted or not") {
  // x[d][h][w] = 9d + 3h + w (0..26) in one 3x3x3 volume.
  std::vector<float> x(27);
  for (int i = 0; i < 27; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i);
  Pool3dCase k{{1, 1, 3, 3, 3}, {2, 2, 2}};
  k.strides = {2, 2, 2};
  k.pads = {1, 1, 1, 0, 0, 0};
  Shape shape;
  // Windows start at -1 and 1 along each dim: 2x2x2 outputs.
  const auto mx = run_pool(OpType::MaxPool3d, {1, 1, 3, 3, 3}, x, attrs_of(k, OpType::MaxPool3d), &shape);
  CHECK(shape == Shape{1, 1, 2, 2, 2});
  // (0,0,0) sees only x[0][0][0] = 0; (1,1,1) sees d,h,w in {1,2}: max 26; (0,1,0): d=0, h in {1,2}, w=0: 6.
  CHECK(mx == std::vector<float>{0, 2, 6, 8, 18, 20, 24, 26});
  const auto avg = run_pool(OpType::AveragePool3d, {1, 1, 3, 3, 3}, x, attrs_of(k, OpType::AveragePool3d), &shape);
  // (1,1,1): mean of 9d+3h+w over {1,2}^3 = 9*1.5 + 3*1.5 + 1.5 = 19.5; (0,0,0) = 0; (0,0,1): w in {1,2}: 1.5.
  CHECK(avg[7] == 19.5f);
  CHECK(avg[0] == 0.0f);
  CHECK(avg[1] == 1.5f);
  k.include_pad = true;
  const auto avg_pad = run_pool(OpType::AveragePool3d, {1, 1, 3, 3, 3}, x, attrs_of(k, OpType::AveragePool3d), &shape);
  CHECK(avg_pad[0] == 0.0f);
  CHECK(avg_pad[1] == 3.0f / 8.0f);  // (1 + 2) over the full 2x2x2 window
  CHECK(avg_pad[7] == 19.5f);
}

TEST_CASE("Pool3d: 300 random shapes against a float64 loop over an explicitly padded grid, every path") {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<float> u(-4.0f, 4.0f);
  int ceil_cases = 0, dilated = 0, include_pad = 0, one_plane = 0;
  std::vector<KernelPath> paths{KernelPath::Reference, KernelPath::Scalar};
  if (cpu_features().has_avx2_fma()) paths.push_back(KernelPath::Avx2);
  if (cpu_features().has_avx512_core()) paths.push_back(KernelPath::Avx512);
  for (int i = 0; i < 300; ++i) {
    Pool3dCase k;
    I out(3);
    for (;;) {
      k.in = {pick(rng, 1, 2), pick(rng, 1, 5), pick(rng, 1, 7), pick(rng, 1, 9), pick(rng, 1, 9)};
      k.kernel = {pick(rng, 1, 3), pick(rng, 1, 4), pick(rng, 1, 4)};
      k.strides = {pick(rng, 1, 3), pick(rng, 1, 3), pick(rng, 1, 3)};
      k.dilations = rng() % 3 ? I{1, 1, 1} : I{pick(rng, 1, 2), pick(rng, 1, 3), pick(rng, 1, 2)};
      for (int d = 0; d < 3; ++d) {
        const int64_t kmax = k.kernel[static_cast<size_t>(d)] - 1;  // pads beyond kernel-1 see no input
        k.pads[static_cast<size_t>(d)] = pick(rng, 0, kmax);
        k.pads[static_cast<size_t>(d + 3)] = pick(rng, 0, kmax);
      }
      k.ceil_mode = rng() % 2;
      k.include_pad = rng() % 2;
      bool ok = true;
      for (int d = 0; d < 3; ++d) {
        const size_t s = static_cast<size_t>(d);
        out[s] = kernels::pool_output_size(k.in[s + 2], k.kernel[s], k.strides[s], k.dilations[s], k.pads[s],
                                           k.pads[s + 3], k.ceil_mode);
        ok = ok && out[s] >= 1;
      }
      if (!ok) continue;
      // Windows that see only padding are an error for MaxPool3d (tested below): draw again.
      if (load_error(OpType::MaxPool3d, Shape::from(k.in), attrs_of(k, OpType::MaxPool3d)) != "(no error)") continue;
      break;
    }
    ceil_cases += k.ceil_mode;
    dilated += k.dilations != I{1, 1, 1};
    include_pad += k.include_pad;
    one_plane += k.kernel[0] == 1;
    std::vector<float> x(static_cast<size_t>(k.in[0] * k.in[1] * k.in[2] * k.in[3] * k.in[4]));
    for (float& v : x) v = u(rng);
    for (OpType op : {OpType::MaxPool3d, OpType::AveragePool3d}) {
      const std::vector<double> want = pool_float64(k, x, out, op == OpType::MaxPool3d);
      std::vector<float> reference_path;
      for (KernelPath path : paths) {
        Shape shape;
        const auto y = run_pool(op, Shape::from(k.in), x, attrs_of(k, op), &shape, path, 2);
        CHECK(shape == Shape{k.in[0], k.in[1], out[0], out[1], out[2]});
        REQUIRE(y.size() == want.size());
        int failures = 0;
        for (size_t j = 0; j < y.size(); ++j)
          if (!(std::fabs(y[j] - want[j]) <= std::ldexp(std::fabs(want[j]), -24) * 1.0001) && failures++ < 3)
            FAIL_CHECK("case " << i << (op == OpType::MaxPool3d ? " max" : " avg") << " y[" << j << "] = " << y[j]
                               << ", float64 " << want[j]);
        // Every path computes the reference's bits (one-plane windows run the 2-D fast kernels).
        if (path == KernelPath::Reference)
          reference_path = y;
        else
          CHECK(y == reference_path);
      }
    }
  }
  CHECK(ceil_cases >= 100);
  CHECK(dilated >= 50);
  CHECK(include_pad >= 100);
  CHECK(one_plane >= 80);
}

TEST_CASE("Pool3d: max propagates NaN, a count_include_pad window may see only padding") {
  std::vector<float> x{1, 2, std::numeric_limits<float>::quiet_NaN(), 4, 5, 6, 7, 8};
  Pool3dCase k{{1, 1, 2, 2, 2}, {2, 2, 2}};
  Shape shape;
  const auto mx = run_pool(OpType::MaxPool3d, {1, 1, 2, 2, 2}, x, attrs_of(k, OpType::MaxPool3d), &shape);
  REQUIRE(mx.size() == 1);
  CHECK(std::isnan(mx[0]));
  // A 1x1x1 window with pads 1 at the front: the first output plane is all padding.
  Pool3dCase z{{1, 1, 1, 1, 1}, {1, 1, 1}};
  z.pads = {1, 0, 0, 0, 0, 0};
  z.include_pad = true;
  const auto avg = run_pool(OpType::AveragePool3d, {1, 1, 1, 1, 1}, {3.0f}, attrs_of(z, OpType::AveragePool3d), &shape);
  CHECK(shape == Shape{1, 1, 2, 1, 1});
  CHECK(avg == std::vector<float>{0.0f, 3.0f});
  // The same on every path with a 1x2x2 window (the one-plane kernels on the optimised paths), pads 1 in
  // front and 2 behind, 2x2 planes: plane sums 0+1+2+3 = 6 and 4+5+6+7 = 22 over 4 cells.
  Pool3dCase planes{{1, 1, 2, 2, 2}, {1, 2, 2}};
  planes.pads = {1, 0, 0, 2, 0, 0};
  planes.include_pad = true;
  for (KernelPath path : {KernelPath::Reference, KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx512}) {
    if (path == KernelPath::Avx2 && !cpu_features().has_avx2_fma()) continue;
    if (path == KernelPath::Avx512 && !cpu_features().has_avx512_core()) continue;
    const auto y = run_pool(OpType::AveragePool3d, {1, 1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7},
                            attrs_of(planes, OpType::AveragePool3d), &shape, path, 2);
    CHECK(shape == Shape{1, 1, 5, 1, 1});
    CHECK(y == std::vector<float>{0.0f, 1.5f, 5.5f, 0.0f, 0.0f});
  }
  z.include_pad = false;
  CHECK(test::contains(load_error(OpType::AveragePool3d, {1, 1, 1, 1, 1}, attrs_of(z, OpType::AveragePool3d)),
                       "covers no input cell"));
}

TEST_CASE("Pool3d: load-time errors name the node and the attribute") {
  const Shape x{1, 2, 4, 5, 6};
  Pool3dCase k{{1, 2, 4, 5, 6}, {2, 2, 2}};
  CHECK(load_error(OpType::MaxPool3d, x, attrs_of(k, OpType::MaxPool3d)) == "(no error)");
  CHECK(test::contains(load_error(OpType::MaxPool3d, {1, 2, 5, 6}, attrs_of(k, OpType::MaxPool3d)),
                       "input X must have rank 5"));
  Attributes a = attrs_of(k, OpType::MaxPool3d);
  a.set("pads", I{0, 0, 0, 0});
  CHECK(test::contains(load_error(OpType::MaxPool3d, x, a), "attribute 'pads' must have 6 values, got 4"));
  a = attrs_of(k, OpType::AveragePool3d);
  a.set("kernel_shape", I{2, 2});
  CHECK(test::contains(load_error(OpType::AveragePool3d, x, a), "attribute 'kernel_shape' must have 3 values"));
  a = attrs_of(k, OpType::MaxPool3d);
  a.set("ceil_mode", int64_t{2});
  CHECK(test::contains(load_error(OpType::MaxPool3d, x, a), "ceil_mode must be 0 or 1"));
  a = attrs_of(k, OpType::AveragePool3d);
  a.set("count_include_pad", int64_t{3});
  CHECK(test::contains(load_error(OpType::AveragePool3d, x, a), "count_include_pad must be 0 or 1"));
  CHECK(test::contains(load_error(OpType::MaxPool3d, x, Attributes{}), "attribute 'kernel_shape' is required"));
  a = attrs_of(k, OpType::MaxPool3d);
  a.set("kernel_shape", I{5, 2, 2});
  CHECK(test::contains(load_error(OpType::MaxPool3d, x, a), "dilated kernel 5x2x2 is larger than the padded input"));
  a = attrs_of(k, OpType::MaxPool3d);
  a.set("pads", I{0, 3, 0, 0, 0, 0});
  CHECK(test::contains(load_error(OpType::MaxPool3d, x, a), "window along height covers no input cell"));
}
