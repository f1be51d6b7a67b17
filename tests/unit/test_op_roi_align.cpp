// RoiAlign: hand-computed bins (one sample at a bilinear point, both coordinate modes, max mode's weighted
// corners), random feature maps and rois (inside, across the border, reversed, tiny, many times the map) for
// avg/max x half_pixel/output_half_pixel x sampling ratios 0..3 x spatial scales on every path against a
// float64 oracle that visits EVERY sample of every bin (the kernel skips the ones outside the map by
// arithmetic), rois and batch indices computed at run time, batch indices outside [0, N) (zeros), NaN rois
// (NaN), a roi of 10^7 pixels (bounded work), threads against the reference path, and the load errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

struct Setting {
  const char* mode = "avg";
  const char* coords = "half_pixel";
  int64_t out_h = 1, out_w = 1, sampling_ratio = 0;
  float scale = 1.0f;
};

Attributes roi_attrs(const Setting& s) {
  return attrs({{"mode", std::string(s.mode)},
                {"coordinate_transformation_mode", std::string(s.coords)},
                {"output_height", s.out_h},
                {"output_width", s.out_w},
                {"sampling_ratio", s.sampling_ratio},
                {"spatial_scale", s.scale}});
}

Tensor indices_tensor(const std::vector<int64_t>& v) { return Tensor::from_i64({static_cast<int64_t>(v.size())}, v); }

Result run_roi_align(const Tensor& x, const std::vector<float>& rois, const std::vector<int64_t>& batch,
                     const Setting& s, int threads = 1, std::optional<KernelPath> path = std::nullopt) {
  const Tensor r = Tensor::from_f32({static_cast<int64_t>(batch.size()), 4}, rois);
  return run_node(OpType::RoiAlign, {x, r, indices_tensor(batch)}, roi_attrs(s), 1, threads, path);
}

// The float64 oracle: every sample of every bin, the bilinear value from the four pixels around it.
std::vector<float> oracle(const Tensor& x, const std::vector<float>& rois, const std::vector<int64_t>& batch,
                          const Setting& s) {
  const int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const int64_t R = static_cast<int64_t>(batch.size());
  std::vector<float> out(static_cast<size_t>(R * C * s.out_h * s.out_w), 0.0f);
  const bool half = std::string(s.coords) == "half_pixel", avg = std::string(s.mode) == "avg";
  for (int64_t r = 0; r < R; ++r) {
    if (batch[size_t(r)] < 0 || batch[size_t(r)] >= N) continue;  // zeros
    const float* box = &rois[size_t(r * 4)];
    const double shift = half ? 0.5 : 0.0;
    const double x0 = box[0] * double(s.scale) - shift, y0 = box[1] * double(s.scale) - shift;
    double w = box[2] * double(s.scale) - shift - x0, h = box[3] * double(s.scale) - shift - y0;
    if (!half) {
      w = std::max(w, 1.0);
      h = std::max(h, 1.0);
    }
    const double bh = h / s.out_h, bw = w / s.out_w;
    const int64_t gh = s.sampling_ratio > 0 ? s.sampling_ratio : static_cast<int64_t>(std::ceil(bh));
    const int64_t gw = s.sampling_ratio > 0 ? s.sampling_ratio : static_cast<int64_t>(std::ceil(bw));
    for (int64_t c = 0; c < C; ++c) {
      const float* plane = x.f32() + (batch[size_t(r)] * C + c) * H * W;
      auto at = [&](int64_t yy, int64_t xx) { return double(plane[yy * W + xx]); };
      for (int64_t ph = 0; ph < s.out_h; ++ph)
        for (int64_t pw = 0; pw < s.out_w; ++pw) {
          double sum = 0, best = -std::numeric_limits<double>::infinity();
          int64_t seen = 0;
          for (int64_t iy = 0; iy < gh; ++iy)
            for (int64_t ix = 0; ix < gw; ++ix) {
              double sy = y0 + ph * bh + (iy + 0.5) * bh / gh, sx = x0 + pw * bw + (ix + 0.5) * bw / gw;
              ++seen;
              if (sy < -1 || sy > H || sx < -1 || sx > W) {
                best = std::max(best, 0.0);
                continue;
              }
              sy = std::clamp(sy, 0.0, double(H - 1));  // the low index is then min(floor, H - 1)
              sx = std::clamp(sx, 0.0, double(W - 1));
              const int64_t ylo = std::min<int64_t>(static_cast<int64_t>(std::floor(sy)), H - 1);
              const int64_t xlo = std::min<int64_t>(static_cast<int64_t>(std::floor(sx)), W - 1);
              const int64_t yhi = std::min(ylo + 1, H - 1), xhi = std::min(xlo + 1, W - 1);
              const double fy = sy - ylo, fx = sx - xlo;
              const double corner[4] = {(1 - fy) * (1 - fx) * at(ylo, xlo), (1 - fy) * fx * at(ylo, xhi),
                                        fy * (1 - fx) * at(yhi, xlo), fy * fx * at(yhi, xhi)};
              sum += corner[0] + corner[1] + corner[2] + corner[3];
              best = std::max({best, corner[0], corner[1], corner[2], corner[3]});
            }
          const double v = avg ? sum / double(std::max<int64_t>(gh * gw, 1)) : (seen ? best : 0.0);
          out[size_t(((r * C + c) * s.out_h + ph) * s.out_w + pw)] = static_cast<float>(v);
        }
    }
  }
  return out;
}

