// MaxPool, AveragePool, GlobalAveragePool: hand-computed cases, darknet's maxpool (size k, stride s,
// padding k-1 split top/left (k-1)/2), ceil_mode, count_include_pad, a float64 loop over an explicitly
// padded grid (the kernel bounds-checks instead), the Engine binding, and shape errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "kernels/pooling/pooling.h"

using namespace vigil;

namespace {

struct PoolCase {
  int64_t n, c, h, w, kh, kw;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  bool ceil_mode = false;
  bool include_pad = false;
};

Attributes pool_attrs(const PoolCase& k, OpType op) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{k.kh, k.kw});
  a.set("strides", std::vector<int64_t>{k.sh, k.sw});
  a.set("pads", std::vector<int64_t>{k.pt, k.pl, k.pb, k.pr});
  if (k.dh != 1 || k.dw != 1) a.set("dilations", std::vector<int64_t>{k.dh, k.dw});
  if (k.ceil_mode) a.set("ceil_mode", int64_t{1});
  if (op == OpType::AveragePool) a.set("count_include_pad", int64_t{k.include_pad ? 1 : 0});
  return a;
}

// Runs one pooling node through GraphBuilder + Engine + ExecutionContext.
std::vector<float> run_pool(OpType op, Shape x_shape, const std::vector<float>& x, Attributes attrs, Shape* out_shape) {
  GraphBuilder gb;
  int xv = gb.input("x", DType::F32, x_shape);
  gb.output(gb.node(op, "pool", {xv}, std::move(attrs)));
  Engine engine(gb.build());
  ExecutionContext ctx(engine);
  std::copy(x.begin(), x.end(), ctx.input("x").f32());
  ctx.run();
  TensorView y = ctx.output("pool");
  *out_shape = y.shape;
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

std::vector<float> run_pool(OpType op, const PoolCase& k, const std::vector<float>& x, Shape* out_shape) {
  return run_pool(op, {k.n, k.c, k.h, k.w}, x, pool_attrs(k, op), out_shape);
}

// Output extent by counting window starts: without ceil_mode a window must fit in the padded input; with
// it, it may overhang the end as long as it starts inside the input or the begin padding (valid for
// pad_end <= dilated kernel, which every case below respects).
int64_t count_windows(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, bool ceil_mode) {
  const int64_t eff = d * (k - 1) + 1;
  int64_t count = 0;
  for (int64_t start = 0;; start += s) {  // start in padded coordinates
    const bool fits = start + eff <= in + pb + pe;
    const bool ceil_ok = start < in + pb && start <= in + pb + pe - eff + s - 1;  // ceil of the division
    if (fits || (ceil_mode && ceil_ok))
      ++count;
    else
      break;
  }
  return count;
}

enum Cell : uint8_t { kInput, kPad, kBeyond };

struct Expected {
  int64_t oh = 0, ow = 0;
  std::vector<double> y;
};

// Float64 pooling over an explicit grid: the padded plane plus the ceil_mode overhang, each cell tagged as
// input, padding, or beyond the padding.
Expected pool_on_grid(const PoolCase& k, bool is_max, const std::vector<float>& x) {
  Expected e;
  e.oh = count_windows(k.h, k.kh, k.sh, k.dh, k.pt, k.pb, k.ceil_mode);
  e.ow = count_windows(k.w, k.kw, k.sw, k.dw, k.pl, k.pr, k.ceil_mode);
  const int64_t gh = (e.oh - 1) * k.sh + k.dh * (k.kh - 1) + 1, gw = (e.ow - 1) * k.sw + k.dw * (k.kw - 1) + 1;
  const int64_t grid_h = std::max(gh, k.pt + k.h + k.pb), grid_w = std::max(gw, k.pl + k.w + k.pr);
  for (int64_t plane = 0; plane < k.n * k.c; ++plane) {
    std::vector<Cell> tag(static_cast<size_t>(grid_h * grid_w));
    std::vector<double> val(tag.size(), 0.0);
    for (int64_t r = 0; r < grid_h; ++r)
      for (int64_t c = 0; c < grid_w; ++c) {
        const size_t g = static_cast<size_t>(r * grid_w + c);
        const int64_t ir = r - k.pt, ic = c - k.pl;
        if (ir >= 0 && ir < k.h && ic >= 0 && ic < k.w) {
          tag[g] = kInput;
          val[g] = x[static_cast<size_t>((plane * k.h + ir) * k.w + ic)];
        } else {
          tag[g] = (r < k.pt + k.h + k.pb && c < k.pl + k.w + k.pr) ? kPad : kBeyond;
        }
      }
    for (int64_t oh = 0; oh < e.oh; ++oh)
      for (int64_t ow = 0; ow < e.ow; ++ow) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int inputs = 0, padded = 0;
        for (int64_t i = 0; i < k.kh; ++i)
          for (int64_t j = 0; j < k.kw; ++j) {
            const size_t g = static_cast<size_t>((oh * k.sh + i * k.dh) * grid_w + ow * k.sw + j * k.dw);
            if (tag[g] == kInput) best = std::max(best, val[g]), sum += val[g], ++inputs;
            if (tag[g] != kBeyond) ++padded;
          }
        e.y.push_back(is_max ? best : sum / (k.include_pad ? padded : inputs));
      }
  }
  return e;
}

