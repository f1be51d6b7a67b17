// conv2d_winograd (kernels/conv2d_winograd, F(4x4,3x3) and F(2x2,3x3)): every ISA path this CPU has
// against conv2d_reference (float64 accumulation) on 500 random shapes per tile (1x1, 2x3, odd and large images; odd
// channel counts; pads 0..4 on each side, larger than the kernel too; batch 1..2; bias on/off; every activation), plus
// the actdet-tiny layer shapes, thread-split invariance and parameter rejection.
//
// Tolerance for one output, with T the tile magnitude (tile_magnitude below): |pre-activation error| <= E =
// 2^-24 * T * f * (1 + sqrt(9 C) / 8), f = 16 for F(4,3) and 8 for F(2,3). Why: the transforms scale the
// terms up (F(4,3)'s points 0, +-2/3, +-3/2 more than F(2,3)'s 0, +-1) before the float GEMM sums 9C-ish
// terms whose rounding errors grow like sqrt(C) for these random signs. The first two tests print the
// measured max |err| / E: about 0.06 for F(4,3) and 0.02 for F(2,3) on the random shapes (docs/KERNELS.md).
// After the activation: L * E + 2^-20 * |ref| + 1e-37 as in test_depthwise_conv.cpp.
#include <algorithm>
#include <cstring>
#include <string>

#include "kernels/conv2d_winograd/conv2d_winograd.h"
#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;
using namespace isa_test;

namespace {

std::string describe(const Conv2dParams& p) {
  return "N" + std::to_string(p.batch) + " C" + std::to_string(p.in_channels) + " K" + std::to_string(p.out_channels) +
         " " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + " pad " + std::to_string(p.pad_top) + "," +
         std::to_string(p.pad_left) + " out " + std::to_string(p.out_h) + "x" + std::to_string(p.out_w) + " act " +
         std::string(activation_name(p.activation.kind));
}

// The Winograd error of an output scales with the whole (m+2)x(m+2) input window of its tile, not with its
// own taps: an output at the border whose taps are mostly padding still carries the rounding error of the
// neighbouring inputs that share its tile. T[n,m,oh,ow] = |bias[m]| + sum_c max_ij |w[m,c,i,j]| * sum over
// the tile's input window (inside the image) of |x[n,c,.,.]|.
std::vector<double> tile_magnitude(const Conv2dParams& p, WinogradTile tile, const std::vector<float>& x,
                                   const std::vector<float>& w, const std::vector<float>& bias) {
  std::vector<double> t(p.batch * p.out_channels * p.out_h * p.out_w, 0.0);
  const int64_t tm = static_cast<int64_t>(tile), edge = tm + 2;  // output and input tile edges
  const int64_t tiles_w = (p.out_w + tm - 1) / tm;
  const int64_t tiles_h = (p.out_h + tm - 1) / tm;
  for (int64_t n = 0; n < p.batch; ++n) {
    // window sums per channel and tile
    std::vector<double> win(p.in_channels * tiles_h * tiles_w, 0.0);
    for (int64_t c = 0; c < p.in_channels; ++c)
      for (int64_t th = 0; th < tiles_h; ++th)
        for (int64_t tw = 0; tw < tiles_w; ++tw) {
          double a = 0.0;
          for (int64_t r = 0; r < edge; ++r)
            for (int64_t q = 0; q < edge; ++q) {
              const int64_t ih = tm * th - p.pad_top + r, iw = tm * tw - p.pad_left + q;
              if (ih >= 0 && iw >= 0 && ih < p.in_h && iw < p.in_w)
                a += std::fabs(double(x[((n * p.in_channels + c) * p.in_h + ih) * p.in_w + iw]));
            }
          win[(c * tiles_h + th) * tiles_w + tw] = a;
        }
    for (int64_t m = 0; m < p.out_channels; ++m)
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          double acc = bias.empty() ? 0.0 : std::fabs(double(bias[m]));
          for (int64_t c = 0; c < p.in_channels; ++c) {
            double wmax = 0.0;
            for (int e = 0; e < 9; ++e) wmax = std::max(wmax, std::fabs(double(w[(m * p.in_channels + c) * 9 + e])));
            acc += wmax * win[(c * tiles_h + oh / tm) * tiles_w + ow / tm];
          }
          t[((n * p.out_channels + m) * p.out_h + oh) * p.out_w + ow] = acc;
        }
  }
  return t;
}

