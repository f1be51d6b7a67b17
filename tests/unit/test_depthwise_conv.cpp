// depthwise_conv (kernels/depthwise_conv): every ISA path this CPU has against conv2d_reference (float64
// accumulation) on 500 random depthwise shapes: odd channel counts, 1x1 / 2x3 / large images, kernels 1..5
// (3x3 and 5x5 most often), strides 1..3, dilations 1..2, pads 0..4 (larger than the kernel too), batch
// 1..2, bias on/off, every activation.
//
// Tolerance for one output, with S = |bias| + sum |w*x| over the taps (float64): the kernel sums T = taps
// + 1 terms in float with fused multiply-adds, each rounding off at most 2^-24 of a partial sum <= S, so
// the pre-activation value is within E = (T + 1) * 2^-24 * S. After the activation: L * E (L = the
// activation's Lipschitz bound, isa_test_support.h) + 2^-20 * |ref| (the vector activations'
// documented error, docs/KERNELS.md) + 1e-37 (subnormal flush).
#include <string>

#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;
using namespace isa_test;

namespace {

struct Case {
  Conv2dParams p;
  int64_t pad_bottom = 0, pad_right = 0;
  bool with_bias = true;
};

Case random_case(std::mt19937& rng, int index) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    Case c;
    Conv2dParams& p = c.p;
    p.batch = pick(1, 2);
    const int chan_kind = pick(0, 3);
    p.in_channels = chan_kind == 0 ? 1 : chan_kind == 1 ? 2 * pick(0, 12) + 1 : pick(1, 40);
    p.out_channels = p.group = p.in_channels;
    const int size_kind = index % 10;
    if (size_kind == 0) {
      p.in_h = 1, p.in_w = 1;
    } else if (size_kind == 1) {
      p.in_h = 2, p.in_w = 3;
    } else if (size_kind == 2) {
      p.in_h = pick(60, 140), p.in_w = pick(60, 140), p.in_channels = p.out_channels = p.group = pick(1, 3);
    } else {
      p.in_h = pick(1, 40), p.in_w = pick(1, 40);
    }
    const int k_kind = pick(0, 9);
    if (k_kind < 5)
      p.kernel_h = p.kernel_w = 3;
    else if (k_kind < 7)
      p.kernel_h = p.kernel_w = 5;
    else
      p.kernel_h = pick(1, 5), p.kernel_w = pick(1, 5);
    p.stride_h = pick(0, 2) == 0 ? 2 : pick(1, 3);
    p.stride_w = pick(0, 2) == 0 ? 2 : pick(1, 3);
    if (k_kind < 5 && pick(0, 1)) p.stride_w = p.stride_h;
    p.dilation_h = pick(0, 5) == 0 ? 2 : 1;
    p.dilation_w = pick(0, 5) == 0 ? 2 : 1;
    p.pad_top = pick(0, 4), p.pad_left = pick(0, 4);
    c.pad_bottom = pick(0, 4), c.pad_right = pick(0, 4);
    if (pick(0, 2) == 0) p.pad_top = p.pad_left = c.pad_bottom = c.pad_right = p.kernel_h / 2;
    p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, c.pad_bottom);
    p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, c.pad_right);
    if (p.out_h < 1 || p.out_w < 1) continue;
    p.activation = random_activation(rng, index);
    c.with_bias = pick(0, 3) != 0;
    return c;
  }
}

std::string describe(const Conv2dParams& p) {
  return "N" + std::to_string(p.batch) + " C" + std::to_string(p.in_channels) + " " + std::to_string(p.in_h) + "x" +
         std::to_string(p.in_w) + " k" + std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) + " s" +
         std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " d" + std::to_string(p.dilation_h) + "," +
         std::to_string(p.dilation_w) + " pad " + std::to_string(p.pad_top) + "," + std::to_string(p.pad_left) +
         " out " + std::to_string(p.out_h) + "x" + std::to_string(p.out_w) + " act " +
         std::string(activation_name(p.activation.kind));
}

}  // namespace