void check_close(const std::vector<float>& got, const std::vector<double>& want, double rel) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(got[i] - want[i]) / (rel * std::fabs(want[i]) + 1e-30);
    if (err > worst) worst = err, at = i;
  }
  INFO("element ", at, ": got ", got[at], ", float64 ", want[at]);
  CHECK(worst <= 1.0);
}

std::vector<float> random_values(size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

// Darknet's maxpool, written from its definition: padding = size - 1 in total, the window of output (i, j)
// starts at (i*stride - padding/2, j*stride - padding/2), out = (in + padding - size) / stride + 1, and only
// cells inside the image compete for the max.
std::vector<float> darknet_maxpool(const std::vector<float>& x, int64_t planes, int64_t h, int64_t w, int64_t size,
                                   int64_t stride, int64_t* out_h, int64_t* out_w) {
  const int64_t padding = size - 1;
  *out_h = (h + padding - size) / stride + 1;
  *out_w = (w + padding - size) / stride + 1;
  std::vector<float> y;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < *out_h; ++i)
      for (int64_t j = 0; j < *out_w; ++j) {
        float best = -FLT_MAX;
        for (int64_t r = i * stride - padding / 2; r < i * stride - padding / 2 + size; ++r)
          for (int64_t c = j * stride - padding / 2; c < j * stride - padding / 2 + size; ++c)
            if (r >= 0 && r < h && c >= 0 && c < w) best = std::max(best, x[static_cast<size_t>((p * h + r) * w + c)]);
        y.push_back(best);
      }
  return y;
}

std::string pool_error(OpType op, Shape x, Attributes attrs) {
  GraphBuilder gb;
  gb.output(gb.node(op, "bad_pool", {gb.input("x", DType::F32, x)}, std::move(attrs)));
  try {
    gb.build();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<float> iota(size_t n, float first = 1) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = first + static_cast<float>(i);
  return v;
}

}  // namespace

TEST_CASE("pooling: hand-computed max and average 2x2 stride 2") {
  // 4x4 input 1..16: 2x2 blocks have max = bottom-right, mean = centre.
  PoolCase k{1, 1, 4, 4, 2, 2, 2, 2};
  Shape shape;
  CHECK(run_pool(OpType::MaxPool, k, iota(16), &shape) == std::vector<float>{6, 8, 14, 16});
  CHECK(shape == Shape{1, 1, 2, 2});
  CHECK(run_pool(OpType::AveragePool, k, iota(16), &shape) == std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f});
}

