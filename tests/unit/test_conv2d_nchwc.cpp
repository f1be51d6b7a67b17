// conv2d_nchwc (kernels/nchwc/conv2d_nchwc.h): the Scalar path against conv2d_reference (float64) through
// reorders written here, and every vector path the CPU has against the Scalar path, on random shapes with
// NaN in the padding lanes of X and R and around both (a read outside them shows as NaN), random row
// splits and canaries around the rows a call owns.
//
// Tolerance: a float sum of K = C*kh*kw products may be off the exact one by E = 4 * 2^-23 * sqrt(K + 2) * S
// + 2^-24 * S, S = the same conv over |x|, |w|, |bias| (conv_case_support.h, docs/KERNELS.md); the output
// by L * E (L = the activation's Lipschitz bound) plus 2^-20 * (|y| + |residual|) for the activation's and
// the residual add's rounding. Two float paths are each within that of the exact value, so a vector path
// may differ from the Scalar one by twice it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "conv_case_support.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/nchwc/conv2d_nchwc.h"
#include "kernels/nchwc/nchwc_layout.h"
#include "tests/unit/nchwc_test_support.h"

using namespace vigil::kernels;

namespace {

using vigil::test::ConvCase;
using vigil::test::describe;
using vigil::test::kAllActivations;
using vigil::test::lipschitz;
using vigil::test::make_activation;
using vigil::test::make_data;
using vigil::test::numel_y;
using vigil::test::pick;

constexpr float kCanary = -7777.0f;

// NaN floats around X and R: a read outside them (a border tap not clipped) turns an output into NaN.
constexpr size_t kGuard = 16384;

std::vector<float> guarded(const std::vector<float>& v) {
  std::vector<float> out(v.size() + 2 * kGuard, std::numeric_limits<float>::quiet_NaN());
  std::copy(v.begin(), v.end(), out.begin() + kGuard);
  return out;
}

// A conv case with its NCHWc parameters and the blocked operands.
struct NchwcCase {
  ConvCase c;
  Conv2dNchwcParams p;
  std::vector<float> x, r, packed;  // X (blocked unless x_plain) and R (blocked) inside guards; the packing
  const float* xp() const { return x.data() + kGuard; }
  const float* rp() const { return c.residual ? r.data() + kGuard : nullptr; }
};

// A random group-1 conv: channels 1..70, spatial 1..40 (1x1 images included), kernels 1..5 and 7, strides
// 1..3, dilations 1..2, pads (sometimes beyond the kernel), batch 1..2, every activation in turn, bias and
// residual (after or before the activation) on or off. A quarter are flat pointwise convs (1x1, stride 1,
// no pad), the engine's main case.
NchwcCase random_case(std::mt19937_64& rng, int index, int64_t block) {
  NchwcCase k;
  Conv2dParams& p = k.c.p;
  for (;;) {
    p = Conv2dParams{};
    p.batch = rng() % 5 == 0 ? 2 : 1;
    p.in_channels = rng() % 3 == 0 ? pick(rng, 1, 70) : pick(rng, 1, 24);
    p.out_channels = rng() % 3 == 0 ? pick(rng, 1, 70) : pick(rng, 1, 40);
    const int64_t size_kind = static_cast<int64_t>(rng() % 4);
    p.in_h = size_kind == 0 ? pick(rng, 1, 3) : size_kind == 1 ? pick(rng, 20, 40) : pick(rng, 1, 16);
    p.in_w = size_kind == 0 ? pick(rng, 1, 3) : rng() % 4 == 0 ? pick(rng, 1, 40) : p.in_h;
    const bool pointwise = rng() % 4 == 0;
    if (pointwise) {
      p.kernel_h = p.kernel_w = 1;
      if (rng() % 2 != 0) p.stride_h = p.stride_w = pick(rng, 2, 3);
    } else {
      p.kernel_h = rng() % 10 == 0 ? 7 : pick(rng, 1, 5);
      p.kernel_w = rng() % 3 == 0 ? pick(rng, 1, 5) : p.kernel_h;
      p.stride_h = pick(rng, 1, 3);
      p.stride_w = rng() % 3 == 0 ? pick(rng, 1, 3) : p.stride_h;
      p.dilation_h = rng() % 4 == 0 ? 2 : 1;
      p.dilation_w = rng() % 4 == 0 ? 2 : p.dilation_h;
      p.pad_top = pick(rng, 0, rng() % 6 == 0 ? 8 : 3);
      p.pad_left = rng() % 3 == 0 ? pick(rng, 0, 8) : p.pad_top;
    }
    const int64_t pad_bottom = pointwise ? 0 : pick(rng, 0, 3), pad_right = pointwise ? 0 : pick(rng, 0, 3);
    p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, pad_bottom);
    p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, pad_right);
    if (p.out_h < 1 || p.out_w < 1) continue;
    const double macs = static_cast<double>(p.batch * p.out_channels * p.out_h * p.out_w) *
                        static_cast<double>(p.in_channels * p.kernel_h * p.kernel_w);
    if (macs > 1.5e6) continue;
    break;
  }
  p.activation = make_activation(kAllActivations[index % std::size(kAllActivations)]);
  k.c.bias = rng() % 3 != 0;
  const int residual_kind = static_cast<int>(rng() % 3);  // none, after, before the activation
  k.c.residual = residual_kind != 0;
  p.residual_before_activation = residual_kind == 2;
  make_data(k.c, rng);

  k.p.conv = p;
  k.p.block = block;
  k.p.x_plain = rng() % 4 == 0;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  k.x =
      guarded(k.p.x_plain ? k.c.x : vigil::test::to_nchwc(k.c.x, p.batch, p.in_channels, p.in_h * p.in_w, block, nan));
  k.r = guarded(vigil::test::to_nchwc(k.c.r, p.batch, p.out_channels, p.out_h * p.out_w, block, nan));
  k.packed.assign(static_cast<size_t>(conv2d_nchwc_packed_floats(k.p)), nan);
  conv2d_nchwc_pack(k.p, k.c.w.data(), k.c.bias ? k.c.b.data() : nullptr, k.packed.data());
  return k;
}

