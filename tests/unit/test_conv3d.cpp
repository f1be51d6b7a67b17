// kernels/conv3d: conv3d_reference against an independent float64 loop (over an explicitly zero-padded copy
// of X, no bounds checks) and hand-computed values; conv3d_gemm (the fast path) against conv3d_reference on
// 520 random convs on every ISA path the CPU has (odd channel counts, tiny and larger volumes, strides,
// dilations, paddings incl. larger than the kernel, groups incl. depthwise, pointwise, batch, every
// activation, several vol2col blocks, threads); conv3d_depthwise (the direct depthwise kernel, both its
// padded-planes and its rows variant) against conv3d_reference on 400 random depthwise convs per ISA path,
// channel ranges split, and on a depth kernel long enough for several partial-sum passes.
//
// Tolerance of the fast path (docs/OPERATORS.md), as for conv2d_gemm: with S = the same conv over |x|, |w|,
// |bias| and K = Cg*kd*kh*kw, the output may differ by L * (4 * 2^-23 * sqrt(K + 2) * S + 2^-24 * S) +
// 2^-20 * |expected| (L = the activation's Lipschitz bound).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/thread_pool.h"
#include "epilogue_test_support.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv3d/conv3d.h"
#include "kernels/conv3d/conv3d_depthwise.h"
#include "kernels/gemm_packed/gemm_packed.h"

using namespace vigil::kernels;

namespace {

using vigil::test::kAllActivations;
using vigil::test::lipschitz;
using vigil::test::pool_parallel_for;
using vigil::test::serial_reversed;

struct Conv3dCase {
  Conv3dParams p;
  int64_t pad_back = 0, pad_bottom = 0, pad_right = 0;
  bool bias = false;
  std::vector<float> x, w, b;
};

int64_t pick(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}
int64_t numel_x(const Conv3dParams& p) { return p.batch * p.in_channels * p.in_d * p.in_h * p.in_w; }
int64_t numel_y(const Conv3dParams& p) { return p.batch * p.out_channels * p.out_d * p.out_h * p.out_w; }
int64_t reduction(const Conv3dParams& p) { return p.in_channels / p.group * p.kernel_d * p.kernel_h * p.kernel_w; }

void fill(std::vector<float>& v, int64_t n, std::mt19937_64& rng, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  v.resize(static_cast<size_t>(n));
  for (float& e : v) e = u(rng);
}

void make_data(Conv3dCase& c, std::mt19937_64& rng) {
  const int64_t k = reduction(c.p);
  fill(c.x, numel_x(c.p), rng, 1.0f);
  fill(c.w, c.p.out_channels * k, rng, 4.0f / std::sqrt(static_cast<float>(k)));
  fill(c.b, c.p.out_channels, rng, 1.0f);
}

// Output extents from the pads; false when the dilated kernel does not fit.
bool set_output(Conv3dCase& c) {
  Conv3dParams& p = c.p;
  p.out_d = conv_output_size(p.in_d, p.kernel_d, p.stride_d, p.dilation_d, p.pad_front, c.pad_back);
  p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, c.pad_bottom);
  p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, c.pad_right);
  return p.out_d >= 1 && p.out_h >= 1 && p.out_w >= 1;
}

std::string describe(const Conv3dCase& c) {
  const Conv3dParams& p = c.p;
  auto s = [](int64_t v) { return std::to_string(v); };
  return "N" + s(p.batch) + " C" + s(p.in_channels) + " " + s(p.in_d) + "x" + s(p.in_h) + "x" + s(p.in_w) + " M" +
         s(p.out_channels) + " k" + s(p.kernel_d) + "x" + s(p.kernel_h) + "x" + s(p.kernel_w) + " s" + s(p.stride_d) +
         "," + s(p.stride_h) + "," + s(p.stride_w) + " d" + s(p.dilation_d) + "," + s(p.dilation_h) + "," +
         s(p.dilation_w) + " pad" + s(p.pad_front) + "," + s(p.pad_top) + "," + s(p.pad_left) + " out" + s(p.out_d) +
         "x" + s(p.out_h) + "x" + s(p.out_w) + " g" + s(p.group) + " " +
         std::string(activation_name(p.activation.kind)) + (c.bias ? " bias" : "");
}