TEST_CASE("pooling: hand-computed average with padding, count_include_pad 0 and 1") {
  // 3x3 input 1..9, kernel 2x2, stride 1, pads top 1 left 1: output 3x3; window (0,0) sees only x[0][0]=1,
  // window (1,1) sees 1,2,4,5, window (0,2) sees 2,3.
  PoolCase k{1, 1, 3, 3, 2, 2};
  k.pt = 1, k.pl = 1;
  Shape shape;
  std::vector<float> excl = run_pool(OpType::AveragePool, k, iota(9), &shape);
  CHECK(shape == Shape{1, 1, 3, 3});
  CHECK(excl[0] == 1.0f);
  CHECK(excl[4] == 3.0f);
  CHECK(excl[2] == 2.5f);
  k.include_pad = true;
  std::vector<float> incl = run_pool(OpType::AveragePool, k, iota(9), &shape);
  CHECK(incl[0] == 0.25f);
  CHECK(incl[4] == 3.0f);
  CHECK(incl[2] == 1.25f);
  // Max never picks a padded cell, even when every input is negative.
  std::vector<float> neg = iota(9, -20);
  CHECK(run_pool(OpType::MaxPool, k, neg, &shape)[0] == -20.0f);
}

TEST_CASE("pooling: ceil_mode output sizes follow the ONNX rule") {
  using kernels::pool_output_size;
  CHECK(pool_output_size(6, 3, 2, 1, 0, 0, false) == 2);
  CHECK(pool_output_size(6, 3, 2, 1, 0, 0, true) == 3);  // last window starts at 4, inside the input
  // in 3, kernel 2, stride 2, pads 1/1: ceil gives 3 windows, but the third would start at padded 4 =
  // in + pad_begin, i.e. in the end padding, so it is dropped.
  CHECK(pool_output_size(3, 2, 2, 1, 1, 1, false) == 2);
  CHECK(pool_output_size(3, 2, 2, 1, 1, 1, true) == 2);
  CHECK(pool_output_size(5, 2, 2, 1, 0, 0, true) == 3);
  CHECK(pool_output_size(5, 2, 2, 1, 0, 0, false) == 2);
  CHECK(pool_output_size(2, 3, 1, 1, 0, 0, true) < 1);
}

TEST_CASE("pooling: ceil_mode overhang is counted by neither average mode") {
  // Row of 6 values, kernel 1x3 stride 2, ceil_mode: windows start at 0, 2, 4; the last covers 4, 5 and a
  // cell beyond the input (no padding), so it averages 2 cells either way.
  PoolCase k{1, 1, 1, 6, 1, 3, 1, 2};
  k.ceil_mode = true;
  const std::vector<float> x{1, 2, 3, 4, 5, 7};
  Shape shape;
  for (bool include : {false, true}) {
    k.include_pad = include;
    CHECK(run_pool(OpType::AveragePool, k, x, &shape) == std::vector<float>{2, 4, 6});
    CHECK(shape == Shape{1, 1, 1, 3});
  }
  CHECK(run_pool(OpType::MaxPool, k, x, &shape) == std::vector<float>{3, 5, 7});
}

TEST_CASE("pooling: darknet maxpool, stride 1 keeps the shape (yolov3-tiny size 2, SPP 5/9/13, size 3)") {
  std::mt19937 rng(9);
  struct DarknetPool {
    int64_t size, stride, h, w;
  };
  const std::vector<DarknetPool> pools = {
      {2, 1, 13, 13}, {2, 1, 5, 8}, {3, 1, 10, 10}, {5, 1, 10, 10}, {9, 1, 10, 10}, {13, 1, 10, 10},
      {13, 1, 7, 9},  {5, 1, 1, 1}, {2, 2, 13, 13}, {2, 2, 416, 3}, {3, 2, 9, 6},
  };
  for (const DarknetPool& d : pools) {
    CAPTURE(d.size);
    CAPTURE(d.stride);
    CAPTURE(d.h);
    CAPTURE(d.w);
    const int64_t c = 3;
    std::vector<float> x = random_values(static_cast<size_t>(c * d.h * d.w), rng);
    int64_t oh = 0, ow = 0;
    const std::vector<float> want = darknet_maxpool(x, c, d.h, d.w, d.size, d.stride, &oh, &ow);
    // The importer's mapping: pads top/left (k-1)/2, bottom/right the rest.
    const int64_t begin = (d.size - 1) / 2, end = d.size - 1 - begin;
    PoolCase k{1, c, d.h, d.w, d.size, d.size, d.stride, d.stride, 1, 1, begin, begin, end, end};
    Shape shape;
    const std::vector<float> got = run_pool(OpType::MaxPool, k, x, &shape);
    CHECK(shape == Shape{1, c, oh, ow});
    if (d.stride == 1) CHECK(shape == Shape{1, c, d.h, d.w});
    CHECK(got == want);
  }
}

