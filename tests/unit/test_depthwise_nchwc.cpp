// depthwise_nchwc (kernels/nchwc/depthwise_nchwc.h): the Scalar path against conv2d_reference (float64
// accumulation) through NCHW <-> NCHWc reorders written here (independent of kernels/nchwc), the AVX2 and
// AVX-512 paths against the Scalar path on 500+ random shapes each, weight packing at hand-computed
// offsets, a hand-computed image, and supported().
//
// Every random case fills the padding lanes of X and R with NaN (they must never reach a real channel),
// fills Y with a canary before the call and checks every float outside the requested rows is untouched,
// and checks every real output inside them.
//
// Tolerance for one output (u = 2^-24), with S = |bias| + sum |w*x| over the in-image taps (float64) and
// T = kernel_h * kernel_w: the kernels sum the T products and the bias in float, each of the T + 1 roundings
// (products and sums, fused or not) off by at most u times a partial sum bounded by S, so the
// pre-activation value is within E = (T + 2) * u * S of the exact one (the extra u covers the reference's
// own final rounding). A residual added before the activation adds one rounding: u * (S + |r|). After the
// activation (Lipschitz bound L, isa_test_support.h) the output is within L * E plus 2^-20 * (|y| + |r|),
// which covers the vector activations' documented ulp error (<= 4 ulp, docs/KERNELS.md) and the rounding of
// a residual added after. Two paths each within that bound of the exact value are within twice it of each
// other, which is what the vector-against-Scalar check allows.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/nchwc/depthwise_nchwc.h"
#include "kernels/nchwc/nchwc_layout.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/nchwc_test_support.h"

using namespace vigil::kernels;
using namespace isa_test;

namespace {

constexpr float kCanary = -12345.0f;
const float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Case {
  DepthwiseNchwcParams dp;
  bool with_bias = true;
  int residual = 0;  // 0 none, 1 after the activation, 2 before
  int64_t row_begin = 0, row_end = 0;
};

Case random_case(std::mt19937& rng, int index, int64_t block) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (;;) {
    Case c;
    c.dp.block = block;
    Conv2dParams& p = c.dp.conv;
    p.batch = pick(0, 4) == 0 ? 2 : 1;
    const int chan_kind = static_cast<int>(pick(0, 3));
    p.in_channels = chan_kind == 0 ? pick(1, 3) : chan_kind == 1 ? block * pick(1, 3) : pick(1, 70);
    p.out_channels = p.group = p.in_channels;
    const int size_kind = index % 8;
    if (size_kind == 0) {
      p.in_h = p.in_w = 1;
    } else if (size_kind == 1) {
      p.in_h = 1, p.in_w = pick(1, 60);
    } else if (size_kind == 2) {
      p.in_h = pick(1, 60), p.in_w = 1;
    } else if (size_kind == 3) {
      p.in_h = pick(30, 60), p.in_w = pick(30, 60), p.in_channels = p.out_channels = p.group = pick(1, 20);
    } else {
      p.in_h = pick(1, 24), p.in_w = pick(1, 24);
    }
    const int k_kind = static_cast<int>(pick(0, 9));
    if (k_kind < 4)
      p.kernel_h = p.kernel_w = 3;
    else if (k_kind < 6)
      p.kernel_h = p.kernel_w = 5;
    else if (k_kind == 6)
      p.kernel_h = p.kernel_w = 7;  // ConvNeXt's
    else
      p.kernel_h = pick(1, 7), p.kernel_w = pick(1, 7);
    p.stride_h = pick(0, 2) == 0 ? 2 : pick(1, 3);
    p.stride_w = pick(0, 1) ? p.stride_h : pick(1, 3);
    p.dilation_h = pick(0, 4) == 0 ? 2 : 1;
    p.dilation_w = pick(0, 4) == 0 ? 2 : 1;
    p.pad_top = pick(0, 4), p.pad_left = pick(0, 4);
    int64_t pad_bottom = pick(0, 4), pad_right = pick(0, 4);
    if (pick(0, 2) == 0) p.pad_top = p.pad_left = pad_bottom = pad_right = (p.kernel_h - 1) / 2;
    p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, pad_bottom);
    p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, pad_right);
    if (p.out_h < 1 || p.out_w < 1) continue;
    p.activation = random_activation(rng, index);
    c.with_bias = pick(0, 3) != 0;
    c.residual = static_cast<int>(pick(0, 2));
    p.residual_before_activation = c.residual == 2;
    const int64_t rows = depthwise_nchwc_rows(c.dp);
    if (pick(0, 1) == 0) {
      c.row_begin = 0, c.row_end = rows;
    } else {
      c.row_begin = pick(0, rows);
      c.row_end = pick(0, 5) == 0 ? c.row_begin : pick(c.row_begin, rows);
    }
    return c;
  }
}

