// conv2d_direct (kernels/conv2d_direct) on every vector path the CPU has, against conv2d_reference on random
// convs from its whole supported domain (group 1, stride_w 1 or 2; any stride_h, kernel, dilation,
// padding incl. larger than the kernel, channel counts off the tile sizes, outputs narrower and wider than
// a register tile and not multiples of it, tiny and large images, batch, every activation, residual on/off,
// task splits). Same tolerance as test_conv2d_gemm.cpp (docs/KERNELS.md). Where K fits one GEMM K block
// the direct kernel must also equal gemm_packed on the implicit im2col view bit for bit: the same sums in
// the same order and the same epilogue.
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
#include "kernels/conv2d_direct/conv2d_direct.h"
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
using vigil::test::reduction;
using vigil::test::serial_reversed;

std::vector<KernelIsa> direct_isas() { return vigil::test::kernel_test_isas(false); }

// Runs conv2d_direct, compares it with conv2d_reference (and, for K <= the GEMM's K block and one image,
// with gemm_packed bit for bit); returns y.
std::vector<float> run_direct(KernelIsa isa, const ConvCase& c, const GemmThreading& threading,
                              const std::string& label) {
  const Conv2dParams& p = c.p;
  REQUIRE(conv2d_direct_supported(isa, p));
  std::vector<float> packed(static_cast<size_t>(conv2d_gemm_packed_weights_floats(isa, p)));
  conv2d_gemm_pack_weights(isa, p, c.w.data(), packed.data());
  std::vector<char> ws(static_cast<size_t>(conv2d_direct_workspace_bytes(isa, p, threading.threads)));
  std::vector<float> y(static_cast<size_t>(numel_y(p)), -7.0f);
  const float* bias = c.bias ? c.b.data() : nullptr;
  const float* residual = c.residual ? c.r.data() : nullptr;
  conv2d_direct(isa, p, c.x.data(), packed.data(), bias, residual, y.data(), ws.data(), threading);

  vigil::test::check_against_reference(c, y, label);

  if (reduction(p) <= gemm_blocking(isa).kc && p.batch == 1) {
    const Im2colGeometry g{p.in_channels, p.in_h,       p.in_w,    p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                           p.dilation_h,  p.dilation_w, p.pad_top, p.pad_left, p.out_h,    p.out_w};
    GemmPackedParams gp;
    gp.m = p.out_channels;
    gp.n = p.out_h * p.out_w;
    gp.k = reduction(p);
    gp.packed_a = packed.data();
    gp.b.data = c.x.data();
    gp.b.im2col = &g;
    std::vector<float> y_gemm(y.size());
    gp.c = y_gemm.data();
    gp.ldc = gp.n;
    gp.bias = bias;
    gp.activation = p.activation;
    gp.residual = residual;
    gp.ld_residual = gp.n;
    std::vector<char> gws(static_cast<size_t>(gemm_packed_workspace_bytes(isa, gp.m, gp.n, gp.k, 1)));
    gemm_packed(isa, gp, gws.data(), GemmThreading{});
    CHECK_MESSAGE(std::memcmp(y.data(), y_gemm.data(), y.size() * sizeof(float)) == 0,
                  label << ": differs from gemm_packed");
  }
  return y;
}

ConvCase random_conv(std::mt19937_64& rng, int index) {
  ConvCase c;
  Conv2dParams& p = c.p;
  for (;;) {
    p.batch = rng() % 6 == 0 ? 2 : 1;
    const int shape_kind = static_cast<int>(rng() % 5);
    p.in_channels = shape_kind == 0 ? pick(rng, 16, 40) : pick(rng, 1, 6);
    p.out_channels = rng() % 3 == 0 ? pick(rng, 20, 48) : pick(rng, 1, 20);
    if (shape_kind == 1) {  // wide: several register tiles per output row
      p.in_h = pick(rng, 20, 60);
      p.in_w = pick(rng, 60, 150);
    } else if (shape_kind == 2) {  // tiny
      p.in_h = pick(rng, 1, 3);
      p.in_w = pick(rng, 1, 3);
    } else {
      p.in_h = pick(rng, 1, 40);
      p.in_w = pick(rng, 1, 70);
    }
    p.kernel_h = pick(rng, 1, 5);
    p.kernel_w = rng() % 3 == 0 ? pick(rng, 1, 5) : p.kernel_h;
    p.stride_w = pick(rng, 1, 2);
    p.stride_h = rng() % 4 == 0 ? pick(rng, 1, 3) : p.stride_w;
    p.dilation_h = rng() % 4 == 0 ? pick(rng, 2, 3) : 1;
    p.dilation_w = rng() % 4 == 0 ? pick(rng, 2, 3) : p.dilation_h;
    p.pad_top = pick(rng, 0, rng() % 5 == 0 ? 6 : 2);  // sometimes larger than the kernel
    p.pad_left = pick(rng, 0, rng() % 5 == 0 ? 6 : 2);
    const int64_t pad_bottom = pick(rng, 0, 3), pad_right = pick(rng, 0, 3);
    p.out_h = conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, pad_bottom);
    p.out_w = conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, pad_right);
    if (p.out_h < 1 || p.out_w < 1) continue;
    const double macs = static_cast<double>(numel_y(p)) * static_cast<double>(reduction(p));
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