TEST_CASE("pooling: random shapes against a float64 loop over an explicitly padded grid") {
  const std::vector<PoolCase> cases = {
      {1, 2, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},         // odd sizes, stride 2, same pads
      {2, 3, 1, 1, 1, 1},                                 // 1x1 spatial
      {1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},         // 1x1 spatial, padded 3x3
      {1, 2, 9, 11, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},        // dilation 2
      {1, 2, 10, 7, 3, 2, 2, 1, 2, 1, 0, 1, 2, 1},        // asymmetric pads, mixed dilation
      {1, 2, 8, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true},   // ceil_mode
      {1, 2, 7, 6, 2, 3, 2, 2, 1, 1, 0, 1, 1, 0, true},   // ceil_mode asymmetric
      {1, 2, 11, 5, 3, 2, 3, 2, 1, 1, 0, 0, 0, 0, true},  // ceil_mode overhang without padding
      {1, 1, 6, 7, 4, 3, 1, 2, 1, 1, 2, 1, 1, 2},         // even kernel height, stride 1 x 2
  };
  std::mt19937 rng(42);
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    for (bool include : {false, true}) {
      PoolCase k = cases[ci];
      k.include_pad = include;
      CAPTURE(ci);
      CAPTURE(include);
      const std::vector<float> x = random_values(static_cast<size_t>(k.n * k.c * k.h * k.w), rng);
      Shape shape;
      const Expected avg = pool_on_grid(k, false, x);
      const std::vector<float> got_avg = run_pool(OpType::AveragePool, k, x, &shape);
      CHECK(shape == Shape{k.n, k.c, avg.oh, avg.ow});
      // Sum in double, one division, one rounding: within 3e-7 relative (values are O(1) and do not cancel
      // to tiny results often enough to matter; the float64 loop sums in a different order only).
      check_close(got_avg, avg.y, 3e-7);
      if (!include) {
        const Expected mx = pool_on_grid(k, true, x);
        const std::vector<float> got_max = run_pool(OpType::MaxPool, k, x, &shape);
        CHECK(shape == Shape{k.n, k.c, mx.oh, mx.ow});
        check_close(got_max, mx.y, 0.0 + 1e-300);  // max is exact
      }
    }
  }
}

TEST_CASE("pooling: max propagates NaN, average with count_include_pad allows padding-only windows") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  PoolCase k{1, 1, 2, 2, 2, 2};
  Shape shape;
  std::vector<float> y = run_pool(OpType::MaxPool, k, {1, nan, 3, 2}, &shape);
  CHECK(std::isnan(y[0]));
  // 1x1 input, kernel 1, pads 1 on every side: 3x3 output, only the centre window sees the input.
  PoolCase p{1, 1, 1, 1, 1, 1};
  p.pt = p.pl = p.pb = p.pr = 1;
  p.include_pad = true;
  y = run_pool(OpType::AveragePool, p, {5}, &shape);
  CHECK(shape == Shape{1, 1, 3, 3});
  CHECK(y == std::vector<float>{0, 0, 0, 0, 5, 0, 0, 0, 0});
}

