// ConvTranspose2d kernels (kernels/conv_transpose2d):
//  - conv_transpose2d_reference (gather form, double) against hand-computed outputs and against an
//    independent float64 scatter loop written here (each input pixel stamps its kernel into a full-size
//    double buffer, which is then cropped), on random shapes;
//  - conv_transpose2d_fast (packed GEMM + col2im) against the reference on 520 random shapes per ISA path
//    (scalar, avx2, avx512 where the CPU has them): odd channel counts, strides 1-3, dilations, asymmetric
//    pads, output padding, groups incl. depthwise, batch, every activation, tiny and larger planes, serial
//    and split threading; plus shapes large enough for several column blocks, on a real thread pool;
//  - conv_transpose2d_depthwise (direct, group == C) against the reference on 600 random depthwise shapes per
//    ISA path: multipliers 1-3, strides 1-5 (phases with and without columns), kernels 1-7, dilations,
//    asymmetric pads, output padding, odd widths up to 45, every activation, planes in 3 random parts.
//
// Tolerances (docs/OPERATORS.md, ConvTranspose2d):
//  - reference vs the scatter loop: both sum in double, so they may differ by the final rounding to float:
//    2^-22 * |y| + 2^-40 * S (S = the same sum over |x|, |w|, |bias|).
//  - fast and depthwise vs reference: as for the packed-GEMM convs (conv_case_support.h) with K = Cg*kh*kw, an upper
//    bound on the terms of one output: L * (4 * 2^-23 * sqrt(K + 2) * S + 2^-24 * S) + 2^-20 * |y|.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/thread_pool.h"
#include "epilogue_test_support.h"
#include "kernels/conv_transpose2d/conv_transpose2d.h"
#include "kernels/conv_transpose2d/conv_transpose2d_depthwise.h"

using namespace vigil::kernels;

namespace {

using vigil::test::kAllActivations;
using vigil::test::lipschitz;
using vigil::test::make_activation;
using vigil::test::pool_parallel_for;
using vigil::test::serial_reversed;

struct Case {
  ConvTranspose2dParams p;
  int64_t pad_bottom = 0, pad_right = 0, output_padding_h = 0, output_padding_w = 0;
  bool bias = false;
  std::vector<float> x, w, b;
};

int64_t pick(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

int64_t numel_x(const ConvTranspose2dParams& p) { return p.batch * p.in_channels * p.in_h * p.in_w; }
int64_t numel_w(const ConvTranspose2dParams& p) {
  return p.in_channels * (p.out_channels / p.group) * p.kernel_h * p.kernel_w;
}
int64_t numel_y(const ConvTranspose2dParams& p) { return p.batch * p.out_channels * p.out_h * p.out_w; }

void fill(std::vector<float>& v, int64_t n, std::mt19937_64& rng, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  v.resize(static_cast<size_t>(n));
  for (float& e : v) e = u(rng);
}

// Sets out_h/out_w from the pads and output padding; false when nothing is left.
bool finish_shape(Case& c) {
  ConvTranspose2dParams& p = c.p;
  p.out_h = conv_transpose_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, c.pad_bottom,
                                       c.output_padding_h);
  p.out_w = conv_transpose_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, c.pad_right,
                                       c.output_padding_w);
  return p.out_h >= 1 && p.out_w >= 1;
}

void make_data(Case& c, std::mt19937_64& rng) {
  const ConvTranspose2dParams& p = c.p;
  fill(c.x, numel_x(p), rng, 1.0f);
  const double k = static_cast<double>(p.in_channels / p.group * p.kernel_h * p.kernel_w);
  fill(c.w, numel_w(p), rng, static_cast<float>(4.0 / std::sqrt(k)));
  fill(c.b, p.out_channels, rng, 1.0f);
}