double pre_bound(const Conv2dParams& p, WinogradTile tile, double s) {
  const double factor = tile == WinogradTile::F4x3 ? 16.0 : 8.0;
  return std::ldexp(s, -24) * factor * (1.0 + std::sqrt(9.0 * double(p.in_channels)) / 8.0);
}

// A parallel_for that runs the task one index at a time in reverse order, to show the split is free.
void reverse_parallel_for(void*, int64_t tasks, void (*task)(void*, int64_t, int64_t), void* arg) {
  for (int64_t t = tasks - 1; t >= 0; --t) task(arg, t, t + 1);
}

// conv2d_winograd on one path with `threads` workspace slots (more than one: the tasks run through
// reverse_parallel_for). y starts at `fill`; the comparisons across thread counts use different fills, so
// an output that one run leaves unwritten cannot match.
std::vector<float> run_winograd(KernelIsa isa, WinogradTile tile, const Conv2dParams& p, const std::vector<float>& x,
                                const std::vector<float>& w, const float* bias, int threads, float fill = -7.0f) {
  std::vector<float> packed(conv2d_winograd_packed_floats(isa, tile, p));
  conv2d_winograd_pack(isa, tile, p, w.data(), packed.data());
  std::vector<float> y(p.batch * p.out_channels * p.out_h * p.out_w, fill);
  std::vector<unsigned char> ws(conv2d_winograd_workspace_bytes(isa, tile, p, threads));
  WinogradThreading th;
  th.threads = threads;
  if (threads > 1) th.parallel_for = reverse_parallel_for;
  conv2d_winograd(isa, tile, p, x.data(), packed.data(), bias, y.data(), ws.data(), th);
  return y;
}

struct Outcome {
  double worst_ratio = 0.0;     // max |err| / T (tile magnitude) over outputs without activation
  double worst_own = 0.0;       // max |err| / S (the output's own taps) over outputs without activation
  double worst_of_bound = 0.0;  // max |err| / pre_bound: how close the outputs without activation come to it
  bool ok = true;
};

Outcome check(WinogradTile tile, const Conv2dParams& p, std::mt19937& rng, bool with_bias, int threads = 1) {
  Outcome out;
  const auto x = random_vector(rng, p.batch * p.in_channels * p.in_h * p.in_w);
  const auto w = random_vector(rng, p.out_channels * p.in_channels * 9);
  const auto bias = with_bias ? random_vector(rng, p.out_channels) : std::vector<float>{};
  const size_t out_size = p.batch * p.out_channels * p.out_h * p.out_w;
  std::vector<float> ref(out_size);
  conv2d_reference(p, x.data(), w.data(), with_bias ? bias.data() : nullptr, ref.data());
  const auto s = magnitude(p, x, w, bias);
  const auto tile_s = tile_magnitude(p, tile, x, w, bias);
  for (KernelIsa isa : available_isas()) {
    const auto y = run_winograd(isa, tile, p, x, w, with_bias ? bias.data() : nullptr, threads);
    for (size_t o = 0; o < out_size; ++o) {
      const double err = std::fabs(double(y[o]) - double(ref[o]));
      if (tile_s[o] > 0 && p.activation.kind == Activation::None)
        out.worst_ratio = std::max(out.worst_ratio, err / tile_s[o]);
      if (s[o] > 0 && p.activation.kind == Activation::None) out.worst_own = std::max(out.worst_own, err / s[o]);
      if (tile_s[o] > 0 && p.activation.kind == Activation::None)
        out.worst_of_bound = std::max(out.worst_of_bound, err / pre_bound(p, tile, tile_s[o]));
      const double tol =
          lipschitz(p.activation) * pre_bound(p, tile, tile_s[o]) + std::ldexp(std::fabs(ref[o]), -20) + 1e-37;
      if (!(err <= tol)) {
        FAIL_CHECK(std::string(kernel_isa_name(isa))
                   << " " << std::string(winograd_tile_name(tile)) << " " << describe(p) << " output " << o << ": "
                   << y[o] << " vs " << ref[o] << " tol " << tol);
        out.ok = false;
        break;
      }
    }
  }
  return out;
}

Conv2dParams shape(int64_t c, int64_t k, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t pb, int64_t pr) {
  Conv2dParams p;
  p.in_channels = c, p.out_channels = k, p.in_h = h, p.in_w = w;
  p.kernel_h = p.kernel_w = 3;
  p.pad_top = pt, p.pad_left = pl;
  p.out_h = conv_output_size(h, 3, 1, 1, pt, pb);
  p.out_w = conv_output_size(w, 3, 1, 1, pl, pr);
  return p;
}

}  // namespace