// The independent loop: X copied into a zero-padded float64 volume large enough for every window, then
// each output summed over (c, a, i, j) with plain index arithmetic; no activation (callers apply their own).
std::vector<double> conv3d_float64(const Conv3dCase& c) {
  const Conv3dParams& p = c.p;
  const int64_t pd = (p.out_d - 1) * p.stride_d + (p.kernel_d - 1) * p.dilation_d + 1;
  const int64_t ph = (p.out_h - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
  const int64_t pw = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  const int64_t channels = p.batch * p.in_channels;
  std::vector<double> padded(static_cast<size_t>(channels * pd * ph * pw), 0.0);
  for (int64_t nc = 0; nc < channels; ++nc)
    for (int64_t d = 0; d < p.in_d; ++d)
      for (int64_t h = 0; h < p.in_h; ++h)
        for (int64_t w = 0; w < p.in_w; ++w) {
          const int64_t dd = d + p.pad_front, hh = h + p.pad_top, ww = w + p.pad_left;
          if (dd >= pd || hh >= ph || ww >= pw) continue;  // beyond every window (cropped by the end padding)
          padded[static_cast<size_t>(((nc * pd + dd) * ph + hh) * pw + ww)] =
              c.x[static_cast<size_t>(((nc * p.in_d + d) * p.in_h + h) * p.in_w + w)];
        }
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  std::vector<double> y(static_cast<size_t>(numel_y(p)));
  size_t out = 0;
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t m = 0; m < p.out_channels; ++m)
      for (int64_t od = 0; od < p.out_d; ++od)
        for (int64_t oh = 0; oh < p.out_h; ++oh)
          for (int64_t ow = 0; ow < p.out_w; ++ow) {
            double sum = c.bias ? c.b[static_cast<size_t>(m)] : 0.0;
            size_t wi = static_cast<size_t>(m * reduction(p));
            for (int64_t ci = 0; ci < cg; ++ci) {
              const int64_t plane = n * p.in_channels + (m / mg) * cg + ci;
              for (int64_t a = 0; a < p.kernel_d; ++a)
                for (int64_t i = 0; i < p.kernel_h; ++i)
                  for (int64_t j = 0; j < p.kernel_w; ++j, ++wi) {
                    const int64_t dd = od * p.stride_d + a * p.dilation_d;
                    const int64_t hh = oh * p.stride_h + i * p.dilation_h;
                    const int64_t ww = ow * p.stride_w + j * p.dilation_w;
                    sum += static_cast<double>(c.w[wi]) *
                           padded[static_cast<size_t>(((plane * pd + dd) * ph + hh) * pw + ww)];
                  }
            }
            y[out++] = sum;
          }
  return y;
}