std::string describe(const Case& c) {
  const ConvTranspose2dParams& p = c.p;
  return "N" + std::to_string(p.batch) + " C" + std::to_string(p.in_channels) + " " + std::to_string(p.in_h) + "x" +
         std::to_string(p.in_w) + " M" + std::to_string(p.out_channels) + " k" + std::to_string(p.kernel_h) + "x" +
         std::to_string(p.kernel_w) + " s" + std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " d" +
         std::to_string(p.dilation_h) + "," + std::to_string(p.dilation_w) + " pads" + std::to_string(p.pad_top) + "," +
         std::to_string(p.pad_left) + "," + std::to_string(c.pad_bottom) + "," + std::to_string(c.pad_right) + " op" +
         std::to_string(c.output_padding_h) + "," + std::to_string(c.output_padding_w) + " out" +
         std::to_string(p.out_h) + "x" + std::to_string(p.out_w) + " g" + std::to_string(p.group) + " " +
         std::string(activation_name(p.activation.kind)) + (c.bias ? " bias" : "");
}

// A random valid transposed conv; small enough that the double loops stay cheap.
Case random_case(std::mt19937_64& rng) {
  for (;;) {
    Case c;
    ConvTranspose2dParams& p = c.p;
    p.batch = rng() % 6 == 0 ? 2 : 1;
    const int kind = static_cast<int>(rng() % 6);
    int64_t cg = pick(rng, 1, 9), mg = pick(rng, 1, 9);
    p.group = kind == 0 ? pick(rng, 2, 4) : 1;
    if (kind == 1) {  // depthwise (and depthwise with a channel multiplier)
      p.group = pick(rng, 2, 12);
      cg = 1;
      mg = rng() % 2 ? 1 : 2;
    }
    if (kind == 2) cg = pick(rng, 12, 33), mg = pick(rng, 8, 24);  // channel-heavy
    p.in_channels = cg * p.group;
    p.out_channels = mg * p.group;
    if (kind == 3) {  // larger planes, few channels
      p.in_h = pick(rng, 16, 40);
      p.in_w = pick(rng, 16, 40);
    } else if (kind == 4) {  // tiny planes
      p.in_h = pick(rng, 1, 2);
      p.in_w = pick(rng, 1, 3);
    } else {
      p.in_h = pick(rng, 1, 12);
      p.in_w = pick(rng, 1, 12);
    }
    p.kernel_h = pick(rng, 1, 5);
    p.kernel_w = rng() % 3 == 0 ? pick(rng, 1, 5) : p.kernel_h;
    p.stride_h = pick(rng, 1, 3);
    p.stride_w = rng() % 3 == 0 ? pick(rng, 1, 3) : p.stride_h;
    p.dilation_h = rng() % 3 == 0 ? pick(rng, 2, 3) : 1;
    p.dilation_w = rng() % 3 == 0 ? pick(rng, 2, 3) : 1;
    const int64_t extent_h = (p.kernel_h - 1) * p.dilation_h + 1, extent_w = (p.kernel_w - 1) * p.dilation_w + 1;
    if (rng() % 3 != 0) {  // pads, often asymmetric; up to the dilated kernel extent
      p.pad_top = pick(rng, 0, extent_h - 1);
      p.pad_left = pick(rng, 0, extent_w - 1);
      c.pad_bottom = pick(rng, 0, extent_h - 1);
      c.pad_right = pick(rng, 0, extent_w - 1);
    }
    if (rng() % 3 == 0) {
      c.output_padding_h = pick(rng, 0, std::max(p.stride_h, p.dilation_h) - 1);
      c.output_padding_w = pick(rng, 0, std::max(p.stride_w, p.dilation_w) - 1);
    }
    c.bias = rng() % 2 == 0;
    p.activation =
        make_activation(rng() % 3 == 0 ? kAllActivations[rng() % std::size(kAllActivations)] : Activation::None);
    if (!finish_shape(c)) continue;
    make_data(c, rng);
    return c;
  }
}