TEST_CASE("conv2d_direct: 520 random convs per vector path against conv2d_reference and gemm_packed") {
  std::mt19937_64 rng(77);
  std::vector<ConvCase> cases;
  int stride2 = 0, dilated = 0, big_pad = 0, wide = 0, narrow = 0, ragged_m = 0, long_k = 0;
  for (int i = 0; i < 520; ++i) {
    cases.push_back(random_conv(rng, i));
    const Conv2dParams& p = cases.back().p;
    stride2 += p.stride_w == 2;
    dilated += p.dilation_h > 1 || p.dilation_w > 1;
    big_pad += p.pad_top >= p.kernel_h || p.pad_left >= p.kernel_w;
    wide += p.out_w > 32;
    narrow += p.out_w < 16;
    ragged_m += p.out_channels % 8 != 0 && p.out_channels % 6 != 0;
    long_k += reduction(p) > 256;
  }
  // The mix really covers each feature.
  CHECK(stride2 >= 150);
  CHECK(dilated >= 50);
  CHECK(big_pad >= 30);
  CHECK(wide >= 50);
  CHECK(narrow >= 100);
  CHECK(ragged_m >= 200);
  CHECK(long_k >= 10);
  GemmThreading serial;
  GemmThreading split{serial_reversed, nullptr, 2, 1};  // split even the smallest convs
  GemmThreading split3{serial_reversed, nullptr, 3, 1};
  for (KernelIsa isa : direct_isas())
    for (size_t i = 0; i < cases.size(); ++i)
      run_direct(isa, cases[i], i % 4 == 0 ? split : (i % 4 == 1 ? split3 : serial), describe(isa, cases[i]));
}

TEST_CASE("conv2d_direct: outputs one vector wide (a tile covers two output rows)") {
  // out_w = NR / 2 (16 on AVX-512, 8 on AVX2): each tile's two B vectors come from two output rows. Odd
  // and tiny heights (the last tile's second row is not stored), every stride_h, padding, dilation, batch,
  // residual, task splits.
  std::mt19937_64 rng(91);
  for (KernelIsa isa : direct_isas()) {
    const int64_t w = gemm_blocking(isa).nr / 2;
    for (int i = 0; i < 120; ++i) {
      ConvCase c;
      Conv2dParams& p = c.p;
      p.batch = i % 5 == 0 ? 2 : 1;
      p.in_channels = i % 3 == 0 ? pick(rng, 16, 40) : pick(rng, 1, 8);
      p.out_channels = pick(rng, 1, 40);
      p.kernel_h = pick(rng, 1, 4);
      p.kernel_w = i % 4 == 0 ? pick(rng, 1, 4) : p.kernel_h;
      p.stride_w = pick(rng, 1, 2);
      p.stride_h = pick(rng, 1, 3);
      p.dilation_h = i % 5 == 1 ? 2 : 1;
      p.dilation_w = i % 7 == 2 ? 2 : 1;
      p.pad_top = pick(rng, 0, 2);
      p.pad_left = pick(rng, 0, 2);
      p.out_h = pick(rng, 1, 21);
      p.out_w = w;
      // Input sizes that give exactly these outputs with bottom/right pads 0..2 and 0..(stride - 1) input
      // rows/columns left over.
      const int64_t pad_bottom = pick(rng, 0, 2), pad_right = pick(rng, 0, 2);
      p.in_h = (p.out_h - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1 - p.pad_top - pad_bottom +
               pick(rng, 0, p.stride_h - 1);
      p.in_w = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1 - p.pad_left - pad_right +
               pick(rng, 0, p.stride_w - 1);
      if (p.in_h < 1 || p.in_w < 1 ||
          conv_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, pad_bottom) != p.out_h ||
          conv_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, pad_right) != p.out_w) {
        --i;
        continue;
      }
      p.activation = make_activation(kAllActivations[i % std::size(kAllActivations)]);
      c.bias = i % 3 != 0;
      c.residual = i % 4 == 0;
      make_data(c, rng);
      const GemmThreading threading = i % 3 == 0 ? GemmThreading{serial_reversed, nullptr, 2, 1} : GemmThreading{};
      run_direct(isa, c, threading, describe(isa, c));
    }
  }
}