Conv3dCase random_conv(std::mt19937_64& rng, int index, double max_macs) {
  Conv3dCase c;
  Conv3dParams& p = c.p;
  for (;;) {
    p.batch = rng() % 6 == 0 ? 2 : 1;
    const int kind = static_cast<int>(rng() % 7);
    p.group = kind == 0 ? pick(rng, 2, 4) : 1;
    int64_t cg = pick(rng, 1, 9), mg = pick(rng, 1, 17);
    if (kind == 1) {  // depthwise (X3D)
      p.group = pick(rng, 2, 13);
      cg = 1;
      mg = rng() % 2 ? 1 : 2;
    }
    if (kind == 2) cg = pick(rng, 12, 33), mg = pick(rng, 8, 33);  // channel-heavy
    p.in_channels = cg * p.group;
    p.out_channels = mg * p.group;
    if (kind == 3) {  // a video clip: a few frames, larger planes
      p.in_d = pick(rng, 2, 8);
      p.in_h = pick(rng, 16, 40);
      p.in_w = pick(rng, 16, 40);
    } else if (kind == 5) {  // larger planes, few frames (depth-sliced mode)
      p.in_d = pick(rng, 1, 4);
      p.in_h = pick(rng, 18, 32);
      p.in_w = pick(rng, 18, 32);
    } else if (kind == 4) {  // tiny
      p.in_d = pick(rng, 1, 3);
      p.in_h = pick(rng, 1, 3);
      p.in_w = pick(rng, 1, 3);
    } else {
      p.in_d = pick(rng, 1, 9);
      p.in_h = pick(rng, 1, 13);
      p.in_w = pick(rng, 1, 13);
    }
    const int shape = static_cast<int>(rng() % 5);
    const bool pointwise = shape == 0;
    p.kernel_d = pointwise ? 1 : pick(rng, 1, 3);
    p.kernel_h = pointwise ? 1 : pick(rng, 1, 4);
    p.kernel_w = pointwise ? 1 : (rng() % 3 == 0 ? pick(rng, 1, 4) : p.kernel_h);
    if (shape == 1) p.kernel_d = 1;               // R(2+1)D spatial (1,k,k)
    if (shape == 2) p.kernel_h = p.kernel_w = 1;  // R(2+1)D temporal (k,1,1)
    p.stride_d = pointwise && rng() % 2 ? 1 : pick(rng, 1, 2);
    p.stride_h = pointwise && rng() % 2 ? 1 : pick(rng, 1, 3);
    p.stride_w = rng() % 3 == 0 ? pick(rng, 1, 3) : p.stride_h;
    p.dilation_d = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    p.dilation_h = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    p.dilation_w = rng() % 4 == 0 ? pick(rng, 2, 3) : p.dilation_h;
    const bool no_pad = pointwise && rng() % 2;
    p.pad_front = no_pad ? 0 : pick(rng, 0, rng() % 6 == 0 ? 4 : 1);  // sometimes larger than the kernel
    p.pad_top = no_pad ? 0 : pick(rng, 0, rng() % 6 == 0 ? 5 : 2);
    p.pad_left = no_pad ? 0 : pick(rng, 0, rng() % 6 == 0 ? 5 : 2);
    c.pad_back = no_pad ? 0 : pick(rng, 0, 2);
    c.pad_bottom = no_pad ? 0 : pick(rng, 0, 3);
    c.pad_right = no_pad ? 0 : pick(rng, 0, 3);
    if (!set_output(c)) continue;
    const double macs = static_cast<double>(numel_y(p)) * static_cast<double>(reduction(p));
    if (macs > max_macs) continue;
    break;
  }
  p.activation.kind = kAllActivations[index % std::size(kAllActivations)];
  if (p.activation.kind == Activation::LeakyRelu) p.activation.alpha = 0.1f;
  if (p.activation.kind == Activation::HardSigmoid) p.activation.alpha = 0.2f, p.activation.beta = 0.5f;
  if (p.activation.kind == Activation::Clip) p.activation.alpha = -0.5f, p.activation.beta = 0.75f;
  c.bias = rng() % 3 != 0;
  make_data(c, rng);
  return c;
}

// conv3d_reference over c (expected) and over |x|, |w|, |b| without activation (the magnitudes S).
struct Expected {
  std::vector<float> y, magnitude;
};
Expected expected_of(const Conv3dCase& c) {
  Expected e;
  e.y.resize(static_cast<size_t>(numel_y(c.p)));
  e.magnitude.resize(e.y.size());
  conv3d_reference(c.p, c.x.data(), c.w.data(), c.bias ? c.b.data() : nullptr, e.y.data());
  Conv3dParams abs_p = c.p;
  abs_p.activation = ActivationParams{};
  std::vector<float> ax(c.x), aw(c.w), ab(c.b);
  for (auto* v : {&ax, &aw, &ab})
    for (float& f : *v) f = std::fabs(f);
  conv3d_reference(abs_p, ax.data(), aw.data(), c.bias ? ab.data() : nullptr, e.magnitude.data());
  return e;
}

std::vector<float> run_gemm(KernelIsa isa, const Conv3dCase& c, const GemmThreading& threading) {
  std::vector<float> packed(static_cast<size_t>(conv3d_gemm_packed_weights_floats(isa, c.p)));
  conv3d_gemm_pack_weights(isa, c.p, c.w.data(), packed.data());
  std::vector<char> ws(static_cast<size_t>(conv3d_gemm_workspace_bytes(isa, c.p, threading.threads)));
  std::vector<float> y(static_cast<size_t>(numel_y(c.p)), -7.0f);
  conv3d_gemm(isa, c.p, c.x.data(), packed.data(), c.bias ? c.b.data() : nullptr, y.data(), ws.data(), threading);
  return y;
}