std::string describe(KernelIsa isa, const NchwcCase& k) {
  return describe(isa, k.c) + " block" + std::to_string(k.p.block) + (k.p.x_plain ? " x_plain" : "") +
         (k.p.conv.residual_before_activation ? " residual-first" : "");
}

// y (NCHW, real channels) against conv2d_reference within the tolerance at the top of this file, with the
// residual added after the activation or, with residual_before_activation, inside it. Reports at most 5
// failing outputs.
void check_nchw_against_reference(const ConvCase& c, const std::vector<float>& y, const std::string& label) {
  Conv2dParams linear = c.p;
  linear.activation = ActivationParams{};
  std::vector<float> sum(y.size()), mag(y.size());
  conv2d_reference(linear, c.x.data(), c.w.data(), c.bias ? c.b.data() : nullptr, sum.data());
  std::vector<float> ax(c.x), aw(c.w), ab(c.b);
  for (auto* v : {&ax, &aw, &ab})
    for (float& e : *v) e = std::fabs(e);
  conv2d_reference(linear, ax.data(), aw.data(), c.bias ? ab.data() : nullptr, mag.data());
  const double eps = std::ldexp(1.0, -23);
  const double K = static_cast<double>(c.p.in_channels * c.p.kernel_h * c.p.kernel_w);
  const double L = lipschitz(c.p.activation.kind);
  int failures = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const float res = c.residual ? c.r[i] : 0.0f;
    const double want = c.p.residual_before_activation
                            ? activate_reference(c.p.activation, sum[i] + res)
                            : static_cast<double>(activate_reference(c.p.activation, sum[i])) + res;
    const double tol = L * (4.0 * eps * std::sqrt(K + 2.0) * mag[i] + 0.5 * eps * mag[i]) +
                       std::ldexp(1.0, -20) * (std::fabs(want) + std::fabs(res)) + 1e-30;
    if (!(std::fabs(y[i] - want) <= tol) && failures++ < 5)
      FAIL_CHECK(label << ": y[" << i << "] = " << y[i] << ", reference " << want << " +- " << tol);
  }
}