const WinogradTile kTiles[] = {WinogradTile::F4x3, WinogradTile::F2x3};

TEST_CASE("conv2d_winograd: every path and tile matches conv2d_reference on 500 random shapes") {
  for (WinogradTile tile : kTiles) {
    std::mt19937 rng(4242 + static_cast<int>(tile));
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    double worst = 0.0, worst_own = 0.0, worst_of_bound = 0.0;
    int checked = 0;
    for (int index = 0; checked < 500; ++index) {
      int64_t h, w;
      const int size_kind = index % 10;
      if (size_kind == 0)
        h = w = 1;
      else if (size_kind == 1)
        h = 2, w = 3;
      else if (size_kind == 2)
        h = pick(50, 90), w = pick(50, 90);
      else
        h = pick(1, 30), w = pick(1, 30);
      const int64_t c = size_kind == 2 ? pick(1, 4) : (pick(0, 1) ? 2 * pick(0, 12) + 1 : pick(1, 40));
      const int64_t k = size_kind == 2 ? pick(1, 5) : pick(1, 37);
      int64_t pads[4];
      for (auto& v : pads) v = pick(0, 2) == 0 ? 1 : pick(0, 4);
      Conv2dParams p = shape(c, k, h, w, pads[0], pads[1], pads[2], pads[3]);
      if (p.out_h < 1 || p.out_w < 1) continue;
      p.batch = pick(0, 4) == 0 ? 2 : 1;
      p.activation = random_activation(rng, index);
      REQUIRE(conv2d_winograd_supported(p));
      const Outcome o = check(tile, p, rng, pick(0, 3) != 0);
      worst = std::max(worst, o.worst_ratio);
      worst_own = std::max(worst_own, o.worst_own);
      worst_of_bound = std::max(worst_of_bound, o.worst_of_bound);
      ++checked;
    }
    MESSAGE("winograd " << std::string(winograd_tile_name(tile)) << ": " << checked << " shapes x "
                        << available_isas().size() << " paths, no activation: max |err|/T = " << worst
                        << ", max |err|/S = " << worst_own << ", max |err|/bound = " << worst_of_bound);
  }
}

TEST_CASE("conv2d_winograd: actdet-tiny stride-1 3x3 layer shapes (channels reduced where the reference is slow)") {
  std::mt19937 rng(99);
  // L2 64->64 at 64x64, L4/L5 32->32 at 64x64, L10 128x128 at 32x32 (as 128->32), L26 512x512 at 8x8 (as
  // 512->24), H6 384->256 at 16x16 (as 384->16): the real in_channels and image sizes.
  const int64_t cases[][4] = {
      {64, 64, 64, 64}, {32, 32, 64, 64}, {128, 32, 32, 32}, {512, 24, 8, 8}, {384, 16, 16, 16}};
  for (WinogradTile tile : kTiles)
    for (const auto& cs : cases) {
      Conv2dParams p = shape(cs[0], cs[1], cs[2], cs[3], 1, 1, 1, 1);
      const Outcome o = check(tile, p, rng, true);  // no activation, so the error ratios are measured
      MESSAGE(std::string(winograd_tile_name(tile))
              << " C" << cs[0] << " K" << cs[1] << " " << cs[2] << "x" << cs[3] << " max |err|/T = " << o.worst_ratio
              << ", max |err|/S = " << o.worst_own << ", max |err|/bound = " << o.worst_of_bound);
    }
}

TEST_CASE("conv2d_winograd: a task split over 3 slots in reverse order gives the same values") {
  std::mt19937 rng(5);
  Conv2dParams p = shape(13, 21, 37, 29, 1, 2, 0, 1);
  p.activation = {Activation::Silu, 0, 0};
  const auto x = random_vector(rng, p.in_channels * p.in_h * p.in_w);
  const auto w = random_vector(rng, p.out_channels * p.in_channels * 9);
  const auto bias = random_vector(rng, p.out_channels);
  for (WinogradTile tile : kTiles) {
    for (KernelIsa isa : available_isas())
      CHECK(run_winograd(isa, tile, p, x, w, bias.data(), 1) == run_winograd(isa, tile, p, x, w, bias.data(), 3, 7.0f));
    check(tile, p, rng, true, 3);
  }
}