// A random depthwise transposed conv (group == C, multiplier 1-3) for the direct kernel.
Case random_depthwise_case(std::mt19937_64& rng) {
  for (;;) {
    Case c;
    ConvTranspose2dParams& p = c.p;
    p.batch = rng() % 5 == 0 ? 2 : 1;
    p.group = p.in_channels = pick(rng, 1, 7);
    p.out_channels = p.in_channels * pick(rng, 1, 3);
    p.in_h = pick(rng, 1, 14);
    p.in_w = rng() % 4 == 0 ? pick(rng, 1, 3) : pick(rng, 1, 45);
    p.kernel_h = pick(rng, 1, 7);
    p.kernel_w = rng() % 3 == 0 ? pick(rng, 1, 7) : p.kernel_h;
    p.stride_h = pick(rng, 1, 4);
    p.stride_w = rng() % 3 == 0 ? pick(rng, 1, 5) : p.stride_h;
    p.dilation_h = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    p.dilation_w = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    const int64_t extent_h = (p.kernel_h - 1) * p.dilation_h + 1, extent_w = (p.kernel_w - 1) * p.dilation_w + 1;
    if (rng() % 3 != 0) {
      p.pad_top = pick(rng, 0, extent_h - 1);
      p.pad_left = pick(rng, 0, extent_w - 1);
      c.pad_bottom = pick(rng, 0, extent_h - 1);
      c.pad_right = pick(rng, 0, extent_w - 1);
    }
    if (rng() % 3 == 0) {
      c.output_padding_h = pick(rng, 0, std::max(p.stride_h, p.dilation_h) - 1);
      c.output_padding_w = pick(rng, 0, std::max(p.stride_w, p.dilation_w) - 1);
    }
    c.bias = rng() % 2 == 0;
    p.activation =
        make_activation(rng() % 3 == 0 ? kAllActivations[rng() % std::size(kAllActivations)] : Activation::None);
    if (!finish_shape(c)) continue;
    make_data(c, rng);
    return c;
  }
}

// The independent float64 loop: scatter every input pixel's dilated kernel stamp into a buffer holding the
// full (uncropped) output, then read y's window out of it; bias added, no activation.
std::vector<double> scatter_f64(const Case& c, const std::vector<float>& x, const std::vector<float>& w,
                                const std::vector<float>* b) {
  const ConvTranspose2dParams& p = c.p;
  const int64_t full_h = (p.in_h - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
  const int64_t full_w = (p.in_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  std::vector<double> y(static_cast<size_t>(numel_y(p)));
  std::vector<double> full(static_cast<size_t>(full_h * full_w));
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t m = 0; m < p.out_channels; ++m) {
      std::fill(full.begin(), full.end(), 0.0);
      const int64_t g = m / mg;
      for (int64_t ci = g * cg; ci < (g + 1) * cg; ++ci)
        for (int64_t ih = 0; ih < p.in_h; ++ih)
          for (int64_t iw = 0; iw < p.in_w; ++iw) {
            const double xv = x[static_cast<size_t>(((n * p.in_channels + ci) * p.in_h + ih) * p.in_w + iw)];
            for (int64_t i = 0; i < p.kernel_h; ++i)
              for (int64_t j = 0; j < p.kernel_w; ++j) {
                const double wv = w[static_cast<size_t>(((ci * mg + m % mg) * p.kernel_h + i) * p.kernel_w + j)];
                full[static_cast<size_t>((ih * p.stride_h + i * p.dilation_h) * full_w + iw * p.stride_w +
                                         j * p.dilation_w)] += xv * wv;
              }
          }
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          const int64_t fh = oh + p.pad_top, fw = ow + p.pad_left;
          const double v = fh < full_h && fw < full_w ? full[static_cast<size_t>(fh * full_w + fw)] : 0.0;
          y[static_cast<size_t>(((n * p.out_channels + m) * p.out_h + oh) * p.out_w + ow)] =
              v + (b ? static_cast<double>((*b)[static_cast<size_t>(m)]) : 0.0);
        }
    }
  return y;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (float& e : v) e = std::fabs(e);
  return v;
}