TEST_CASE("depthwise_conv: every path matches conv2d_reference on 500 random shapes") {
  std::mt19937 rng(20261123);
  const auto isas = available_isas();
  int checked = 0;
  double worst_ratio = 0.0;  // max |pre-activation-free err| / bound over identity cases
  for (int index = 0; index < 500; ++index) {
    const Case c = random_case(rng, index);
    const Conv2dParams& p = c.p;
    REQUIRE(depthwise_conv_supported(p));
    const auto x = random_vector(rng, p.batch * p.in_channels * p.in_h * p.in_w);
    const auto w = random_vector(rng, p.out_channels * p.kernel_h * p.kernel_w);
    const auto bias = c.with_bias ? random_vector(rng, p.out_channels) : std::vector<float>{};
    const size_t out_size = p.batch * p.out_channels * p.out_h * p.out_w;
    std::vector<float> ref(out_size);
    conv2d_reference(p, x.data(), w.data(), c.with_bias ? bias.data() : nullptr, ref.data());
    const auto s = magnitude(p, x, w, bias);
    const double e_scale = double(p.kernel_h * p.kernel_w + 2) * std::ldexp(1.0, -24);
    for (KernelIsa isa : isas) {
      std::vector<float> y(out_size, -7.0f);
      std::vector<unsigned char> ws(depthwise_conv_workspace_bytes(p), 0xFF);  // NaN garbage: nothing may rely on it
      select_depthwise_conv(isa)(p, x.data(), w.data(), c.with_bias ? bias.data() : nullptr, y.data(), ws.data());
      for (size_t o = 0; o < out_size; ++o) {
        const double tol = lipschitz(p.activation) * e_scale * s[o] + std::ldexp(std::fabs(ref[o]), -20) + 1e-37;
        const double err = std::fabs(double(y[o]) - double(ref[o]));
        if (s[o] > 0 && p.activation.kind == Activation::None) worst_ratio = std::max(worst_ratio, err / s[o]);
        if (!(err <= tol)) {
          FAIL_CHECK(std::string(kernel_isa_name(isa))
                     << " " << describe(p) << " output " << o << ": " << y[o] << " vs " << ref[o] << " tol " << tol);
          break;
        }
      }
    }
    ++checked;
  }
  MESSAGE("depthwise: " << checked << " shapes x " << isas.size()
                        << " paths, max |err|/S (no activation) = " << worst_ratio);
}

TEST_CASE("depthwise_conv: actdet A1 shape (256 channels 8x8, 3x3 pad 1) and a 3x3 stride-2 ImageNet-like layer") {
  std::mt19937 rng(7);
  for (int which = 0; which < 2; ++which) {
    Conv2dParams p;
    p.in_channels = p.out_channels = p.group = which == 0 ? 256 : 32;
    p.in_h = p.in_w = which == 0 ? 8 : 112;
    p.kernel_h = p.kernel_w = 3;
    p.stride_h = p.stride_w = which == 0 ? 1 : 2;
    p.pad_top = p.pad_left = 1;
    p.out_h = conv_output_size(p.in_h, 3, p.stride_h, 1, 1, 1);
    p.out_w = p.out_h;
    p.activation = {Activation::LeakyRelu, 0.1f, 0.0f};
    const auto x = random_vector(rng, p.in_channels * p.in_h * p.in_w);
    const auto w = random_vector(rng, p.out_channels * 9);
    const auto bias = random_vector(rng, p.out_channels);
    std::vector<float> ref(p.out_channels * p.out_h * p.out_w);
    conv2d_reference(p, x.data(), w.data(), bias.data(), ref.data());
    const auto s = magnitude(p, x, w, bias);
    for (KernelIsa isa : available_isas()) {
      std::vector<float> y(ref.size());
      std::vector<unsigned char> ws(depthwise_conv_workspace_bytes(p), 0xFF);  // NaN garbage: nothing may rely on it
      select_depthwise_conv(isa)(p, x.data(), w.data(), bias.data(), y.data(), ws.data());
      for (size_t o = 0; o < y.size(); ++o)
        REQUIRE(std::fabs(double(y[o]) - ref[o]) <=
                11 * std::ldexp(s[o], -24) * 1.5 + std::ldexp(std::fabs(ref[o]), -20));
    }
  }
}

TEST_CASE("depthwise_conv: supported() rejects non-depthwise parameters") {
  Conv2dParams p;
  p.in_channels = p.out_channels = p.group = 4;
  p.in_h = p.in_w = p.out_h = p.out_w = 5;
  p.kernel_h = p.kernel_w = 1;
  CHECK(depthwise_conv_supported(p));
  p.group = 2;
  CHECK_FALSE(depthwise_conv_supported(p));
  p.group = 4;
  p.out_channels = 8;  // channel multiplier 2 is not handled
  CHECK_FALSE(depthwise_conv_supported(p));
  p.out_channels = 4;
  p.out_h = 0;
  CHECK_FALSE(depthwise_conv_supported(p));
}