// Returns the number of outputs outside the tolerance (reporting the first few).
int check_close(const Conv3dCase& c, const Expected& e, const std::vector<float>& y, const std::string& label) {
  const double eps = std::ldexp(1.0, -23);
  const double k = static_cast<double>(reduction(c.p));
  const double lip = lipschitz(c.p.activation.kind);
  int failures = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double tol = lip * (4.0 * eps * std::sqrt(k + 2.0) * e.magnitude[i] + 0.5 * eps * e.magnitude[i]) +
                       std::ldexp(1.0, -20) * std::fabs(e.y[i]) + 1e-30;
    if (!(std::fabs(y[i] - e.y[i]) <= tol) && failures++ < 5)
      FAIL_CHECK(label << ": y[" << i << "] = " << y[i] << ", reference " << e.y[i] << " +- " << tol);
  }
  return failures;
}

}  // namespace

TEST_CASE("conv3d_reference: hand-computed 1x1x3x3x3 volume, 2x2x2 kernel, padding and stride") {
  // x[d][h][w] = 9d + 3h + w + 1 (1..27), w all ones, bias 0.5, stride 2, pads 1 in front/top/left only:
  // out 2x2x2. Output (0,0,0) covers only x[0][0][0] = 1 (the rest is padding); output (1,1,1) covers
  // d,h,w in {1,2}: sum of 9d+3h+w+1 over those = 8*1 + 4*(9+18) + 4*(3+6) + 4*(1+2) = 8+108+36+12 = 164.
  Conv3dParams p;
  p.in_d = p.in_h = p.in_w = 3;
  p.kernel_d = p.kernel_h = p.kernel_w = 2;
  p.stride_d = p.stride_h = p.stride_w = 2;
  p.pad_front = p.pad_top = p.pad_left = 1;
  p.out_d = p.out_h = p.out_w = 2;
  std::vector<float> x(27), w(8, 1.0f), y(8), bias{0.5f};
  for (int i = 0; i < 27; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  conv3d_reference(p, x.data(), w.data(), bias.data(), y.data());
  CHECK(y[0] == 1.5f);
  CHECK(y[7] == 164.5f);
  // Output (0,0,1) covers d=0,h=0,w in {1,2}: 2 + 3 = 5.
  CHECK(y[1] == 5.5f);
  // Output (1,0,0) covers d in {1,2}, h=0, w=0: 10 + 19 = 29.
  CHECK(y[4] == 29.5f);
  p.activation.kind = Activation::Relu;
  bias[0] = -30.0f;
  conv3d_reference(p, x.data(), w.data(), bias.data(), y.data());
  CHECK(y[0] == 0.0f);
  CHECK(y[7] == 134.0f);
}

TEST_CASE("conv3d_reference: 150 random convs against an independent float64 loop over a padded copy") {
  std::mt19937_64 rng(303);
  for (int i = 0; i < 150; ++i) {
    Conv3dCase c = random_conv(rng, i, 3e5);
    c.p.activation = ActivationParams{};  // the float64 loop has none; activations are the epilogue's business
    CAPTURE(describe(c));
    std::vector<float> y(static_cast<size_t>(numel_y(c.p)));
    conv3d_reference(c.p, c.x.data(), c.w.data(), c.bias ? c.b.data() : nullptr, y.data());
    const std::vector<double> want = conv3d_float64(c);
    int failures = 0;
    for (size_t j = 0; j < y.size(); ++j)  // one float rounding of a double sum: within half an ulp (+ tiny)
      if (!(std::fabs(y[j] - want[j]) <= std::ldexp(std::fabs(want[j]), -24) * 1.0001 + 1e-30) && failures++ < 3)
        FAIL_CHECK("y[" << j << "] = " << y[j] << ", float64 " << want[j]);
  }
}

TEST_CASE("conv3d_gemm: 520 random convs per ISA path against conv3d_reference") {
  std::mt19937_64 rng(2026);
  vigil::ThreadPool pool(3);
  const std::vector<KernelIsa> isas = vigil::test::kernel_test_isas(true);
  int grouped = 0, depthwise = 0, strided = 0, dilated = 0, big_pad = 0, pointwise = 0, blocks = 0, sliced = 0,
      sliced_padding_plane = 0, sliced_split = 0, vol2col = 0;
  for (int i = 0; i < 520; ++i) {
    const Conv3dCase c = random_conv(rng, i, 1.5e6);
    const Conv3dParams& p = c.p;
    grouped += p.group > 1;
    depthwise += p.group > 1 && p.in_channels == p.group && p.out_channels == p.group;
    strided += p.stride_d > 1 || p.stride_h > 1 || p.stride_w > 1;
    dilated += p.dilation_d > 1 || p.dilation_h > 1 || p.dilation_w > 1;
    big_pad += p.pad_front >= p.kernel_d || p.pad_top >= p.kernel_h || p.pad_left >= p.kernel_w;
    pointwise += p.kernel_d * p.kernel_h * p.kernel_w == 1 && p.stride_d * p.stride_h * p.stride_w == 1 &&
                 p.pad_front + p.pad_top + p.pad_left + c.pad_back + c.pad_bottom + c.pad_right == 0;
    const Conv3dGemmMode mode = conv3d_gemm_mode(p);
    blocks += mode == Conv3dGemmMode::Vol2col && conv3d_gemm_block_columns(p) < p.out_d * p.out_h * p.out_w;
    sliced += mode == Conv3dGemmMode::DepthSliced;
    vol2col += mode == Conv3dGemmMode::Vol2col;
    // The thread splits below with 3 and 4 tasks: whole planes go to tasks when there are 2 per task.
    sliced_split += mode == Conv3dGemmMode::DepthSliced && i % 3 != 0 && p.group * p.out_d >= 2 * (i % 3 == 1 ? 3 : 4);
    sliced_padding_plane += mode == Conv3dGemmMode::DepthSliced && p.pad_front >= (p.kernel_d - 1) * p.dilation_d + 1;
    const Expected e = expected_of(c);
    for (KernelIsa isa : isas) {
      // Alternate the threading: inline, the pool with a forced split, and tasks run in reverse order.
      GemmThreading threading;
      if (i % 3 == 1) threading = {pool_parallel_for, &pool, 3, 1};
      if (i % 3 == 2) threading = {serial_reversed, nullptr, 4, 1};
      const std::string label = std::string(kernel_isa_name(isa)) + " case " + std::to_string(i) + " " + describe(c);
      check_close(c, e, run_gemm(isa, c, threading), label);
    }
  }
  MESSAGE("grouped " << grouped << ", depthwise " << depthwise << ", strided " << strided << ", dilated " << dilated
                     << ", pads >= kernel " << big_pad << ", pointwise " << pointwise << ", several blocks " << blocks
                     << ", depth-sliced " << sliced << " (" << sliced_padding_plane << " with a padding-only plane, "
                     << sliced_split << " planes split over tasks), vol2col " << vol2col);
  CHECK(grouped >= 50);
  CHECK(depthwise >= 20);
  CHECK(strided >= 100);
  CHECK(dilated >= 50);
  CHECK(big_pad >= 20);
  CHECK(pointwise >= 10);
  CHECK(sliced >= 60);
  CHECK(sliced_padding_plane >= 3);
  CHECK(sliced_split >= 20);
  CHECK(vol2col >= 150);
}

TEST_CASE("conv3d_gemm: outputs spanning several vol2col blocks, per ISA path and thread split") {
  // K = 160*27 = 4320: a block holds max(256, 2^20 / 4320) = 256 columns, so a 16x5x5 output (400) needs
  // two blocks and 40x5x5 (1000) four, the last one partial (planes below 32 positions: Vol2col mode).
  std::mt19937_64 rng(77);
  vigil::ThreadPool pool(2);
  for (const int64_t frames : {16, 40}) {
    Conv3dCase c;
    Conv3dParams& p = c.p;
    p.in_channels = 160;
    p.out_channels = 7;
    p.in_d = frames;
    p.in_h = p.in_w = 5;
    p.kernel_d = p.kernel_h = p.kernel_w = 3;
    p.pad_front = p.pad_top = p.pad_left = 1;
    c.pad_back = c.pad_bottom = c.pad_right = 1;
    p.activation.kind = Activation::Relu;
    c.bias = true;
    REQUIRE(set_output(c));
    make_data(c, rng);
    const int64_t columns = conv3d_gemm_block_columns(p);
    CHECK(columns == 256);
    CHECK(conv3d_gemm_mode(p) == Conv3dGemmMode::Vol2col);
    CHECK(columns < p.out_d * p.out_h * p.out_w);
    const Expected e = expected_of(c);
    for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
      const GemmThreading threading{pool_parallel_for, &pool, 2, 1};
      CHECK(check_close(c, e, run_gemm(isa, c, threading), kernel_isa_name(isa) + (" " + describe(c))) == 0);
    }
  }
}

