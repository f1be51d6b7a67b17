// conv2d_gemm (kernels/conv2d_gemm): every ISA path the CPU has, against conv2d_reference on random convs
// (kernel sizes, strides, dilations, paddings incl. larger than the kernel, groups incl. depthwise, batch,
// tiny and large spatial sizes, every activation, residual on/off, threads), plus hand-checked cases.
//
// Tolerance: conv_case_support.h (docs/KERNELS.md).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "conv_case_support.h"
#include "engine/cpu_features.h"
#include "engine/thread_pool.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d_gemm/conv2d_gemm.h"

using namespace vigil::kernels;

namespace {

using vigil::test::ConvCase;
using vigil::test::describe;
using vigil::test::kAllActivations;
using vigil::test::make_activation;
using vigil::test::make_data;
using vigil::test::numel_y;
using vigil::test::pick;
using vigil::test::pool_parallel_for;
using vigil::test::serial_reversed;

std::vector<KernelIsa> conv_isas() { return vigil::test::kernel_test_isas(true); }

// Runs conv2d_gemm and compares with conv2d_reference; returns y.
std::vector<float> run_conv(KernelIsa isa, const ConvCase& c, const GemmThreading& threading,
                            const std::string& label) {
  const Conv2dParams& p = c.p;
  std::vector<float> packed(static_cast<size_t>(conv2d_gemm_packed_weights_floats(isa, p)));
  conv2d_gemm_pack_weights(isa, p, c.w.data(), packed.data());
  std::vector<char> ws(static_cast<size_t>(conv2d_gemm_workspace_bytes(isa, p, threading.threads)));
  std::vector<float> y(static_cast<size_t>(numel_y(p)), -7.0f);
  conv2d_gemm(isa, p, c.x.data(), packed.data(), c.bias ? c.b.data() : nullptr, c.residual ? c.r.data() : nullptr,
              y.data(), ws.data(), threading);

  vigil::test::check_against_reference(c, y, label);
  return y;
}

// A random valid conv. Sizes are kept so the float64 reference stays cheap, with some large spatial and
// some large channel counts.
ConvCase random_conv(std::mt19937_64& rng, int index) {
  ConvCase c;
  Conv2dParams& p = c.p;
  for (;;) {
    p.batch = rng() % 5 == 0 ? 2 : 1;
    const int shape_kind = static_cast<int>(rng() % 6);
    p.group = shape_kind == 0 ? pick(rng, 2, 4) : 1;
    int64_t cg = pick(rng, 1, 12), mg = pick(rng, 1, 20);
    if (shape_kind == 1) {  // depthwise
      p.group = pick(rng, 2, 24);
      cg = 1;
      mg = rng() % 2 ? 1 : 2;
    }
    if (shape_kind == 2) cg = pick(rng, 16, 40), mg = pick(rng, 8, 40);  // channel-heavy
    p.in_channels = cg * p.group;
    p.out_channels = mg * p.group;
    if (shape_kind == 3) {  // large spatial, few channels
      p.in_h = pick(rng, 40, 80);
      p.in_w = pick(rng, 40, 80);
    } else if (shape_kind == 4) {  // tiny spatial
      p.in_h = pick(rng, 1, 3);
      p.in_w = pick(rng, 1, 3);
    } else {
      p.in_h = pick(rng, 1, 24);
      p.in_w = pick(rng, 1, 24);
    }
    const bool pointwise = rng() % 4 == 0;
    p.kernel_h = pointwise ? 1 : pick(rng, 1, 5);
    p.kernel_w = pointwise ? 1 : (rng() % 3 == 0 ? pick(rng, 1, 5) : p.kernel_h);
    p.stride_h = pointwise && rng() % 2 ? 1 : pick(rng, 1, 3);
    p.stride_w = rng() % 3 == 0 ? pick(rng, 1, 3) : p.stride_h;
    p.dilation_h = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    p.dilation_w = rng() % 4 == 0 ? pick(rng, 2, 3) : p.dilation_h;
    const bool no_pad = pointwise && rng() % 2;
    p.pad_top = no_pad ? 0 : pick(rng, 0, rng() % 5 == 0 ? 6 : 2);  // sometimes larger than the kernel
    p.pad_left = no_pad ? 0 : pick(rng, 0, rng() % 5 == 0 ? 6 : 2);
    const int64_t pad_bottom = no_pad ? 0 : pick(rng, 0, 3), pad_right = no_pad ? 0 : pick(rng, 0, 3);
    p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, pad_bottom);
    p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, pad_right);
    if (p.out_h < 1 || p.out_w < 1) continue;
    const double macs = static_cast<double>(p.batch * p.out_channels * p.out_h * p.out_w) *
                        static_cast<double>(cg * p.kernel_h * p.kernel_w);
    if (macs > 4e6) continue;
    break;
  }
  p.activation = make_activation(kAllActivations[index % std::size(kAllActivations)]);
  c.bias = rng() % 3 != 0;
  c.residual = rng() % 3 == 0;
  make_data(c, rng);
  return c;
}

}  // namespace

