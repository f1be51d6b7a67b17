// The NCHWc reorders and global pool (kernels/nchwc/nchwc_layout.h) on every path this CPU has: values at
// hand-computed offsets, random shapes against an index formula written here (walking the destination),
// bit-exact copies (NaN payloads and -0 included), zeros in the padding lanes, round trips, canaries
// outside the requested channel blocks, and the pool bit for bit against global_average_pool_reference
// and on sums whose result depends on summing in double and in pixel order.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/nchwc/nchwc_layout.h"
#include "kernels/pooling/pooling.h"
#include "tests/unit/epilogue_test_support.h"

using namespace vigil::kernels;

namespace {

constexpr float kCanary = -777.0f;

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// The paths with the block each one takes; Scalar also with odd blocks.
struct PathBlock {
  KernelIsa isa;
  int64_t block;
};
std::vector<PathBlock> path_blocks() {
  std::vector<PathBlock> out = {{KernelIsa::Scalar, 1}, {KernelIsa::Scalar, 5}, {KernelIsa::Scalar, 16}};
  for (KernelIsa isa : vigil::test::kernel_test_isas(false)) out.push_back({isa, nchwc_block(isa)});
  return out;
}

std::string describe(const PathBlock& pb, const NchwcShape& s, int64_t begin, int64_t end) {
  return std::string(kernel_isa_name(pb.isa)) + " b" + std::to_string(pb.block) + " N" + std::to_string(s.images) +
         " C" + std::to_string(s.channels) + " P" + std::to_string(s.pixels) + " blocks [" + std::to_string(begin) +
         ", " + std::to_string(end) + ")";
}

// Random values with some NaNs (odd payloads), infinities and negative zeros: a copy must keep every bit.
std::vector<float> random_bits(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t kind = rng() % 50;
    if (kind == 0) {
      const uint32_t nan_bits = 0x7FC00000u | (rng() & 0x3FFFFFu) | (rng() & 1u) << 31;
      std::memcpy(&v[i], &nan_bits, sizeof nan_bits);
    } else if (kind == 1) {
      v[i] = -0.0f;
    } else if (kind == 2) {
      v[i] = -std::numeric_limits<float>::infinity();
    } else {
      v[i] = u(rng);
    }
  }
  return v;
}

}  // namespace

TEST_CASE("nchwc layout: nchwc_from_nchw puts values at hand-computed offsets with zero padding lanes") {
  // x[n, c, h, w] = 1000n + 100c + 10h + w for N 2, C 5, H 2, W 3; block 4: CB = 2, lanes 1..3 of block 1 pad.
  std::vector<float> x(2 * 5 * 6);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 5; ++c)
      for (int p = 0; p < 6; ++p)
        x[static_cast<size_t>((n * 5 + c) * 6 + p)] = float(1000 * n + 100 * c + 10 * (p / 3) + p % 3);
  const NchwcShape s{2, 5, 6, 4};
  std::vector<float> y(2 * 2 * 6 * 4, kCanary);
  nchwc_from_nchw(KernelIsa::Scalar, s, x.data(), y.data(), 0, 2);
  CHECK(y[0] == 0.0f);                      // n0 c0 (0,0)
  CHECK(y[3] == 300.0f);                    // n0 c3 (0,0)
  CHECK(y[5 * 4 + 2] == 212.0f);            // n0 c2 (1,2)
  CHECK(y[(1 * 6 + 4) * 4 + 0] == 411.0f);  // n0 block 1 pixel 4 = (1,1), lane 0 = c4
  CHECK(y[(1 * 6 + 4) * 4 + 1] == 0.0f);    // padding lane
  CHECK(y[(1 * 6 + 4) * 4 + 3] == 0.0f);
  CHECK(y[((1 * 2 + 0) * 6 + 1) * 4 + 2] == 1201.0f);  // n1 c2 (0,1)
  CHECK(y[((1 * 2 + 1) * 6 + 5) * 4 + 0] == 1412.0f);  // n1 c4 (1,2): the last real value
  std::vector<float> back(x.size(), kCanary);
  nchw_from_nchwc(KernelIsa::Scalar, s, y.data(), back.data(), 0, 2);
  CHECK(back == x);
}

