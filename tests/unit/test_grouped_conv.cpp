// grouped_conv (kernels/grouped_conv) on every path the CPU has (scalar included), against conv2d_reference
// on 600 random grouped convs: 2..40 groups of 1..40 input and output channels (the two counts apart, odd
// counts, more outputs than a block of 4 and fewer), 1x1 to large images, kernels 1..5 (3x3 most often),
// strides 1..3, dilations 1..2, pads 0..4 (larger than the kernel too), batch 1..2, bias on/off, every
// activation; the workspace starts as NaN garbage. Same tolerance as test_conv2d_gemm.cpp
// (conv_case_support.h, docs/KERNELS.md). Then splitting the groups over calls, as the engine's threads do,
// must give the same bits as one call.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "conv_case_support.h"
#include "kernels/grouped_conv/grouped_conv.h"

using namespace vigil::kernels;

namespace {

using vigil::test::ConvCase;
using vigil::test::describe;
using vigil::test::kAllActivations;
using vigil::test::make_activation;
using vigil::test::make_data;
using vigil::test::numel_y;
using vigil::test::pick;

ConvCase random_case(std::mt19937_64& rng, int index) {
  for (;;) {
    ConvCase c;
    Conv2dParams& p = c.p;
    p.batch = pick(rng, 1, 2);
    p.group = pick(rng, 2, index % 5 == 0 ? 40 : 8);
    const int64_t cin_g = index % 3 == 0 ? pick(rng, 1, 40) : pick(rng, 1, 8);
    const int64_t cout_g = index % 4 == 0 ? pick(rng, 1, 40) : index % 4 == 1 ? cin_g : pick(rng, 1, 9);
    p.in_channels = p.group * cin_g;
    p.out_channels = p.group * cout_g;
    if (cin_g == 1 && cout_g == 1) continue;  // depthwise: not this kernel's
    const int size_kind = index % 8;
    if (size_kind == 0)
      p.in_h = 1, p.in_w = 1;
    else if (size_kind == 1)
      p.in_h = pick(rng, 40, 70), p.in_w = pick(rng, 40, 70), p.group = 2;
    else
      p.in_h = pick(rng, 1, 30), p.in_w = pick(rng, 1, 30);
    const int64_t k_kind = pick(rng, 0, 9);
    if (k_kind < 6)
      p.kernel_h = p.kernel_w = 3;
    else
      p.kernel_h = pick(rng, 1, 5), p.kernel_w = pick(rng, 1, 5);
    p.stride_h = pick(rng, 0, 2) == 0 ? 2 : pick(rng, 1, 3);
    p.stride_w = pick(rng, 0, 2) == 0 ? 2 : pick(rng, 1, 3);
    p.dilation_h = pick(rng, 0, 5) == 0 ? 2 : 1;
    p.dilation_w = pick(rng, 0, 5) == 0 ? 2 : 1;
    p.pad_top = pick(rng, 0, 4), p.pad_left = pick(rng, 0, 4);
    int64_t pad_bottom = pick(rng, 0, 4), pad_right = pick(rng, 0, 4);
    if (pick(rng, 0, 2) == 0) p.pad_top = p.pad_left = pad_bottom = pad_right = p.kernel_h / 2;
    p.in_channels = p.group * cin_g;
    p.out_channels = p.group * cout_g;
    p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, pad_bottom);
    p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, pad_right);
    if (p.out_h < 1 || p.out_w < 1) continue;
    p.activation = make_activation(kAllActivations[index % std::size(kAllActivations)]);
    c.bias = pick(rng, 0, 3) != 0;
    make_data(c, rng);
    return c;
  }
}

std::vector<float> run(GroupedConvFn fn, const ConvCase& c) {
  std::vector<float> y(static_cast<size_t>(numel_y(c.p)), -7.0f);
  std::vector<unsigned char> ws(static_cast<size_t>(grouped_conv_workspace_bytes(c.p)), 0xFF);  // NaN garbage
  fn(c.p, c.x.data(), c.w.data(), c.bias ? c.b.data() : nullptr, y.data(), ws.data());
  return y;
}

}  // namespace

TEST_CASE("grouped_conv: every path matches conv2d_reference on 600 random grouped convs") {
  std::mt19937_64 rng(20261125);
  for (int index = 0; index < 600; ++index) {
    const ConvCase c = random_case(rng, index);
    REQUIRE(grouped_conv_supported(c.p));
    for (KernelIsa isa : vigil::test::kernel_test_isas(true))
      vigil::test::check_against_reference(c, run(select_grouped_conv(isa), c), describe(isa, c));
  }
}

TEST_CASE("grouped_conv: groups split over calls give the bits of one call") {
  std::mt19937_64 rng(5);
  for (int index = 0; index < 40; ++index) {
    ConvCase c = random_case(rng, index);
    const Conv2dParams& p = c.p;
    if (p.batch != 1 || p.group < 3) continue;
    for (KernelIsa isa : vigil::test::kernel_test_isas(true)) {
      const auto whole = run(select_grouped_conv(isa), c);
      // Groups [0, split) and [split, group) in two calls, each from its first group's channels.
      const int64_t split = p.group / 2, cin_g = p.in_channels / p.group, cout_g = p.out_channels / p.group;
      const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w, taps = p.kernel_h * p.kernel_w;
      std::vector<float> parts(whole.size(), -7.0f);
      for (const auto& [g0, g1] : {std::pair<int64_t, int64_t>{0, split}, {split, p.group}}) {
        Conv2dParams part = p;
        part.group = g1 - g0;
        part.in_channels = part.group * cin_g;
        part.out_channels = part.group * cout_g;
        std::vector<unsigned char> ws(static_cast<size_t>(grouped_conv_workspace_bytes(part)), 0xFF);
        select_grouped_conv(isa)(part, c.x.data() + g0 * cin_g * in_plane, c.w.data() + g0 * cout_g * cin_g * taps,
                                 c.bias ? c.b.data() + g0 * cout_g : nullptr, parts.data() + g0 * cout_g * out_plane,
                                 ws.data());
      }
      CHECK(std::memcmp(whole.data(), parts.data(), whole.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("grouped_conv_supported / preferred: grouped, not depthwise, few channels per group") {
  Conv2dParams p;
  p.in_channels = p.out_channels = 128, p.group = 32;  // ResNeXt-50's first stage
  p.in_h = p.in_w = p.out_h = p.out_w = 56;
  p.kernel_h = p.kernel_w = 3, p.pad_top = p.pad_left = 1;
  CHECK(grouped_conv_supported(p));
  CHECK(grouped_conv_preferred(KernelIsa::Avx512, p));
  CHECK(!grouped_conv_preferred(KernelIsa::Scalar, p));
  p.group = 128;  // depthwise
  CHECK(!grouped_conv_supported(p));
  p.group = 1;
  CHECK(!grouped_conv_supported(p));
  p.group = 16;  // 8 channels per group: still this kernel
  CHECK(grouped_conv_preferred(KernelIsa::Avx512, p));
  p.group = 8;  // 16 channels per group: the packed GEMM per group
  CHECK(grouped_conv_supported(p));
  CHECK(!grouped_conv_preferred(KernelIsa::Avx512, p));
  p.out_channels = 127;  // the group does not divide the outputs
  CHECK(!grouped_conv_supported(p));
}