std::string describe(const Case& c) {
  const Conv2dParams& p = c.dp.conv;
  return "b" + std::to_string(c.dp.block) + " N" + std::to_string(p.batch) + " C" + std::to_string(p.in_channels) +
         " " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + " k" + std::to_string(p.kernel_h) + "x" +
         std::to_string(p.kernel_w) + " s" + std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " d" +
         std::to_string(p.dilation_h) + "," + std::to_string(p.dilation_w) + " pad " + std::to_string(p.pad_top) + "," +
         std::to_string(p.pad_left) + " out " + std::to_string(p.out_h) + "x" + std::to_string(p.out_w) + " act " +
         std::string(activation_name(p.activation.kind)) + " bias " + std::to_string(c.with_bias) + " residual " +
         std::to_string(c.residual) + " rows [" + std::to_string(c.row_begin) + ", " + std::to_string(c.row_end) + ")";
}

// The operands of one case in both layouts.
struct Operands {
  std::vector<float> x, w, bias, r;   // NCHW / [C,1,kh,kw] / [C] / NCHW like Y
  std::vector<float> xb, rb, packed;  // NCHWc with NaN padding lanes, packed weights
  std::vector<double> s;              // per-output magnitude S (NCHW order)
};

Operands make_operands(std::mt19937& rng, const Case& c) {
  const Conv2dParams& p = c.dp.conv;
  const int64_t b = c.dp.block, in_pixels = p.in_h * p.in_w, out_pixels = p.out_h * p.out_w;
  Operands o;
  o.x = random_vector(rng, static_cast<size_t>(p.batch * p.in_channels * in_pixels));
  o.w = random_vector(rng, static_cast<size_t>(p.in_channels * p.kernel_h * p.kernel_w));
  if (c.with_bias) o.bias = random_vector(rng, static_cast<size_t>(p.in_channels));
  if (c.residual) o.r = random_vector(rng, static_cast<size_t>(p.batch * p.in_channels * out_pixels));
  o.xb = vigil::test::to_nchwc(o.x, p.batch, p.in_channels, in_pixels, b, kNaN);
  if (c.residual) o.rb = vigil::test::to_nchwc(o.r, p.batch, p.in_channels, out_pixels, b, kNaN);
  o.packed.assign(static_cast<size_t>(depthwise_nchwc_packed_floats(c.dp)), kNaN);
  depthwise_nchwc_pack(c.dp, o.w.data(), c.with_bias ? o.bias.data() : nullptr, o.packed.data());
  o.s = magnitude(p, o.x, o.w, o.bias);
  return o;
}

std::vector<float> run(KernelIsa isa, const Case& c, const Operands& o) {
  std::vector<float> y(static_cast<size_t>(depthwise_nchwc_rows(c.dp) * c.dp.conv.out_w * c.dp.block), kCanary);
  depthwise_nchwc(isa, c.dp, o.xb.data(), o.packed.data(), c.residual ? o.rb.data() : nullptr, y.data(), c.row_begin,
                  c.row_end);
  return y;
}