TEST_CASE("conv2d_direct: actdet-tiny's first layers, threads give identical bits") {
  // L0 (3 -> 32, 3x3 stride 2) at full size and L1's shape on a smaller image, with a real 2-thread pool.
  vigil::ThreadPool pool(2);
  std::mt19937_64 rng(5);
  struct L {
    int64_t c, hw, m;
  };
  for (const L& l : {L{3, 256, 32}, L{32, 48, 64}, L{3, 37, 13}}) {
    ConvCase c;
    Conv2dParams& p = c.p;
    p.in_channels = l.c;
    p.in_h = p.in_w = l.hw;
    p.out_channels = l.m;
    p.kernel_h = p.kernel_w = 3;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = 1;
    p.out_h = p.out_w = conv_output_size(l.hw, 3, 2, 1, 1, 1);
    p.activation = make_activation(Activation::LeakyRelu);
    c.bias = true;
    make_data(c, rng);
    for (KernelIsa isa : direct_isas()) {
      const auto one = run_direct(isa, c, GemmThreading{}, describe(isa, c));
      const auto two =
          run_direct(isa, c, GemmThreading{pool_parallel_for, &pool, 2, 1}, describe(isa, c) + " 2 threads");
      CHECK_MESSAGE(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0, describe(isa, c));
    }
  }
}

TEST_CASE("conv2d_direct: supported and preferred shapes") {
  Conv2dParams p;
  p.in_channels = 3, p.out_channels = 32, p.in_h = p.in_w = 256, p.kernel_h = p.kernel_w = 3;
  p.stride_h = p.stride_w = 2, p.pad_top = p.pad_left = 1, p.out_h = p.out_w = 128;
  CHECK_FALSE(conv2d_direct_supported(KernelIsa::Scalar, p));
  CHECK(conv2d_direct_supported(KernelIsa::Avx512, p));
  CHECK(conv2d_direct_preferred(KernelIsa::Avx512, p));
  CHECK(conv2d_direct_preferred(KernelIsa::Avx2, p));
  p.stride_w = 3;
  CHECK_FALSE(conv2d_direct_supported(KernelIsa::Avx512, p));
  p.stride_w = 2, p.group = 3, p.out_channels = 3;
  CHECK_FALSE(conv2d_direct_supported(KernelIsa::Avx512, p));
  p.group = 1, p.in_channels = 512, p.in_h = p.in_w = p.out_h = p.out_w = 8, p.stride_h = p.stride_w = 1;
  CHECK(conv2d_direct_supported(KernelIsa::Avx512, p));
  CHECK_FALSE(conv2d_direct_preferred(KernelIsa::Avx512, p));  // K 4608, 8 pixels wide: the GEMM's case
  // 16x16 outputs (one AVX-512 vector per row): stride 1 with K <= 1152 (L20), not K 2304 (L18).
  p.in_channels = 128, p.in_h = p.in_w = p.out_h = p.out_w = 16;
  CHECK(conv2d_direct_preferred(KernelIsa::Avx512, p));
  CHECK(conv2d_direct_preferred(KernelIsa::Avx2, p));  // one AVX2 tile wide: the ordinary rule
  p.in_channels = 256;
  CHECK_FALSE(conv2d_direct_preferred(KernelIsa::Avx512, p));
  // A plain 1x1 conv (actdet's L7: 64 -> 64 on 64x64, K 64) stays on the GEMM, which reads B = X as is.
  p.in_channels = p.out_channels = 64, p.in_h = p.in_w = p.out_h = p.out_w = 64;
  p.kernel_h = p.kernel_w = 1, p.pad_top = p.pad_left = 0;
  CHECK(conv2d_direct_supported(KernelIsa::Avx512, p));
  CHECK_FALSE(conv2d_direct_preferred(KernelIsa::Avx512, p));
  CHECK_FALSE(conv2d_direct_preferred(KernelIsa::Avx2, p));
  p.pad_top = p.pad_left = 1, p.out_h = p.out_w = 66;  // padded: im2col, where the direct kernel is preferred
  CHECK(conv2d_direct_preferred(KernelIsa::Avx512, p));
}