// S for every output: the same transposed conv over |x|, |w|, |bias|.
std::vector<double> magnitudes(const Case& c) {
  const std::vector<float> ab = abs_of(c.b);
  return scatter_f64(c, abs_of(c.x), abs_of(c.w), c.bias ? &ab : nullptr);
}

std::vector<float> run_reference(const Case& c) {
  std::vector<float> y(static_cast<size_t>(numel_y(c.p)), -7.0f);
  conv_transpose2d_reference(c.p, c.x.data(), c.w.data(), c.bias ? c.b.data() : nullptr, y.data());
  return y;
}

std::vector<float> run_fast(KernelIsa isa, const Case& c, const GemmThreading& threading) {
  const ConvTranspose2dParams& p = c.p;
  std::vector<float> packed(static_cast<size_t>(conv_transpose2d_packed_weights_floats(isa, p)));
  conv_transpose2d_pack_weights(isa, p, c.w.data(), packed.data());
  std::vector<char> ws(static_cast<size_t>(conv_transpose2d_workspace_bytes(isa, p, threading.threads)));
  std::vector<float> y(static_cast<size_t>(numel_y(p)), -7.0f);  // garbage: the kernel must overwrite it
  conv_transpose2d_fast(isa, p, c.x.data(), packed.data(), c.bias ? c.b.data() : nullptr, y.data(), ws.data(),
                        threading);
  return y;
}

// y (fast) against the reference within the fast-path tolerance; reports at most 5 failures.
void check_fast(const Case& c, const std::vector<float>& y, const std::vector<float>& expect,
                const std::vector<double>& mag, const std::string& label) {
  const double eps = std::ldexp(1.0, -23);
  const double K = static_cast<double>(c.p.in_channels / c.p.group * c.p.kernel_h * c.p.kernel_w);
  const double L = lipschitz(c.p.activation.kind);
  int failures = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const double tol = L * (4.0 * eps * std::sqrt(K + 2.0) * mag[i] + 0.5 * eps * mag[i]) +
                       std::ldexp(1.0, -20) * std::fabs(expect[i]) + 1e-30;
    if (!(std::fabs(static_cast<double>(y[i]) - expect[i]) <= tol) && failures++ < 5)
      FAIL_CHECK(label << ": y[" << i << "] = " << y[i] << ", reference " << expect[i] << " +- " << tol);
  }
}

}  // namespace

TEST_CASE("conv_transpose2d_reference: hand-computed stride-2 stamps and an overlapping stride-1 sum") {
  Case c;
  ConvTranspose2dParams& p = c.p;
  p.in_h = p.in_w = 2;
  p.kernel_h = p.kernel_w = 2;
  const std::vector<float> x{1, 2, 3, 4};
  const std::vector<float> w{1, 10, 100, 1000};
  SUBCASE("stride 2: every input pixel writes its own 2x2 block, x * W") {
    p.stride_h = p.stride_w = 2;
    p.out_h = p.out_w = 4;
    std::vector<float> y(16);
    conv_transpose2d_reference(p, x.data(), w.data(), nullptr, y.data());
    const std::vector<float> want{1,   10,   2,   20,    //
                                  100, 1000, 200, 2000,  //
                                  3,   30,   4,   40,    //
                                  300, 3000, 400, 4000};
    CHECK(y == want);
  }
  SUBCASE("stride 1: the centre gets one tap of each input pixel; pads 1 crop to it, bias and relu") {
    p.out_h = p.out_w = 3;
    std::vector<float> y(9);
    conv_transpose2d_reference(p, x.data(), w.data(), nullptr, y.data());
    // y[1][1] = x00*w11 + x01*w10 + x10*w01 + x11*w00.
    const std::vector<float> want{1, 12, 20, 103, 1234, 2040, 300, 3400, 4000};
    CHECK(y == want);
    p.pad_top = p.pad_left = 1;
    p.out_h = p.out_w = 1;
    const float bias = -2000.0f;
    p.activation.kind = Activation::Relu;
    float one = 0;
    conv_transpose2d_reference(p, x.data(), w.data(), &bias, &one);
    CHECK(one == 0.0f);  // relu(1234 - 2000)
  }
  SUBCASE("output padding adds a bias-only row and column; dilation 2 spreads the taps") {
    p.stride_h = p.stride_w = 2;
    p.dilation_h = p.dilation_w = 2;
    p.out_h = p.out_w = conv_transpose_output_size(2, 2, 2, 2, 0, 0, 1);
    REQUIRE(p.out_h == 6);
    const float bias = 0.5f;
    std::vector<float> y(36);
    conv_transpose2d_reference(p, x.data(), w.data(), &bias, y.data());
    // Input pixel (ih, iw) lands on rows 2*ih + 2*i: row 0 holds x0*w0 taps at columns 0 and 2 (x00 * w00,
    // x00 * w01 + x01 * w00 overlap at column 2) and x01 * w01 at column 4.
    CHECK(y[0] == 1.5f);
    CHECK(y[2] == 10 + 2 + 0.5f);
    CHECK(y[4] == 20.5f);
    CHECK(y[1] == 0.5f);
    for (int k = 0; k < 6; ++k) CHECK(y[static_cast<size_t>(5 * 6 + k)] == 0.5f);  // the output-padding row
  }
}