TEST_CASE("conv2d_gemm: 520 random convs per ISA path against conv2d_reference") {
  std::mt19937_64 rng(2024);
  std::vector<ConvCase> cases;
  int direct = 0, grouped = 0, strided = 0, dilated = 0, big_pad = 0;
  for (int i = 0; i < 520; ++i) {
    cases.push_back(random_conv(rng, i));
    const Conv2dParams& p = cases.back().p;
    direct += conv2d_gemm_is_direct(p);
    grouped += p.group > 1;
    strided += p.stride_h > 1 || p.stride_w > 1;
    dilated += p.dilation_h > 1 || p.dilation_w > 1;
    big_pad += p.pad_top >= p.kernel_h || p.pad_left >= p.kernel_w;
  }
  // The mix really covers each feature.
  CHECK(direct >= 20);
  CHECK(grouped >= 50);
  CHECK(strided >= 100);
  CHECK(dilated >= 50);
  CHECK(big_pad >= 30);
  GemmThreading serial;
  GemmThreading split{serial_reversed, nullptr, 2, 1};  // split even the smallest products
  for (KernelIsa isa : conv_isas())
    for (size_t i = 0; i < cases.size(); ++i)
      run_conv(isa, cases[i], i % 4 == 0 ? split : serial, describe(isa, cases[i]));
}

TEST_CASE("conv2d_gemm: hand-checked 3x3 conv with padding, bias and residual") {
  // x = 1..9 on a 3x3 image, w = all ones 3x3, pad 1: each output is the sum of its 3x3 neighbourhood.
  ConvCase c;
  c.p.in_channels = 1;
  c.p.in_h = c.p.in_w = 3;
  c.p.out_channels = 1;
  c.p.kernel_h = c.p.kernel_w = 3;
  c.p.pad_top = c.p.pad_left = 1;
  c.p.out_h = c.p.out_w = 3;
  c.x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  c.w.assign(9, 1.0f);
  c.b = {0.5f};
  c.r = {0, 0, 0, 0, 100, 0, 0, 0, 0};
  c.bias = c.residual = true;
  const float expect[] = {12.5f, 21.5f, 16.5f, 27.5f, 145.5f, 33.5f, 24.5f, 39.5f, 28.5f};
  for (KernelIsa isa : conv_isas()) {
    const auto y = run_conv(isa, c, GemmThreading{}, describe(isa, c));
    for (int i = 0; i < 9; ++i) CHECK(y[static_cast<size_t>(i)] == expect[i]);
  }
}

TEST_CASE("conv2d_gemm: actdet-tiny layer shapes, threads give identical bits") {
  // Small-batch versions of the real layers (3x3 stride 2 stem, 3x3, 1x1, 512-channel 8x8, depthwise)
  // through the internal split and the per-product split, with a real 2-thread pool.
  vigil::ThreadPool pool(2);
  std::mt19937_64 rng(11);
  struct L {
    int64_t c, hw, m, k, s, g, batch;
  };
  const L layers[] = {{3, 64, 32, 3, 2, 1, 1},    {32, 32, 64, 3, 2, 1, 1},  {64, 16, 64, 3, 1, 1, 1},
                      {64, 16, 64, 1, 1, 1, 2},   {512, 8, 64, 3, 1, 1, 1},  {256, 8, 256, 3, 1, 256, 1},
                      {128, 16, 128, 3, 1, 2, 1}, {256, 16, 255, 1, 1, 1, 1}};
  for (const L& l : layers) {
    ConvCase c;
    Conv2dParams& p = c.p;
    p.batch = l.batch;
    p.in_channels = l.c;
    p.in_h = p.in_w = l.hw;
    p.out_channels = l.m;
    p.kernel_h = p.kernel_w = l.k;
    p.stride_h = p.stride_w = l.s;
    p.pad_top = p.pad_left = l.k / 2;
    p.group = l.g;
    p.out_h = p.out_w = conv_output_size(l.hw, l.k, l.s, 1, l.k / 2, l.k / 2);
    p.activation = make_activation(Activation::LeakyRelu);
    c.bias = true;
    c.residual = l.k == 1;
    make_data(c, rng);
    for (KernelIsa isa : conv_isas()) {
      const auto one = run_conv(isa, c, GemmThreading{}, describe(isa, c));
      const auto two = run_conv(isa, c, GemmThreading{pool_parallel_for, &pool, 2, 1}, describe(isa, c) + " 2 threads");
      CHECK_MESSAGE(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0, describe(isa, c));
    }
  }
}

TEST_CASE("conv2d_gemm: direct 1x1 detection") {
  Conv2dParams p;
  p.in_channels = 8, p.out_channels = 4, p.in_h = p.in_w = p.out_h = p.out_w = 5;
  CHECK(conv2d_gemm_is_direct(p));
  p.stride_h = 2, p.out_h = 3;
  CHECK_FALSE(conv2d_gemm_is_direct(p));
  p.stride_h = 1, p.out_h = 6;  // bottom padding: an extra output row over zeros
  CHECK_FALSE(conv2d_gemm_is_direct(p));
  p.out_h = 5, p.kernel_w = 3, p.pad_left = 1;
  CHECK_FALSE(conv2d_gemm_is_direct(p));
}