double worst_error(const Tensor& got, const std::vector<float>& want) {
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::fabs(double(got.f32()[i]) - want[i]) / (1 + std::fabs(want[i])));
  return worst;
}

}  // namespace

TEST_CASE("roi align: hand-computed bins, both coordinate modes, max mode's weighted corners") {
  const Tensor x = iota_tensor({1, 1, 4, 4});  // value 4 y + x
  Setting s;
  s.sampling_ratio = 1;
  // One sample at the roi's centre (1.5, 1.5): 4 * 1.5 + 1.5.
  s.coords = "output_half_pixel";
  CHECK(run_roi_align(x, {0, 0, 3, 3}, {0}, s).outputs[0].f32()[0] == doctest::Approx(7.5));
  s.coords = "half_pixel";  // shifted by -0.5: the same point
  CHECK(run_roi_align(x, {0.5f, 0.5f, 3.5f, 3.5f}, {0}, s).outputs[0].f32()[0] == doctest::Approx(7.5));
  // max mode: the largest of the four corners times its weight (0.25 each), 0.25 * 10, not 7.5.
  s.mode = "max";
  CHECK(run_roi_align(x, {0.5f, 0.5f, 3.5f, 3.5f}, {0}, s).outputs[0].f32()[0] == doctest::Approx(2.5));
  // 2 x 2 bins of a 2 x 2 roi from (0, 0), 2 samples per axis at 0.25 and 0.75 in each bin: bin (0, 0)
  // averages 4 y + x over y, x in {0.25, 0.75}: 2.5; bin (1, 1) over {1.25, 1.75}: 7.5.
  s = Setting{"avg", "output_half_pixel", 2, 2, 2, 1.0f};
  const auto r = run_roi_align(x, {0, 0, 2, 2}, {0}, s);
  CHECK(r.outputs[0].f32()[0] == doctest::Approx(2.5));
  CHECK(r.outputs[0].f32()[1] == doctest::Approx(3.5));
  CHECK(r.outputs[0].f32()[3] == doctest::Approx(7.5));
  // spatial_scale 0.5 on a roi in image coordinates twice as large: the same bins.
  s.scale = 0.5f;
  CHECK(values_of(run_roi_align(x, {0, 0, 4, 4}, {0}, s).outputs[0]) == values_of(r.outputs[0]));
  // A sample past the last row/column reads the edge: a roi at the bottom-right corner.
  s = Setting{"avg", "output_half_pixel", 1, 1, 1, 1.0f};
  CHECK(run_roi_align(x, {3, 3, 4.5f, 4.5f}, {0}, s).outputs[0].f32()[0] == doctest::Approx(15));
}

TEST_CASE("roi align: random maps and rois, every mode, coordinate mode and sampling ratio, every path") {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> pos(-6.0f, 16.0f), size(0.2f, 9.0f);
  const Shape maps[] = {{2, 3, 7, 9}, {1, 2, 5, 4}, {3, 1, 1, 6}};
  for (const Shape& shape : maps)
    for (const char* mode : {"avg", "max"})
      for (const char* coords : {"half_pixel", "output_half_pixel"})
        for (int64_t ratio : {0, 1, 2, 3})
          for (float scale : {1.0f, 0.5f}) {
            const Tensor x = random_tensor(shape, rng, -3, 3);
            std::vector<float> rois;
            std::vector<int64_t> batch;
            for (int k = 0; k < 6; ++k) {
              const float x1 = pos(rng), y1 = pos(rng);
              rois.insert(rois.end(), {x1, y1, x1 + size(rng), y1 + size(rng)});
              batch.push_back(static_cast<int64_t>(k % shape[0]));
            }
            rois.insert(rois.end(), {5, 6, 2, 1});        // reversed: empty bins with half_pixel
            rois.insert(rois.end(), {-30, -20, 60, 50});  // far larger than the map: many outside samples
            batch.insert(batch.end(), {0, shape[0] - 1});
            const Setting s{mode, coords, 3, 2, ratio, scale};
            const std::vector<float> want = oracle(x, rois, batch, s);
            for (KernelPath path : supported_kernel_paths()) {
              CAPTURE(shape.str());
              CAPTURE(mode);
              CAPTURE(coords);
              CAPTURE(ratio);
              CAPTURE(scale);
              CAPTURE(kernel_path_name(path));
              const auto r = run_roi_align(x, rois, batch, s, 1, path);
              CHECK(worst_error(r.outputs[0], want) <= 1e-6);
              CHECK(r.run_allocations == 0);
            }
          }
}

