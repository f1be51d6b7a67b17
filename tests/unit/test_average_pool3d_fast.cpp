// average_pool3d_fast (kernels/pooling/pool3d.h) against average_pool3d_reference, byte for byte, on 400
// random valid shapes (kernels 2-4 deep, strides 1-3, dilations, pads, ceil-mode-sized outputs,
// count_include_pad both ways, rows up to 90 wide, windows wholly in the padding included), on every ISA path the CPU
// has, volumes in three parts cut at random points, scratch reused dirty between calls. Inputs mix values of very
// different magnitudes (so the double sums' order shows in the rounding), +-0, +-inf and NaN (a NaN output must be NaN;
// which NaN is not compared, see below).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
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

}  // namespace

TEST_CASE("average_pool3d_fast: bit-identical to average_pool3d_reference on 400 random shapes, every ISA path") {
  std::mt19937_64 rng(6061);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<KernelIsa> isas = vigil::test::kernel_test_isas(true);
  int deep = 0, with_pad = 0, strided = 0;
  for (int t = 0; t < 400;) {
    Pool3dParams p;
    p.volumes = pick(rng, 1, 4);
    p.in_d = pick(rng, 1, 8), p.in_h = pick(rng, 1, 11), p.in_w = pick(rng, 1, 37);
    if (rng() % 4 == 0) p.in_h = pick(rng, 12, 30), p.in_w = pick(rng, 38, 90);
    p.kernel_d = pick(rng, 2, 4), p.kernel_h = pick(rng, 1, 4), p.kernel_w = pick(rng, 1, 4);
    p.stride_d = pick(rng, 1, 3), p.stride_h = pick(rng, 1, 3), p.stride_w = pick(rng, 1, 3);
    if (rng() % 3 == 0) p.dilation_d = pick(rng, 1, 2), p.dilation_h = pick(rng, 1, 2), p.dilation_w = pick(rng, 1, 3);
    p.pad_front = pick(rng, 0, p.kernel_d - 1), p.pad_back = pick(rng, 0, p.kernel_d - 1);
    p.pad_top = pick(rng, 0, p.kernel_h - 1), p.pad_bottom = pick(rng, 0, p.kernel_h - 1);
    p.pad_left = pick(rng, 0, p.kernel_w - 1), p.pad_right = pick(rng, 0, p.kernel_w - 1);
    p.count_include_pad = rng() % 2 == 0;
    const bool ceil = rng() % 2 == 0;
    p.out_d = pool_output_size(p.in_d, p.kernel_d, p.stride_d, p.dilation_d, p.pad_front, p.pad_back, ceil);
    p.out_h = pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom, ceil);
    p.out_w = pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right, ceil);
    if (p.out_d < 1 || p.out_h < 1 || p.out_w < 1) continue;
    ++t;
    deep += p.kernel_d > 1;
    with_pad += p.count_include_pad;
    strided += p.stride_w > 1;
    std::vector<float> x(static_cast<size_t>(p.volumes * p.in_d * p.in_h * p.in_w));
    for (float& v : x) {
      const int kind = static_cast<int>(rng() % 200);
      if (kind == 0) {
        v = std::numeric_limits<float>::quiet_NaN();
      } else if (kind <= 4) {
        const float specials[] = {0.0f, -0.0f, inf, -inf};
        v = specials[kind - 1];
      } else {
        v = std::ldexp(static_cast<float>(pick(rng, -1000, 1000)) / 997.0f, static_cast<int>(pick(rng, -30, 30)));
      }
    }
    if (t % 5 == 0) x.assign(x.size(), -0.0f);  // all -0: the reference's sums start at +0.0
    std::vector<float> want(static_cast<size_t>(p.volumes * p.out_d * p.out_h * p.out_w));
    average_pool3d_reference(p, x.data(), want.data());
    REQUIRE(average_pool3d_fast_scratch_bytes(p) > 0);
    std::vector<unsigned char> scratch(static_cast<size_t>(average_pool3d_fast_scratch_bytes(p)) + 1, 0x7f);
    for (KernelIsa isa : isas) {
      std::vector<float> got(want.size(), 42.0f);
      int64_t cut0 = pick(rng, 0, p.volumes), cut1 = pick(rng, 0, p.volumes);
      if (cut0 > cut1) std::swap(cut0, cut1);
      average_pool3d_fast(p, isa, x.data(), got.data(), cut1, p.volumes, scratch.data() + 1);  // unaligned
      average_pool3d_fast(p, isa, x.data(), got.data(), 0, cut0, scratch.data() + 1);
      average_pool3d_fast(p, isa, x.data(), got.data(), cut0, cut1, scratch.data() + 1);
      // Bit for bit, except that a NaN output only has to be NaN: which NaN an add of two NaNs (or of
      // inf - inf and a NaN) returns depends on the operand order the compiler picks for a commutative add.
      size_t bad = 0, first_bad = want.size();
      for (size_t k = 0; k < want.size(); ++k) {
        const bool same = std::isnan(want[k]) ? std::isnan(got[k]) : std::memcmp(&got[k], &want[k], sizeof(float)) == 0;
        if (!same && bad++ == 0) first_bad = k;
      }
      INFO("case ", t, " ", std::string(kernel_isa_name(isa)), " in ", p.in_d, "x", p.in_h, "x", p.in_w, " kernel ",
           p.kernel_d, "x", p.kernel_h, "x", p.kernel_w, " count_include_pad ", p.count_include_pad, " first bad ",
           first_bad, ": ", (bad ? got[first_bad] : 0.0f), " vs ", (bad ? want[first_bad] : 0.0f));
      CHECK(bad == 0);
    }
  }
  CHECK(deep == 400);
  CHECK(with_pad > 150);
  CHECK(strided > 200);
}