TEST_CASE("nchwc layout: reorders on every path against an index formula on 300 random shapes") {
  std::mt19937 rng(4242);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const PathBlock& pb : path_blocks()) {
    int failures = 0;
    for (int index = 0; index < 300 && failures == 0; ++index) {
      NchwcShape s;
      s.block = pb.block;
      s.images = pick(1, 3);
      s.channels = index % 5 == 0 ? pb.block * pick(1, 3) : pick(1, 70);
      s.pixels = index % 7 == 0 ? pick(1, 3) : index % 7 == 1 ? pb.block * pick(1, 4) : pick(1, 100);
      const int64_t b = s.block, blocks = nchwc_blocks(s.channels, b);
      int64_t begin = 0, end = blocks;
      if (index % 2) begin = pick(0, blocks), end = pick(begin, blocks);
      const std::string what = describe(pb, s, begin, end);
      const auto x = random_bits(rng, static_cast<size_t>(s.images * s.channels * s.pixels));
      std::vector<float> y(static_cast<size_t>(s.images * blocks * s.pixels * b), kCanary);
      nchwc_from_nchw(pb.isa, s, x.data(), y.data(), begin, end);
      // The destination walked in order, each element's source computed from its coordinates.
      size_t o = 0;
      for (int64_t n = 0; n < s.images; ++n)
        for (int64_t cb = 0; cb < blocks; ++cb)
          for (int64_t p = 0; p < s.pixels; ++p)
            for (int64_t lane = 0; lane < b; ++lane, ++o) {
              const int64_t c = cb * b + lane;
              const float want = cb < begin || cb >= end ? kCanary
                                 : c < s.channels        ? x[static_cast<size_t>((n * s.channels + c) * s.pixels + p)]
                                                         : 0.0f;
              if (bits(y[o]) != bits(want)) {
                FAIL_CHECK("nchwc_from_nchw " << what << ": n" << n << " c" << c << " p" << p << " is " << y[o]
                                              << ", want " << want);
                ++failures;
                n = s.images, cb = blocks, p = s.pixels, lane = b;  // stop at the first wrong element
              }
            }
      // Back to NCHW from a copy whose padding lanes hold NaN: they must be dropped; channels outside the
      // block range keep the canary; a full-range round trip gives x back bit for bit.
      std::vector<float> blocked = y;
      for (size_t i = 0; i < blocked.size(); ++i)
        if ((static_cast<int64_t>(i) % b) + ((static_cast<int64_t>(i) / (b * s.pixels)) % blocks) * b >= s.channels)
          blocked[i] = nan;
      std::vector<float> back(x.size(), kCanary);
      nchw_from_nchwc(pb.isa, s, blocked.data(), back.data(), begin, end);
      for (int64_t n = 0; n < s.images && failures == 0; ++n)
        for (int64_t c = 0; c < s.channels && failures == 0; ++c)
          for (int64_t p = 0; p < s.pixels; ++p) {
            const size_t i = static_cast<size_t>((n * s.channels + c) * s.pixels + p);
            const bool inside = c / b >= begin && c / b < end;
            if (bits(back[i]) != bits(inside ? x[i] : kCanary)) {
              FAIL_CHECK("nchw_from_nchwc " << what << ": n" << n << " c" << c << " p" << p << " is " << back[i]);
              ++failures;
              break;
            }
          }
    }
    CHECK(failures == 0);
  }
}