// Bound on |y - exact| for output (img, ch, px) (see the top of the file).
double tolerance(const Case& c, const Operands& o, size_t nchw_index, double y) {
  const Conv2dParams& p = c.dp.conv;
  const double u = std::ldexp(1.0, -24);
  const double r = c.residual ? std::fabs(double(o.r[nchw_index])) : 0.0;
  double pre = double(p.kernel_h * p.kernel_w + 2) * u * o.s[nchw_index];
  if (c.residual == 2) pre += u * (o.s[nchw_index] + r);
  return lipschitz(p.activation) * pre + std::ldexp(std::fabs(y) + r, -20) + 1e-37;
}

// Checks y: canaries outside [row_begin, row_end), and for each real output inside, check(img, ch, oh, ow,
// value) returns an error message or "".
template <class Check>
bool check_output(const Case& c, const std::vector<float>& y, const std::string& what, const Check& check) {
  const Conv2dParams& p = c.dp.conv;
  const int64_t b = c.dp.block, blocks = nchwc_blocks(p.in_channels, b), row_floats = p.out_w * b;
  for (int64_t row = 0; row < depthwise_nchwc_rows(c.dp); ++row) {
    const bool inside = row >= c.row_begin && row < c.row_end;
    const int64_t oh = row % p.out_h, cb = (row / p.out_h) % blocks, img = row / p.out_h / blocks;
    for (int64_t f = 0; f < row_floats; ++f) {
      const float v = y[static_cast<size_t>(row * row_floats + f)];
      const int64_t ow = f / b, ch = cb * b + f % b;
      if (!inside) {
        if (!(v == kCanary)) {
          FAIL_CHECK(what << " " << describe(c) << ": wrote row " << row << " outside the range");
          return false;
        }
        continue;
      }
      if (ch >= p.in_channels) continue;  // padding lane: unspecified
      const std::string error = check(img, ch, oh, ow, v);
      if (!error.empty()) {
        FAIL_CHECK(what << " " << describe(c) << " n" << img << " c" << ch << " (" << oh << "," << ow
                        << "): " << error);
        return false;
      }
    }
  }
  return true;
}

}  // namespace

TEST_CASE("depthwise_nchwc: Scalar path matches conv2d_reference on 400 random shapes and blocks 1..64") {
  std::mt19937 rng(20261124);
  const int64_t blocks[] = {1, 3, 8, 16, 7, 64};
  int checked = 0;
  double worst_ratio = 0.0;
  for (int index = 0; index < 400; ++index) {
    const Case c = random_case(rng, index, blocks[index % 6]);
    const Conv2dParams& p = c.dp.conv;
    REQUIRE(depthwise_nchwc_supported(KernelIsa::Scalar, c.dp));
    const Operands o = make_operands(rng, c);
    // Expected: the float64 reference without activation, then the residual and the activation in the
    // documented order.
    Conv2dParams linear = p;
    linear.activation = ActivationParams{};
    std::vector<float> conv(static_cast<size_t>(p.batch * p.in_channels * p.out_h * p.out_w));
    conv2d_reference(linear, o.x.data(), o.w.data(), c.with_bias ? o.bias.data() : nullptr, conv.data());
    const std::vector<float> y = run(KernelIsa::Scalar, c, o);
    checked += check_output(c, y, "scalar", [&](int64_t img, int64_t ch, int64_t oh, int64_t ow, float v) {
      const size_t i = static_cast<size_t>(((img * p.in_channels + ch) * p.out_h + oh) * p.out_w + ow);
      float expected = conv[i];
      if (c.residual == 2) expected += o.r[i];
      expected = activate_reference(p.activation, expected);
      if (c.residual == 1) expected += o.r[i];
      const double tol = tolerance(c, o, i, expected);
      const double err = std::fabs(double(v) - double(expected));
      if (p.activation.kind == Activation::None && c.residual == 0 && o.s[i] > 0)
        worst_ratio = std::max(worst_ratio, err / o.s[i]);
      if (err <= tol) return std::string();
      return std::to_string(v) + " vs " + std::to_string(expected) + " tol " + std::to_string(tol);
    });
  }
  CHECK(checked == 400);
  MESSAGE("scalar vs conv2d_reference: max |err| / S without activation or residual = " << worst_ratio);
}