TEST_CASE("conv3d_depthwise: 400 random depthwise convs per ISA path against conv3d_reference") {
  std::mt19937_64 rng(4242);
  int multiplied = 0, strided = 0, dilated = 0, wide = 0, x3d_like = 0;
  std::vector<char> dirty;
  for (int i = 0; i < 400; ++i) {
    Conv3dCase c;
    Conv3dParams& p = c.p;
    for (;;) {
      p.batch = rng() % 5 == 0 ? 2 : 1;
      p.group = p.in_channels = pick(rng, 1, 19);
      p.out_channels = p.in_channels * (rng() % 3 == 0 ? pick(rng, 2, 3) : 1);
      p.in_d = pick(rng, 1, 9);
      p.in_h = pick(rng, 1, 17);
      p.in_w = pick(rng, 1, 37);
      if (i % 8 == 1) p.in_h = pick(rng, 18, 44), p.in_w = pick(rng, 18, 44);  // planes of many vector blocks
      p.kernel_d = pick(rng, 1, 3);
      p.kernel_h = pick(rng, 1, 5);
      p.kernel_w = rng() % 3 == 0 ? pick(rng, 1, 5) : p.kernel_h;
      p.stride_d = pick(rng, 1, 2);
      p.stride_h = pick(rng, 1, 3);
      p.stride_w = rng() % 2 ? 1 : pick(rng, 1, 3);
      p.dilation_d = rng() % 4 == 0 ? 2 : 1;
      p.dilation_h = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
      p.dilation_w = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
      p.pad_front = pick(rng, 0, rng() % 6 == 0 ? 4 : 1);
      p.pad_top = pick(rng, 0, rng() % 6 == 0 ? 5 : 2);
      p.pad_left = pick(rng, 0, rng() % 6 == 0 ? 6 : 2);
      c.pad_back = pick(rng, 0, 2);
      c.pad_bottom = pick(rng, 0, 3);
      c.pad_right = pick(rng, 0, 3);
      if (i % 8 == 3) {  // X3D's channel-wise 3x3x3, pads 1, stride (1, s, s), square planes of 4..16
        p.in_h = p.in_w = pick(rng, 4, 16);
        p.kernel_d = p.kernel_h = p.kernel_w = 3;
        p.stride_d = 1, p.stride_h = p.stride_w = pick(rng, 1, 2);
        p.dilation_d = p.dilation_h = p.dilation_w = 1;
        p.pad_front = p.pad_top = p.pad_left = c.pad_back = c.pad_bottom = c.pad_right = 1;
      }
      if (set_output(c)) break;
    }
    wide += p.out_h * p.out_w >= 256;
    x3d_like += i % 8 == 3;
    p.activation.kind = kAllActivations[i % std::size(kAllActivations)];
    if (p.activation.kind == Activation::LeakyRelu) p.activation.alpha = 0.1f;
    if (p.activation.kind == Activation::HardSigmoid) p.activation.alpha = 0.2f, p.activation.beta = 0.5f;
    if (p.activation.kind == Activation::Clip) p.activation.alpha = -0.5f, p.activation.beta = 0.75f;
    c.bias = rng() % 3 != 0;
    make_data(c, rng);
    REQUIRE(conv3d_depthwise_supported(p));
    multiplied += p.out_channels > p.in_channels;
    strided += p.stride_w > 1;
    dilated += p.dilation_w > 1 || p.dilation_h > 1 || p.dilation_d > 1;
    const Expected e = expected_of(c);
    const int64_t channels = p.batch * p.out_channels;
    const float* b = c.bias ? c.b.data() : nullptr;
    REQUIRE(conv3d_depthwise_workspace_bytes(p) > 0);
    for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
      // In two calls split at a random channel, as the engine splits channels over threads, each call with its
      // own workspace (the planes variant), the second one's dirty from the first case on this path.
      std::vector<float> y(e.y.size(), -7.0f);
      const int64_t split = pick(rng, 0, channels);
      std::vector<char> ws0(static_cast<size_t>(conv3d_depthwise_workspace_bytes(p)), 0x7f);
      conv3d_depthwise(isa, p, c.x.data(), c.w.data(), b, y.data(), split, channels, ws0.data());
      dirty.resize(ws0.size() > dirty.size() ? ws0.size() : dirty.size(), 0x7f);
      conv3d_depthwise(isa, p, c.x.data(), c.w.data(), b, y.data(), 0, split, dirty.data() + 1);  // unaligned
      check_close(c, e, y, std::string(kernel_isa_name(isa)) + " planes, case " + std::to_string(i) + " " + describe(c));
      std::vector<float> y_rows(e.y.size(), -7.0f);
      conv3d_depthwise_rows(isa, p, c.x.data(), c.w.data(), b, y_rows.data(), split, channels);
      conv3d_depthwise_rows(isa, p, c.x.data(), c.w.data(), b, y_rows.data(), 0, split);
      check_close(c, e, y_rows, std::string(kernel_isa_name(isa)) + " rows, case " + std::to_string(i) + " " + describe(c));
    }
  }
  CHECK(multiplied >= 80);
  CHECK(strided >= 100);
  CHECK(dilated >= 100);
  CHECK(wide >= 40);
  CHECK(x3d_like >= 40);
}