TEST_CASE("conv_transpose2d_reference: 300 random shapes against an independent float64 scatter loop") {
  std::mt19937_64 rng(20261124);
  for (int t = 0; t < 300; ++t) {
    Case c = random_case(rng);
    const std::vector<float> y = run_reference(c);
    const std::vector<double> want = scatter_f64(c, c.x, c.w, c.bias ? &c.b : nullptr);
    const std::vector<double> mag = magnitudes(c);
    int failures = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      const double expect = activate_reference(c.p.activation, static_cast<float>(want[i]));
      const double tol = std::ldexp(1.0, -22) * std::fabs(expect) + std::ldexp(1.0, -40) * mag[i] + 1e-30;
      if (!(std::fabs(y[i] - expect) <= tol) && failures++ < 5)
        FAIL_CHECK(describe(c) << ": y[" << i << "] = " << y[i] << ", scatter loop " << expect);
    }
  }
}

TEST_CASE("conv_transpose2d_fast: 520 random shapes per ISA path against the reference, serial and split") {
  std::mt19937_64 rng(77);
  std::vector<Case> cases;
  for (int t = 0; t < 520; ++t) cases.push_back(random_case(rng));
  const GemmThreading serial;
  const GemmThreading split{serial_reversed, nullptr, 3, 1};  // split every product, tasks run in reverse
  for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
    int t = 0;
    for (const Case& c : cases) {
      const std::vector<float> expect = run_reference(c);
      const std::vector<double> mag = magnitudes(c);
      const std::string label = std::string(kernel_isa_name(isa)) + " " + describe(c);
      check_fast(c, run_fast(isa, c, (t++ % 2) ? split : serial), expect, mag, label);
    }
  }
}

TEST_CASE("conv_transpose2d_fast: several column blocks per image, a real thread pool gives identical bits") {
  // 24 output channels x 4x4 taps x 96 columns = 36864 column floats per input row: a 40-row input takes three
  // blocks of the 2 MiB column budget, so rows scatter into output rows a later block also writes.
  std::mt19937_64 rng(5);
  vigil::ThreadPool pool(3);
  const GemmThreading threads{pool_parallel_for, &pool, 3, 1};
  for (int variant = 0; variant < 3; ++variant) {
    Case c;
    ConvTranspose2dParams& p = c.p;
    p.in_channels = variant == 2 ? 6 : 5;
    p.out_channels = 24;
    p.group = variant == 2 ? 2 : 1;
    p.in_h = 40;
    p.in_w = 96;
    p.kernel_h = p.kernel_w = 4;
    p.stride_h = p.stride_w = variant == 0 ? 2 : 1;
    p.pad_top = 1, c.pad_bottom = 2, p.pad_left = 1, c.pad_right = 1;
    c.output_padding_h = variant == 0 ? 1 : 0;
    c.bias = true;
    p.activation = make_activation(variant == 1 ? Activation::LeakyRelu : Activation::Relu);
    REQUIRE(finish_shape(c));
    make_data(c, rng);
    const std::vector<float> expect = run_reference(c);
    const std::vector<double> mag = magnitudes(c);
    for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
      const std::string label = std::string(kernel_isa_name(isa)) + " " + describe(c);
      const std::vector<float> one = run_fast(isa, c, GemmThreading{});
      check_fast(c, one, expect, mag, label);
      const std::vector<float> pooled = run_fast(isa, c, threads);
      CHECK_MESSAGE(pooled == one, label << ": 3 threads differ from 1");
    }
  }
}