// [0, rows) cut into random contiguous ranges (empty and single-row ones included), in random order.
std::vector<std::pair<int64_t, int64_t>> random_split(std::mt19937_64& rng, int64_t rows) {
  std::vector<int64_t> cuts = {0, rows};
  const int64_t extra = pick(rng, 0, 5);
  for (int64_t i = 0; i < extra; ++i) cuts.push_back(pick(rng, 0, rows));
  if (rows > 1 && rng() % 2 == 0) {  // a single-row range somewhere
    const int64_t at = pick(rng, 0, rows - 1);
    cuts.push_back(at), cuts.push_back(at + 1);
  }
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) ranges.emplace_back(cuts[i], cuts[i + 1]);
  std::shuffle(ranges.begin(), ranges.end(), rng);
  return ranges;
}

// Y (blocked, all rows) of `isa` over a random split of the rows.
std::vector<float> run_split(KernelIsa isa, const NchwcCase& k, std::mt19937_64& rng) {
  const Conv2dParams& p = k.p.conv;
  const int64_t blocks = nchwc_blocks(p.out_channels, k.p.block);
  std::vector<float> y(static_cast<size_t>(p.batch * blocks * p.out_h * p.out_w * k.p.block), kCanary);
  for (const auto& [begin, end] : random_split(rng, conv2d_nchwc_rows(k.p)))
    conv2d_nchwc(isa, k.p, k.xp(), k.packed.data(), k.rp(), y.data(), begin, end);
  return y;
}

// One call over a random range of rows must write nothing outside those rows' outputs.
void check_canaries(KernelIsa isa, const NchwcCase& k, std::mt19937_64& rng, const std::string& label) {
  const Conv2dParams& p = k.p.conv;
  const int64_t rows = conv2d_nchwc_rows(k.p), row_floats = p.out_w * k.p.block;
  std::vector<float> y(static_cast<size_t>(rows * row_floats), kCanary);
  const int64_t begin = pick(rng, 0, rows), end = pick(rng, begin, rows);
  conv2d_nchwc(isa, k.p, k.xp(), k.packed.data(), k.rp(), y.data(), begin, end);
  int64_t touched = 0;
  for (int64_t i = 0; i < rows * row_floats; ++i) {
    const bool inside = i >= begin * row_floats && i < end * row_floats;
    if (!inside && y[static_cast<size_t>(i)] != kCanary) ++touched;
  }
  CHECK_MESSAGE(touched == 0,
                label << ": rows [" << begin << ", " << end << ") wrote " << touched << " floats outside them");
}

}  // namespace

TEST_CASE("conv2d_nchwc: the scalar path against conv2d_reference on 400 random convs, blocks 1..64") {
  std::mt19937_64 rng(1010);
  int plain = 0, pointwise = 0, padded = 0, partial_block = 0;
  for (int i = 0; i < 400; ++i) {
    const int64_t block = i % 4 == 0 ? pick(rng, 1, 64) : (i % 2 ? 16 : 8);
    const NchwcCase k = random_case(rng, i, block);
    const Conv2dParams& p = k.p.conv;
    REQUIRE(conv2d_nchwc_supported(KernelIsa::Scalar, k.p));
    plain += k.p.x_plain;
    pointwise += p.kernel_h == 1 && p.kernel_w == 1;
    padded += p.pad_top > 0 || p.pad_left > 0;
    partial_block += p.out_channels % block != 0 || p.in_channels % block != 0;
    const std::string label = describe(KernelIsa::Scalar, k);
    const std::vector<float> y = run_split(KernelIsa::Scalar, k, rng);
    check_nchw_against_reference(k.c, vigil::test::from_nchwc(y, p.batch, p.out_channels, p.out_h * p.out_w, block),
                                 label);
    if (i % 4 == 0) check_canaries(KernelIsa::Scalar, k, rng, label);
  }
  CHECK(plain >= 60);
  CHECK(pointwise >= 60);
  CHECK(padded >= 150);
  CHECK(partial_block >= 200);
}

