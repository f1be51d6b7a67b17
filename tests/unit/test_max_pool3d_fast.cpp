// max_pool3d_fast (kernels/pooling/pool3d.h) against max_pool3d_reference, byte for byte, on 400 random
// valid shapes (kernels 1-4 deep, strides, dilations, pads, ceil-mode-sized outputs, rows up to 90 wide), on
// every ISA path the CPU has (scalar, AVX2, AVX-512), volumes in three parts cut at random points, and the
// separable loop's per-ISA builds on every shape (also the strided ones max_pool3d_fast gives the 2-D
// kernel). Inputs mix ordinary values with NaN, +-0, +-inf and repeated values, where the window order
// decides the result (the last NaN, the first of equal zeros), so splitting the window into W, H and depth
// passes must keep the reference's order.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "epilogue_test_support.h"
#include "kernels/pooling/pool3d.h"
#include "kernels/pooling/pooling.h"

using namespace vigil::kernels;

namespace {

int64_t pick(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}

// Every window along a dim covers an input cell (the engine's load-time rule for max pooling).
bool windows_touch_input(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad) {
  for (int64_t o = 0; o < out; ++o) {
    bool touches = false;
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t pos = o * stride - pad + k * dilation;
      touches |= pos >= 0 && pos < in;
    }
    if (!touches) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("max_pool3d_fast: bit-identical to max_pool3d_reference on 400 random shapes with NaN, zeros and ties") {
  std::mt19937_64 rng(3031);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<KernelIsa> isas = vigil::test::kernel_test_isas(true);
  int deep = 0;
  for (int t = 0; t < 400;) {
    Pool3dParams p;
    p.volumes = pick(rng, 1, 4);
    p.in_d = pick(rng, 1, 8), p.in_h = pick(rng, 1, 11), p.in_w = pick(rng, 1, 37);
    if (rng() % 4 == 0) p.in_h = pick(rng, 12, 30), p.in_w = pick(rng, 38, 90);  // rows of several vectors
    p.kernel_d = pick(rng, 1, 4), p.kernel_h = pick(rng, 1, 4), p.kernel_w = pick(rng, 1, 4);
    p.stride_d = pick(rng, 1, 3), p.stride_h = pick(rng, 1, 3), p.stride_w = pick(rng, 1, 3);
    if (rng() % 3 == 0) p.dilation_d = pick(rng, 1, 2), p.dilation_h = pick(rng, 1, 2), p.dilation_w = pick(rng, 1, 3);
    p.pad_front = pick(rng, 0, p.kernel_d - 1), p.pad_back = pick(rng, 0, p.kernel_d - 1);
    p.pad_top = pick(rng, 0, p.kernel_h - 1), p.pad_bottom = pick(rng, 0, p.kernel_h - 1);
    p.pad_left = pick(rng, 0, p.kernel_w - 1), p.pad_right = pick(rng, 0, p.kernel_w - 1);
    const bool ceil = rng() % 2 == 0;
    p.out_d = pool_output_size(p.in_d, p.kernel_d, p.stride_d, p.dilation_d, p.pad_front, p.pad_back, ceil);
    p.out_h = pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, ceil);
    p.out_w = pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, ceil);
    if (p.out_d < 1 || p.out_h < 1 || p.out_w < 1) continue;
    if (!windows_touch_input(p.in_d, p.out_d, p.kernel_d, p.stride_d, p.dilation_d, p.pad_front) ||
        !windows_touch_input(p.in_h, p.out_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top) ||
        !windows_touch_input(p.in_w, p.out_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left))
      continue;
    ++t;
    deep += p.kernel_d > 1;
    std::vector<float> x(static_cast<size_t>(p.volumes * p.in_d * p.in_h * p.in_w));
    // NaNs with distinct payloads, so "which NaN" is visible in the bytes.
    for (float& v : x) {
      const int kind = static_cast<int>(rng() % 40);
      if (kind == 0) {
        const uint32_t bits = 0x7fc00000u | static_cast<uint32_t>(rng() % 1000);
        std::memcpy(&v, &bits, sizeof v);
      } else if (kind <= 4) {
        const float specials[] = {0.0f, -0.0f, inf, -inf};
        v = specials[kind - 1];
      } else {
        v = kind < 12 ? 1.5f : static_cast<float>(pick(rng, -50, 50)) / 8.0f;  // many ties
      }
    }
    if (t % 4 == 0) x.assign(x.size(), nan);  // all NaN: every output NaN
    std::vector<float> want(static_cast<size_t>(p.volumes * p.out_d * p.out_h * p.out_w));
    max_pool3d_reference(p, x.data(), want.data());
    std::vector<float> scratch(static_cast<size_t>(max_pool3d_fast_scratch_floats(p)));
    for (KernelIsa isa : isas) {
      std::vector<float> got(want.size(), 42.0f);
      int64_t cut0 = pick(rng, 0, p.volumes), cut1 = pick(rng, 0, p.volumes);
      if (cut0 > cut1) std::swap(cut0, cut1);
      max_pool3d_fast(p, isa, x.data(), got.data(), cut1, p.volumes, scratch.data());
      max_pool3d_fast(p, isa, x.data(), got.data(), 0, cut0, scratch.data());
      max_pool3d_fast(p, isa, x.data(), got.data(), cut0, cut1, scratch.data());
      INFO("case ", t, " ", kernel_isa_name(isa), " in ", p.in_d, "x", p.in_h, "x", p.in_w, " kernel ", p.kernel_d, "x",
           p.kernel_h, "x", p.kernel_w);
      CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
      // The separable loop itself, whatever the strides (max_pool3d_fast runs it for stride_w 1 only).
      std::vector<float> separable(want.size(), 42.0f),
          scratch2(static_cast<size_t>(max_pool3d_separable_scratch_floats(p)));
      const auto fn = isa == KernelIsa::Avx512 ? max_pool3d_fast_avx512
                      : isa == KernelIsa::Avx2 ? max_pool3d_fast_avx2
                                               : max_pool3d_fast_scalar;
      fn(p, x.data(), separable.data(), cut0, p.volumes, scratch2.data());
      fn(p, x.data(), separable.data(), 0, cut0, scratch2.data());
      CHECK(std::memcmp(separable.data(), want.data(), want.size() * sizeof(float)) == 0);
    }
  }
  CHECK(deep > 250);
}