TEST_CASE("conv_transpose2d_depthwise: 600 random depthwise shapes per ISA path against the reference") {
  std::mt19937_64 rng(2026);
  int narrow_phases = 0;  // cases where some stride phase has no output column (stride_w > out_w)
  for (int t = 0; t < 600; ++t) {
    const Case c = random_depthwise_case(rng);
    const ConvTranspose2dParams& p = c.p;
    REQUIRE(conv_transpose2d_depthwise_supported(p));
    narrow_phases += p.stride_w > p.out_w;
    const std::vector<float> expect = run_reference(c);
    const std::vector<double> mag = magnitudes(c);
    const int64_t planes = p.batch * p.out_channels;
    // The phase buffer with room past its end, filled with garbage the kernel must not read into y.
    std::vector<float> work(static_cast<size_t>(conv_transpose2d_depthwise_workspace_floats(p)) + 1, 1e30f);
    for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
      std::vector<float> y(static_cast<size_t>(numel_y(p)), -7.0f);
      int64_t cut0 = pick(rng, 0, planes), cut1 = pick(rng, 0, planes);
      if (cut0 > cut1) std::swap(cut0, cut1);
      const float* b = c.bias ? c.b.data() : nullptr;
      conv_transpose2d_depthwise(isa, p, c.x.data(), c.w.data(), b, y.data(), cut1, planes, work.data());
      conv_transpose2d_depthwise(isa, p, c.x.data(), c.w.data(), b, y.data(), 0, cut0, work.data());
      conv_transpose2d_depthwise(isa, p, c.x.data(), c.w.data(), b, y.data(), cut0, cut1, work.data());
      check_fast(c, y, expect, mag, std::string(kernel_isa_name(isa)) + " depthwise " + describe(c));
    }
  }
  CHECK(narrow_phases > 10);
}

TEST_CASE("conv_transpose2d_depthwise: which convs it takes, its workspace") {
  ConvTranspose2dParams p;
  p.in_channels = p.group = 8;
  p.out_channels = 16;
  p.out_w = 10;
  p.stride_w = 1;
  CHECK(conv_transpose2d_depthwise_supported(p));
  p.kernel_h = 3;
  p.kernel_w = 2;
  // Stride 1 accumulates in the output row: only the tap tables, 10 floats per kernel row and column, and
  // the active-row list, 2 floats per kernel row.
  CHECK(conv_transpose2d_depthwise_phase_floats(p) == 0);
  CHECK(conv_transpose2d_depthwise_workspace_floats(p) == 56);
  p.stride_w = 3;
  CHECK(conv_transpose2d_depthwise_phase_floats(p) == 12 + 16);  // 3 phases of ceil(10 / 3) = 4 columns + a vector
  CHECK(conv_transpose2d_depthwise_workspace_floats(p) == 68 + 16);
  p.out_w = 8;
  CHECK(conv_transpose2d_depthwise_phase_floats(p) == 26);  // 9 + 16, rounded up to keep the tables 8-byte aligned
  p.stride_w = kConvTransposeDepthwiseMaxStride + 1;
  CHECK_FALSE(conv_transpose2d_depthwise_supported(p));
  p.stride_w = 2;
  p.group = 4;  // two input channels per group: not depthwise
  CHECK_FALSE(conv_transpose2d_depthwise_supported(p));
}