TEST_CASE("depthwise_nchwc: AVX2 and AVX-512 match the Scalar path on 600 random shapes each") {
  std::mt19937 rng(20261125);
  const auto& cpu = vigil::cpu_features();
  for (KernelIsa isa : {KernelIsa::Avx2, KernelIsa::Avx512}) {
    if ((isa == KernelIsa::Avx2 && !cpu.has_avx2_fma()) || (isa == KernelIsa::Avx512 && !cpu.has_avx512_core())) {
      MESSAGE("skipping the " << kernel_isa_name(isa) << " path: this CPU lacks it");
      continue;
    }
    int checked = 0;
    for (int index = 0; index < 600; ++index) {
      const Case c = random_case(rng, index, nchwc_block(isa));
      const Conv2dParams& p = c.dp.conv;
      REQUIRE(depthwise_nchwc_supported(isa, c.dp));
      const Operands o = make_operands(rng, c);
      const std::vector<float> ref = run(KernelIsa::Scalar, c, o);
      const std::vector<float> y = run(isa, c, o);
      checked +=
          check_output(c, y, kernel_isa_name(isa), [&](int64_t img, int64_t ch, int64_t oh, int64_t ow, float v) {
            const size_t i = static_cast<size_t>(((img * p.in_channels + ch) * p.out_h + oh) * p.out_w + ow);
            const float expected =
                vigil::test::nchwc_at(ref, p.in_channels, p.out_h * p.out_w, c.dp.block, img, ch, oh * p.out_w + ow);
            const double tol = 2 * tolerance(c, o, i, expected);
            if (std::fabs(double(v) - double(expected)) <= tol) return std::string();
            return std::to_string(v) + " vs scalar " + std::to_string(expected) + " tol " + std::to_string(tol);
          });
    }
    CHECK(checked == 600);
  }
}

TEST_CASE("depthwise_nchwc: a hand-computed 3x3 box filter with bias, residual and ReLU6 on every path") {
  // 10 channels of a 3x3 image of ones, weights 1, pad 1: the sums are 4 (corners), 6 (edges), 9 (centre);
  // channel c has bias -c, so the pre-activation value is count - c.
  std::vector<KernelIsa> isas = {KernelIsa::Scalar};
  for (KernelIsa isa : available_isas())
    if (isa != KernelIsa::Scalar) isas.push_back(isa);
  for (KernelIsa isa : isas) {
    DepthwiseNchwcParams dp;
    dp.block = nchwc_block(isa) == 1 ? 4 : nchwc_block(isa);
    Conv2dParams& p = dp.conv;
    p.in_channels = p.out_channels = p.group = 10;
    p.in_h = p.in_w = p.out_h = p.out_w = 3;
    p.kernel_h = p.kernel_w = 3;
    p.pad_top = p.pad_left = 1;
    p.activation = {Activation::Clip, 0.0f, 6.0f};
    const int64_t b = dp.block, blocks = nchwc_blocks(10, b);
    std::vector<float> x(static_cast<size_t>(blocks * 9 * b), 1.0f), r(x.size(), 0.5f), w(90, 1.0f), bias(10);
    for (int64_t c = 0; c < 10; ++c) bias[static_cast<size_t>(c)] = -float(c);
    std::vector<float> packed(static_cast<size_t>(depthwise_nchwc_packed_floats(dp)));
    depthwise_nchwc_pack(dp, w.data(), bias.data(), packed.data());
    for (bool before : {false, true}) {
      p.residual_before_activation = before;
      std::vector<float> y(x.size(), kCanary);
      depthwise_nchwc(isa, dp, x.data(), packed.data(), r.data(), y.data(), 0, depthwise_nchwc_rows(dp));
      for (int64_t c = 0; c < 10; ++c)
        for (int64_t h = 0; h < 3; ++h)
          for (int64_t wi = 0; wi < 3; ++wi) {
            const int count = (h == 1 ? 3 : 2) * (wi == 1 ? 3 : 2);
            const float pre = float(count - c);
            const float expected = before ? std::clamp(pre + 0.5f, 0.0f, 6.0f) : std::clamp(pre, 0.0f, 6.0f) + 0.5f;
            CHECK_MESSAGE(y[static_cast<size_t>(((c / b) * 9 + h * 3 + wi) * b + c % b)] == expected,
                          kernel_isa_name(isa) << " c" << c << " (" << h << "," << wi << ") before " << before);
          }
    }
  }
}