TEST_CASE("pooling: global average pool") {
  // Hand-computed: planes of 1..4 and 10..40.
  Shape shape;
  std::vector<float> y = run_pool(OpType::GlobalAveragePool, {1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40}, {}, &shape);
  CHECK(shape == Shape{1, 2, 1, 1});
  CHECK(y == std::vector<float>{2.5f, 25});
  // Random ranks 3..5 against a float64 sum.
  std::mt19937 rng(5);
  for (Shape s : {Shape{2, 3, 7}, Shape{1, 4, 5, 9}, Shape{2, 2, 3, 1, 5}, Shape{1, 3, 1, 1}}) {
    CAPTURE(s.str());
    std::vector<float> x = random_values(static_cast<size_t>(s.numel()), rng);
    Shape out;
    y = run_pool(OpType::GlobalAveragePool, s, x, {}, &out);
    Shape want_shape = s;
    for (int i = 2; i < s.rank; ++i) want_shape[i] = 1;
    CHECK(out == want_shape);
    const int64_t plane = s.numel(2, s.rank);
    std::vector<double> want;
    for (int64_t p = 0; p < s.numel(0, 2); ++p) {
      double sum = 0;
      for (int64_t i = plane - 1; i >= 0; --i) sum += x[static_cast<size_t>(p * plane + i)];  // reverse order
      want.push_back(sum / static_cast<double>(plane));
    }
    // Random signs may cancel, so the error bound is relative to the mean of |x| (<= 1), not the result.
    for (size_t i = 0; i < y.size(); ++i) CHECK(std::fabs(y[i] - want[i]) <= 3e-7 * std::fabs(want[i]) + 1e-15);
  }
}

TEST_CASE("pooling: shape and attribute errors name the node") {
  auto expect = [](const std::string& msg, const char* reason) {
    INFO(msg);
    CHECK(msg.find("'bad_pool'") != std::string::npos);
    CHECK(msg.find(reason) != std::string::npos);
  };
  auto attrs = [](std::vector<int64_t> kernel, std::vector<int64_t> pads) {
    Attributes a;
    a.set("kernel_shape", std::move(kernel));
    a.set("pads", std::move(pads));
    return a;
  };
  expect(pool_error(OpType::MaxPool, {1, 1, 4, 4}, {}), "attribute 'kernel_shape' is required");
  expect(pool_error(OpType::MaxPool, {1, 1, 4, 4}, attrs({5, 5}, {0, 0, 0, 0})), "larger than the padded input 4x4");
  expect(pool_error(OpType::AveragePool, {1, 1, 4, 4}, attrs({2, 2}, {0, 0, 0})), "'pads' must have 4 values, got 3");
  expect(pool_error(OpType::MaxPool, {1, 1, 4, 4}, attrs({2}, {0, 0, 0, 0})), "'kernel_shape' must have 2 values");
  expect(pool_error(OpType::MaxPool, {1, 1, 4, 4}, attrs({2, 2}, {2, 0, 0, 0})), "covers no input cell");
  expect(pool_error(OpType::AveragePool, {1, 1, 4, 4}, attrs({2, 2}, {0, 0, 0, 3})), "covers no input cell");
  expect(pool_error(OpType::MaxPool, {1, 4, 4}, attrs({2, 2}, {0, 0, 0, 0})), "rank 4");
  Attributes ceil = attrs({2, 2}, {0, 0, 0, 0});
  ceil.set("ceil_mode", int64_t{2});
  expect(pool_error(OpType::MaxPool, {1, 1, 4, 4}, ceil), "ceil_mode must be 0 or 1");
  Attributes stride = attrs({2, 2}, {0, 0, 0, 0});
  stride.set("strides", std::vector<int64_t>{0, 1});
  expect(pool_error(OpType::MaxPool, {1, 1, 4, 4}, stride), "'strides' values must be >= 1");
  expect(pool_error(OpType::GlobalAveragePool, {2, 3}, {}), "rank >= 3");
}