TEST_CASE("conv2d_winograd: single-block images split over channels give the same values for 2 and 3 slots") {
  // Outputs of at most 16x16 (F(4,3)) or 8x8 (F(2,3)) are one tile block on the AVX2/AVX-512 paths (rows
  // of tiles packed several to a vector): there the slots split input channels and then output-channel
  // panels instead of blocks. Odd channel counts, fewer panels than slots, batches of 2.
  for (WinogradTile tile : kTiles) {
    std::mt19937 rng(77 + static_cast<int>(tile));
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int max_hw = tile == WinogradTile::F4x3 ? 16 : 8;
    int compared = 0;
    for (int index = 0; index < 120; ++index) {
      Conv2dParams p = shape(pick(1, 45), pick(1, 41), pick(1, max_hw), pick(1, max_hw), 1, 1, 1, 1);
      p.batch = index % 5 == 0 ? 2 : 1;
      p.activation = random_activation(rng, index);
      const auto x = random_vector(rng, p.batch * p.in_channels * p.in_h * p.in_w);
      const auto w = random_vector(rng, p.out_channels * p.in_channels * 9);
      const auto bias = random_vector(rng, p.out_channels);
      for (KernelIsa isa : available_isas()) {
        const auto y1 = run_winograd(isa, tile, p, x, w, bias.data(), 1);
        for (int threads : {2, 3}) {
          const auto yt = run_winograd(isa, tile, p, x, w, bias.data(), threads, 7.0f);
          INFO("index ", index, " threads ", threads);
          CHECK(std::memcmp(y1.data(), yt.data(), y1.size() * sizeof(float)) == 0);
          ++compared;
        }
      }
      if (index % 10 == 0) check(tile, p, rng, true, 2);  // and against conv2d_reference
    }
    CHECK(compared >= 240);
  }
}

TEST_CASE("conv2d_winograd: batches of small images (shared transforms, one GEMM per component) for 1-3 slots") {
  // Batches of images smaller than one tile block are transformed a group of images at a time into one V and M,
  // and each transform component is one packed GEMM over the group. Batches of 2-7 small random shapes, and
  // one batch per tile that splits into several groups.
  for (WinogradTile tile : kTiles) {
    std::mt19937 rng(31 + static_cast<int>(tile));
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int index = 0; index < 41; ++index) {
      // The last case is big enough for several groups: F(2,3) 256 -> 256 at 8x8 in a batch of 17 (a group
      // of 16, then 1); F(4,3) 192 -> 192 at 16x16 in a batch of 10 (the budget fits 9 images, rounded down
      // to 8 for whole GEMM panels, then 2).
      const bool big = index == 40;
      const bool f4 = tile == WinogradTile::F4x3;
      Conv2dParams p = big ? (f4 ? shape(192, 192, 16, 16, 1, 1, 1, 1) : shape(256, 256, 8, 8, 1, 1, 1, 1))
                           : shape(pick(1, 40), pick(1, 40), pick(1, 14), pick(1, 14), pick(0, 2), pick(0, 2),
                                   pick(0, 2), pick(0, 2));
      if (p.out_h < 1 || p.out_w < 1) continue;
      p.batch = big ? (f4 ? 10 : 17) : pick(2, 7);
      p.activation = random_activation(rng, index);
      check(tile, p, rng, index % 2 == 0, 1 + index % 3);
      const auto x = random_vector(rng, p.batch * p.in_channels * p.in_h * p.in_w);
      const auto w = random_vector(rng, p.out_channels * p.in_channels * 9);
      const auto bias = random_vector(rng, p.out_channels);
      for (KernelIsa isa : available_isas()) {
        const auto y1 = run_winograd(isa, tile, p, x, w, bias.data(), 1);
        const auto y3 = run_winograd(isa, tile, p, x, w, bias.data(), 3, 7.0f);
        INFO(kernel_isa_name(isa), " ", winograd_tile_name(tile), " ", describe(p));
        CHECK(std::memcmp(y1.data(), y3.data(), y1.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("conv2d_winograd: supported() only accepts 3x3 stride-1 dilation-1 group-1") {
  Conv2dParams p = shape(4, 4, 5, 5, 1, 1, 1, 1);
  CHECK(conv2d_winograd_supported(p));
  Conv2dParams q = p;
  q.stride_h = 2;
  CHECK_FALSE(conv2d_winograd_supported(q));
  q = p;
  q.dilation_w = 2;
  CHECK_FALSE(conv2d_winograd_supported(q));
  q = p;
  q.group = 2;
  CHECK_FALSE(conv2d_winograd_supported(q));
  q = p;
  q.kernel_h = q.kernel_w = 5;
  CHECK_FALSE(conv2d_winograd_supported(q));
}