TEST_CASE("depthwise_nchwc: weights and bias packed at hand-computed offsets") {
  DepthwiseNchwcParams dp;
  dp.block = 4;
  Conv2dParams& p = dp.conv;
  p.in_channels = p.out_channels = p.group = 6;  // 2 blocks, lanes 2 and 3 of block 1 are padding
  p.kernel_h = 2, p.kernel_w = 3;
  CHECK(depthwise_nchwc_packed_floats(dp) == 8 * 6 + 8);
  std::vector<float> w(36), bias(6);
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(100 + i);  // w[c, 0, i, j] = 100 + c*6 + i*3 + j
  for (size_t i = 0; i < bias.size(); ++i) bias[i] = float(-1 - int(i));
  std::vector<float> packed(56, kNaN);
  depthwise_nchwc_pack(dp, w.data(), bias.data(), packed.data());
  CHECK(packed[0] == 100.0f);           // block 0, tap (0,0), lane 0 = channel 0
  CHECK(packed[3] == 118.0f);           // lane 3 = channel 3, tap 0
  CHECK(packed[5 * 4 + 2] == 117.0f);   // tap (1,2) = 5 of channel 2
  CHECK(packed[24 + 4 + 1] == 131.0f);  // block 1, tap (0,1), lane 1 = channel 5
  CHECK(packed[24 + 4 + 2] == 0.0f);    // padding lane
  CHECK(packed[24 + 23] == 0.0f);
  CHECK(packed[48] == -1.0f);
  CHECK(packed[53] == -6.0f);
  CHECK(packed[54] == 0.0f);
  CHECK(packed[55] == 0.0f);
  depthwise_nchwc_pack(dp, w.data(), nullptr, packed.data());
  for (int i = 48; i < 56; ++i) CHECK(packed[static_cast<size_t>(i)] == 0.0f);
}

TEST_CASE("depthwise_nchwc: supported() and rows()") {
  DepthwiseNchwcParams dp;
  Conv2dParams& p = dp.conv;
  p.batch = 2;
  p.in_channels = p.out_channels = p.group = 20;
  p.in_h = p.in_w = 9;
  p.out_h = 5, p.out_w = 4;
  p.kernel_h = p.kernel_w = 3;
  dp.block = 16;
  CHECK(depthwise_nchwc_rows(dp) == 2 * 2 * 5);
  CHECK(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  CHECK(depthwise_nchwc_supported(KernelIsa::Avx512, dp));
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Avx2, dp));  // AVX2 needs block 8
  dp.block = 8;
  CHECK(depthwise_nchwc_supported(KernelIsa::Avx2, dp));
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Avx512, dp));
  dp.block = 65;
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  dp.block = 0;
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  dp.block = 5;
  CHECK(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  p.group = 10;  // not depthwise
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  p.group = 20;
  p.out_channels = 40;  // channel multiplier 2
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  p.out_channels = 20;
  p.in_image_stride = 20 * 81 * 2;
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  p.in_image_stride = 0;
  p.stride_w = 0;
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
  p.stride_w = 1;
  p.pad_left = -1;
  CHECK_FALSE(depthwise_nchwc_supported(KernelIsa::Scalar, dp));
}