TEST_CASE("conv2d_nchwc: a hand-computed 3x3 conv with stride 2, pad 1, bias, relu and a residual") {
  // X: 1 image, 2 channels, 3x3, x[c][h][w] = (c + 1) * (3h + w + 1); W: 1 output, w[0][c][i][j] = (c ? -1 : 1)
  // at the centre tap only and 1 at the top-left tap; out 2x2 (stride 2, pad 1 all round).
  Conv2dNchwcParams p;
  p.block = 2;
  p.conv.in_channels = 2, p.conv.in_h = 3, p.conv.in_w = 3;
  p.conv.out_channels = 1, p.conv.out_h = 2, p.conv.out_w = 2;
  p.conv.kernel_h = p.conv.kernel_w = 3;
  p.conv.stride_h = p.conv.stride_w = 2;
  p.conv.pad_top = p.conv.pad_left = 1;
  p.conv.activation.kind = Activation::Relu;
  std::vector<float> x_nchw(18), w(18, 0.0f);
  for (int c = 0; c < 2; ++c)
    for (int q = 0; q < 9; ++q) x_nchw[static_cast<size_t>(c * 9 + q)] = static_cast<float>((c + 1) * (q + 1));
  w[4] = 1.0f, w[9 + 4] = -1.0f, w[0] = 1.0f, w[9] = 1.0f;
  const float bias = 0.5f;
  std::vector<float> packed(static_cast<size_t>(conv2d_nchwc_packed_floats(p)));
  conv2d_nchwc_pack(p, w.data(), &bias, packed.data());
  const std::vector<float> x = vigil::test::to_nchwc(x_nchw, 1, 2, 9, 2, 0.0f);
  // Output (oh, ow) reads centre x[2oh][2ow] and top-left x[2oh-1][2ow-1] (0 outside):
  // centre: x0 - x1 = -(3h + w + 1); top-left: x0 + x1 = 3 * (3h + w + 1).
  //   (0,0): -1 + 0 + 0.5 = -0.5 -> relu 0;   (0,1): -3 + 0 + 0.5 = -2.5 -> 0
  //   (1,0): -7 + 0 + 0.5 -> 0;               (1,1): -9 + 3 * 5 + 0.5 = 6.5
  // R = -10, 20, 30, -40 (lane 1 is padding: NaN). After relu: 0 - 10, 0 + 20, 0 + 30, 6.5 - 40; before:
  // relu(-0.5 - 10), relu(-2.5 + 20), relu(-6.5 + 30), relu(6.5 - 40).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> r = {-10.0f, nan, 20.0f, nan, 30.0f, nan, -40.0f, nan};
  const float expect[2][4] = {{-10.0f, 20.0f, 30.0f, -33.5f}, {0.0f, 17.5f, 23.5f, 0.0f}};
  for (int before = 0; before < 2; ++before) {
    p.conv.residual_before_activation = before == 1;
    std::vector<float> y(8, kCanary);
    conv2d_nchwc_scalar(p, x.data(), packed.data(), r.data(), y.data(), 0, conv2d_nchwc_rows(p));
    for (int q = 0; q < 4; ++q) CHECK(y[static_cast<size_t>(2 * q)] == expect[before][q]);
  }
}

TEST_CASE("conv2d_nchwc: unsupported parameters are reported") {
  Conv2dNchwcParams p;
  p.block = 16;
  CHECK(conv2d_nchwc_supported(KernelIsa::Scalar, p));
  CHECK(conv2d_nchwc_supported(KernelIsa::Scalar, Conv2dNchwcParams{p.conv, 64, false}));
  CHECK_FALSE(conv2d_nchwc_supported(KernelIsa::Scalar, Conv2dNchwcParams{p.conv, 65, false}));
  CHECK_FALSE(conv2d_nchwc_supported(KernelIsa::Scalar, Conv2dNchwcParams{p.conv, 0, false}));
  Conv2dNchwcParams grouped = p;
  grouped.conv.in_channels = grouped.conv.out_channels = grouped.conv.group = 2;
  CHECK_FALSE(conv2d_nchwc_supported(KernelIsa::Scalar, grouped));
  Conv2dNchwcParams strided_image = p;
  strided_image.conv.in_image_stride = 5;
  CHECK_FALSE(conv2d_nchwc_supported(KernelIsa::Scalar, strided_image));
  Conv2dNchwcParams zero_stride = p;
  zero_stride.conv.stride_w = 0;
  CHECK_FALSE(conv2d_nchwc_supported(KernelIsa::Scalar, zero_stride));
}