TEST_CASE("conv3d_depthwise: a depth kernel of 70 taps (partial sums over several passes), per ISA path") {
  std::mt19937_64 rng(77);
  Conv3dCase c;
  Conv3dParams& p = c.p;
  p.group = p.in_channels = p.out_channels = 3;
  p.in_d = 74, p.in_h = 5, p.in_w = 6;
  p.kernel_d = 70, p.kernel_h = 3, p.kernel_w = 2;
  p.pad_front = 2, p.pad_top = 1, p.pad_left = 1;
  c.pad_back = 1, c.pad_bottom = 1;
  p.stride_d = 3;
  p.activation.kind = Activation::Relu;
  c.bias = true;
  REQUIRE(set_output(c));
  REQUIRE(p.out_d == 3);
  make_data(c, rng);
  const Expected e = expected_of(c);
  for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
    std::vector<float> y(e.y.size(), -7.0f);
    std::vector<char> ws(static_cast<size_t>(conv3d_depthwise_workspace_bytes(p)));
    conv3d_depthwise(isa, p, c.x.data(), c.w.data(), c.b.data(), y.data(), 0, 3, ws.data());
    CHECK(check_close(c, e, y, std::string(kernel_isa_name(isa)) + " " + describe(c)) == 0);
  }
}

TEST_CASE("conv3d_gemm: depth-sliced mode with output planes in the depth padding, grouped, batch 2") {
  // pads 3 in front of a 2-deep kernel: output planes 0 and 1 see only padding (act(bias)); the last
  // plane sees one tap; 20x18 output planes (>= 32 positions) select the depth-sliced mode.
  std::mt19937_64 rng(515);
  vigil::ThreadPool pool(2);
  Conv3dCase c;
  Conv3dParams& p = c.p;
  p.batch = 2;
  p.group = 2;
  p.in_channels = 6;
  p.out_channels = 10;
  p.in_d = 4;
  p.in_h = 40;
  p.in_w = 36;
  p.kernel_d = 2;
  p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2;
  p.pad_front = 3;
  p.pad_top = p.pad_left = 1;
  c.pad_back = 2;
  p.activation.kind = Activation::Sigmoid;  // act(bias) != bias
  c.bias = true;
  REQUIRE(set_output(c));
  CHECK(p.out_d == 8);
  CHECK(p.out_h * p.out_w == 360);
  REQUIRE(conv3d_gemm_mode(p) == Conv3dGemmMode::DepthSliced);
  make_data(c, rng);
  const Expected e = expected_of(c);
  for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
    for (const GemmThreading& threading : {GemmThreading{}, GemmThreading{pool_parallel_for, &pool, 2, 1}}) {
      const std::vector<float> y = run_gemm(isa, c, threading);
      CHECK(check_close(c, e, y, kernel_isa_name(isa) + (" " + describe(c))) == 0);
      // Plane 0 of image 1, channel 7: sigmoid(bias[7]) everywhere.
      const float* plane = y.data() + ((1 * 10 + 7) * p.out_d + 0) * 360;
      CHECK(plane[0] == doctest::Approx(1.0 / (1.0 + std::exp(-double{c.b[7]}))).epsilon(1e-6));
      CHECK(plane[359] == plane[0]);
    }
  }
}