TEST_CASE("roi align: rois and batch indices computed at run time, out-of-range indices give zeros") {
  // Every input of the node is a graph input here, so the rois and indices are fed per run like data.
  std::mt19937 rng(22);
  const Tensor x = random_tensor({2, 2, 6, 5}, rng);
  const Setting s{"avg", "half_pixel", 2, 2, 0, 1.0f};
  const std::vector<float> rois = {0, 0, 4, 4, 1, 2, 5, 6, 2, 1, 3, 3, 0, 0, 5, 6};
  const std::vector<int64_t> batch = {1, 2, -1, 0};  // 2 and -1 are outside [0, 2)
  const auto r = run_roi_align(x, rois, batch, s);
  const std::vector<float> want = oracle(x, rois, batch, s);
  CHECK(worst_error(r.outputs[0], want) <= 1e-6);
  for (int64_t i = 8; i < 24; ++i) CHECK(r.outputs[0].f32()[i] == 0.0f);  // rois 1 and 2: all channels
  CHECK(r.outputs[0].f32()[0] != 0.0f);
}

TEST_CASE("roi align: NaN rois give NaN, huge rois finish with the oracle's value, threads match the reference") {
  std::mt19937 rng(23);
  const Tensor x = random_tensor({1, 2, 6, 6}, rng);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Setting s{"avg", "half_pixel", 2, 2, 0, 1.0f};
  const auto r = run_roi_align(x, {nan, 0, 3, 3, 0, 0, 3, 3}, {0, 0}, s);
  for (int64_t i = 0; i < 8; ++i) CHECK(std::isnan(r.outputs[0].f32()[i]));
  CHECK(!std::isnan(r.outputs[0].f32()[8]));
  // A roi of 10^7 pixels: an adaptive grid of 5 * 10^6 samples per axis per bin, of which only those over the
  // map are visited; almost every sample is outside, so the average is tiny but the max sees the map.
  const auto big = run_roi_align(x, {-5e6f, -5e6f, 5e6f, 5e6f}, {0}, s);
  for (int64_t i = 0; i < 8; ++i) CHECK(std::fabs(big.outputs[0].f32()[i]) < 1e-9f);
  Setting m = s;
  m.mode = "max";
  const auto big_max = run_roi_align(x, {-5e6f, -5e6f, 5e6f, 5e6f}, {0}, m);
  // Bin (1, 1) of channel 0 samples every pixel at integer positions (weight 1 on one corner, 0 on the
  // others), and outside samples count as 0.
  const float channel0_max = *std::max_element(x.f32(), x.f32() + 36);
  CHECK(big_max.outputs[0].f32()[3] == std::max(channel0_max, 0.0f));
  // 300 rois split over 2 threads: the same bits as the reference path.
  std::vector<float> rois;
  std::vector<int64_t> batch(300, 0);
  std::uniform_real_distribution<float> pos(-2.0f, 7.0f);
  for (int k = 0; k < 300; ++k) {
    const float a = pos(rng), b = pos(rng);
    rois.insert(rois.end(), {a, b, a + 3, b + 2});
  }
  const Setting t{"max", "output_half_pixel", 7, 7, 2, 1.0f};
  const auto want = run_roi_align(x, rois, batch, t, 1, KernelPath::Reference);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    CHECK(values_of(run_roi_align(x, rois, batch, t, 2, path).outputs[0]) == values_of(want.outputs[0]));
  }
}

TEST_CASE("roi align: load errors name the node") {
  auto err = [](const Shape& x, const Shape& rois, const Shape& idx, const Attributes& a = {},
                DType idx_type = DType::I64) {
    try {
      Engine e(single_node_graph(OpType::RoiAlign,
                                 {Tensor(DType::F32, x), Tensor(DType::F32, rois), Tensor(idx_type, idx)}, a, 1));
    } catch (const Error& ex) {
      const std::string m = ex.what();
      CHECK(m.find(kNodeName) != std::string::npos);
      return m;
    }
    return std::string("(loaded)");
  };
  CHECK(err({1, 2, 4}, {3, 4}, {3}).find("X must have shape [N, C, H, W]") != std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 5}, {3}).find("rois must have shape [num_rois, 4], got [3,5]") != std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {2}).find("batch_indices must have shape [3]") != std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, {}, DType::F32).find("batch_indices must be i64") != std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, attrs({{"mode", std::string("sum")}})).find("mode 'sum'") != std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, attrs({{"output_height", int64_t{0}}})).find("output_height") !=
        std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, attrs({{"sampling_ratio", int64_t{-1}}})).find("sampling_ratio must be in") !=
        std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, attrs({{"sampling_ratio", int64_t{5000}}})).find("[0, 4096]") !=
        std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, attrs({{"spatial_scale", INFINITY}})).find("spatial_scale must be finite") !=
        std::string::npos);
  CHECK(err({1, 2, 4, 4}, {3, 4}, {3}, attrs({{"coordinate_transformation_mode", std::string("align_corners")}}))
            .find("coordinate_transformation_mode 'align_corners'") != std::string::npos);
}