namespace {

// The vector path's real outputs against the Scalar path's: each is within E of the exact sum (top of this
// file), so they may differ by twice that. S comes from the Scalar path over |x|, |w|, |bias|.
void check_against_scalar(const NchwcCase& k, const std::vector<float>& got, const std::vector<float>& want,
                          const std::vector<float>& mag, const std::string& label) {
  const Conv2dParams& p = k.p.conv;
  const double eps = std::ldexp(1.0, -23);
  const double K = static_cast<double>(p.in_channels * p.kernel_h * p.kernel_w);
  const double L = lipschitz(p.activation.kind);
  const std::vector<float> g = vigil::test::from_nchwc(got, p.batch, p.out_channels, p.out_h * p.out_w, k.p.block);
  const std::vector<float> w = vigil::test::from_nchwc(want, p.batch, p.out_channels, p.out_h * p.out_w, k.p.block);
  const std::vector<float> m = vigil::test::from_nchwc(mag, p.batch, p.out_channels, p.out_h * p.out_w, k.p.block);
  int failures = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double res = k.c.residual ? std::fabs(k.c.r[i]) : 0.0;
    const double tol = 2.0 * (L * (4.0 * eps * std::sqrt(K + 2.0) * m[i] + 0.5 * eps * m[i]) +
                              std::ldexp(1.0, -20) * (std::fabs(w[i]) + res)) +
                       1e-30;
    if (!(std::fabs(static_cast<double>(g[i]) - w[i]) <= tol) && failures++ < 5)
      FAIL_CHECK(label << ": y[" << i << "] = " << g[i] << ", scalar " << w[i] << " +- " << tol);
  }
}

// S per output: the Scalar path on |x|, |w|, |bias| without activation or residual.
std::vector<float> magnitudes(const NchwcCase& k) {
  NchwcCase a = k;
  a.p.conv.activation = ActivationParams{};
  for (float& e : a.x) e = std::fabs(e);  // NaN padding lanes stay NaN
  for (float& e : a.c.w) e = std::fabs(e);
  for (float& e : a.c.b) e = std::fabs(e);
  conv2d_nchwc_pack(a.p, a.c.w.data(), a.c.bias ? a.c.b.data() : nullptr, a.packed.data());
  const Conv2dParams& p = a.p.conv;
  std::vector<float> mag(static_cast<size_t>(conv2d_nchwc_rows(a.p) * p.out_w * a.p.block));
  conv2d_nchwc_scalar(a.p, a.xp(), a.packed.data(), nullptr, mag.data(), 0, conv2d_nchwc_rows(a.p));
  return mag;
}

}  // namespace

TEST_CASE("conv2d_nchwc: the vector paths against the scalar path on 600 random convs each") {
  for (const KernelIsa isa : vigil::test::kernel_test_isas(false)) {
    std::mt19937_64 rng(2020 + static_cast<int>(isa));
    const int64_t block = nchwc_block(isa);
    int plain = 0, flat = 0, padded = 0, partial_block = 0, strided = 0, padded_pointwise = 0;
    for (int i = 0; i < 600; ++i) {
      const NchwcCase k = random_case(rng, i, block);
      const Conv2dParams& p = k.p.conv;
      REQUIRE(conv2d_nchwc_supported(isa, k.p));
      plain += k.p.x_plain;
      flat += p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1;
      padded += p.pad_top > 0 || p.pad_left > 0;
      partial_block += p.out_channels % block != 0 || p.in_channels % block != 0;
      strided += p.stride_w > 1;
      padded_pointwise += p.kernel_h == 1 && p.kernel_w == 1 && (p.pad_top > 0 || p.pad_left > 0);
      const std::string label = describe(isa, k);
      const std::vector<float> want = run_split(KernelIsa::Scalar, k, rng);
      const std::vector<float> got = run_split(isa, k, rng);
      check_against_scalar(k, got, want, magnitudes(k), label);
      // Any split of the rows gives one call's bits (the engine's outputs must not depend on its threads).
      std::vector<float> whole(got.size(), kCanary);
      conv2d_nchwc(isa, k.p, k.xp(), k.packed.data(), k.rp(), whole.data(), 0, conv2d_nchwc_rows(k.p));
      CHECK_MESSAGE(std::memcmp(whole.data(), got.data(), got.size() * sizeof(float)) == 0, label);
      if (i % 3 == 0) check_canaries(isa, k, rng, label);
    }
    CHECK(plain >= 100);
    CHECK(flat >= 60);
    CHECK(padded >= 250);
    CHECK(partial_block >= 300);
    CHECK(strided >= 150);
    CHECK(padded_pointwise >= 10);
  }
}