TEST_CASE("nchwc layout: global_average_pool_nchwc is bit-identical to global_average_pool_reference") {
  std::mt19937 rng(99);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (const PathBlock& pb : path_blocks())
    for (int index = 0; index < 60; ++index) {
      NchwcShape s;
      s.block = pb.block;
      s.images = pick(1, 2);
      s.channels = pick(1, 70);
      s.pixels = index % 4 == 0 ? 1 : pick(1, 200);
      const int64_t b = s.block, blocks = nchwc_blocks(s.channels, b);
      const int64_t begin = pick(0, blocks), end = pick(begin, blocks);
      std::uniform_real_distribution<float> u(-3.0f, 3.0f);
      std::vector<float> x(static_cast<size_t>(s.images * s.channels * s.pixels));
      for (float& v : x) v = u(rng);
      std::vector<float> ref(static_cast<size_t>(s.images * s.channels));
      global_average_pool_reference(s.images * s.channels, s.pixels, x.data(), ref.data());
      std::vector<float> xb(static_cast<size_t>(s.images * blocks * s.pixels * b));
      nchwc_from_nchw(KernelIsa::Scalar, s, x.data(), xb.data(), 0, blocks);
      for (size_t i = 0; i < xb.size(); ++i)  // NaN in the padding lanes must not reach a real channel
        if ((static_cast<int64_t>(i) % b) + ((static_cast<int64_t>(i) / (b * s.pixels)) % blocks) * b >= s.channels)
          xb[i] = std::numeric_limits<float>::quiet_NaN();
      std::vector<float> y(static_cast<size_t>(s.images * blocks * b), kCanary);
      global_average_pool_nchwc(pb.isa, s, xb.data(), y.data(), begin, end);
      for (int64_t n = 0; n < s.images; ++n)
        for (int64_t c = 0; c < blocks * b; ++c) {
          const float v = y[static_cast<size_t>(n * blocks * b + c)];
          if (c / b < begin || c / b >= end) {
            REQUIRE_MESSAGE(v == kCanary, describe(pb, s, begin, end) << ": wrote block " << c / b);
          } else if (c < s.channels) {
            REQUIRE_MESSAGE(bits(v) == bits(ref[static_cast<size_t>(n * s.channels + c)]),
                            describe(pb, s, begin, end) << " n" << n << " c" << c);
          }
        }
    }
}

TEST_CASE("nchwc layout: global_average_pool_nchwc sums each lane in double in pixel order") {
  // Even lanes: pixels 1, 1e20, -1e20: in pixel order the 1 is lost (1e20 + 1 rounds to 1e20), mean 0;
  // summed backwards it would survive (mean 1/3). Odd lanes: 1e8, 1, -1e8: in double 1e8 + 1 is exact, mean
  // 1/3; summed in float the 1 would be lost (mean 0).
  for (const PathBlock& pb : path_blocks()) {
    NchwcShape s;
    s.block = pb.block;
    s.channels = 2 * pb.block + 3;
    s.pixels = 3;
    const int64_t blocks = nchwc_blocks(s.channels, s.block);
    std::vector<float> x(static_cast<size_t>(s.channels * 3));
    for (int64_t c = 0; c < s.channels; ++c) {
      const float even[3] = {1.0f, 1e20f, -1e20f}, odd[3] = {1e8f, 1.0f, -1e8f};
      for (int p = 0; p < 3; ++p) x[static_cast<size_t>(c * 3 + p)] = c % 2 == 0 ? even[p] : odd[p];
    }
    std::vector<float> xb(static_cast<size_t>(blocks * 3 * s.block)), y(static_cast<size_t>(blocks * s.block));
    nchwc_from_nchw(KernelIsa::Scalar, s, x.data(), xb.data(), 0, blocks);
    global_average_pool_nchwc(pb.isa, s, xb.data(), y.data(), 0, blocks);
    for (int64_t c = 0; c < s.channels; ++c)
      CHECK_MESSAGE(y[static_cast<size_t>(c)] == (c % 2 == 0 ? 0.0f : static_cast<float>(1.0 / 3.0)),
                    kernel_isa_name(pb.isa) << " b" << pb.block << " c" << c);
  }
}