TEST_CASE("conv2d_nchwc: the vector paths on MobileNet-like shapes with every row split") {
  // Pointwise convs on small images (flat runs spanning rows, both tile widths and the single-pixel tail),
  // the 3-channel stride-2 stem from plain NCHW, a dense 3x3: every split point of a 2-range split.
  struct Shape {
    int64_t c, m, h, w, k, s, pad;
    bool plain;
  };
  const Shape shapes[] = {{64, 40, 7, 7, 1, 1, 0, false}, {35, 33, 14, 14, 1, 1, 0, false},
                          {3, 32, 17, 17, 3, 2, 1, true}, {24, 24, 9, 11, 3, 1, 1, false},
                          {17, 9, 5, 5, 1, 2, 0, false},  {3, 16, 12, 12, 3, 1, 1, true}};
  for (const KernelIsa isa : vigil::test::kernel_test_isas(false)) {
    std::mt19937_64 rng(77);
    for (const Shape& s : shapes) {
      NchwcCase k;
      Conv2dParams& p = k.c.p;
      p.in_channels = s.c, p.out_channels = s.m, p.in_h = s.h, p.in_w = s.w;
      p.kernel_h = p.kernel_w = s.k, p.stride_h = p.stride_w = s.s, p.pad_top = p.pad_left = s.pad;
      p.out_h = conv_output_size(s.h, s.k, s.s, 1, s.pad, s.pad);
      p.out_w = conv_output_size(s.w, s.k, s.s, 1, s.pad, s.pad);
      p.activation = make_activation(Activation::Clip);
      k.c.bias = true, k.c.residual = true;
      make_data(k.c, rng);
      k.p.conv = p, k.p.block = nchwc_block(isa), k.p.x_plain = s.plain;
      const float nan = std::numeric_limits<float>::quiet_NaN();
      k.x = guarded(s.plain ? k.c.x : vigil::test::to_nchwc(k.c.x, 1, s.c, s.h * s.w, k.p.block, nan));
      k.r = guarded(vigil::test::to_nchwc(k.c.r, 1, s.m, p.out_h * p.out_w, k.p.block, nan));
      k.packed.resize(static_cast<size_t>(conv2d_nchwc_packed_floats(k.p)));
      conv2d_nchwc_pack(k.p, k.c.w.data(), k.c.b.data(), k.packed.data());
      const std::string label = describe(isa, k);
      const int64_t rows = conv2d_nchwc_rows(k.p);
      const std::vector<float> want = run_split(KernelIsa::Scalar, k, rng), mag = magnitudes(k);
      for (int64_t cut = 0; cut <= rows; ++cut) {
        std::vector<float> y(want.size(), kCanary);
        conv2d_nchwc(isa, k.p, k.xp(), k.packed.data(), k.rp(), y.data(), cut, rows);
        conv2d_nchwc(isa, k.p, k.xp(), k.packed.data(), k.rp(), y.data(), 0, cut);
        check_against_scalar(k, y, want, mag, label + " cut " + std::to_string(cut));
        std::vector<float> whole(want.size(), kCanary);
        conv2d_nchwc(isa, k.p, k.xp(), k.packed.data(), k.rp(), whole.data(), 0, rows);
        CHECK_MESSAGE(std::memcmp(whole.data(), y.data(), y.size() * sizeof(float)) == 0,
                      label << " cut " << cut << ": not the bits of one call");
      }
    }
  }
}
