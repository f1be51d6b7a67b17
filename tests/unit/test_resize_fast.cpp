// The optimised Resize kernels against resize_reference, bit for bit, on 600 random shapes each:
// resize_nearest_fast (ranks 1-4, every dim may scale, every coordinate and rounding mode, rows split at a
// random point), resize_linear_fast and resize_cubic_fast on every ISA path this CPU has (ranks 2-4, the
// last two dims scale, every coordinate mode, input widths up to 35 so the vector loops and their masked
// tails run, cubic with random cubic_coeff_a and exclude_outside, output rows in three parts cut at random
// points, each part with a fresh row cache). Upscales, downscales and non-integer scales; sizes given by
// scale or by size. Plus the cubic taps table by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "kernels/resize/resize.h"
#include "kernels/resize/resize_separable.h"
#include "tests/unit/isa_test_support.h"

using namespace vigil::kernels;

namespace {

struct Case {
  ResizeParams p;
  std::vector<float> x, want;
};

// Linear and cubic modes keep every dim but the last two. max_last: the largest input width.
Case random_case(std::mt19937& rng, int trial, ResizeMode mode, int max_last = 13) {
  auto pick = [&](int lo, int hi) {
    return static_cast<int64_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)));
  };
  const double scale_choices[] = {0.5, 1.0, 2.0, 3.0, 0.75, 1.5, 0.3, 2.6};
  std::uniform_real_distribution<float> uni(-5, 5);
  Case c;
  ResizeParams& p = c.p;
  p.mode = mode;
  p.coord = static_cast<ResizeCoordMode>(trial % 6);
  p.nearest = static_cast<ResizeNearestMode>((trial / 6) % 4);
  const bool planar = mode != ResizeMode::Nearest;
  p.rank = static_cast<int>(pick(planar ? 2 : 1, 4));
  if (mode == ResizeMode::Cubic) {
    const double coeffs[] = {-0.75, -0.5, -0.6, 0.3};
    p.cubic_coeff_a = coeffs[rng() % 4];
    p.exclude_outside = rng() % 2 == 0;
  }
  int64_t in_total = 1, out_total = 1;
  for (int d = 0; d < p.rank; ++d) {
    p.in_dims[d] = pick(1, d + 2 < p.rank ? 3 : d + 1 == p.rank ? max_last : 13);
    if (planar && d + 2 < p.rank) {
      p.out_dims[d] = p.in_dims[d];
      p.scales[d] = 1.0;
    } else if (trial % 3 == 0) {
      p.out_dims[d] = pick(1, 17);
      p.scales[d] = static_cast<double>(p.out_dims[d]) / static_cast<double>(p.in_dims[d]);
    } else {
      p.scales[d] = scale_choices[rng() % 8];
      p.out_dims[d] = static_cast<int64_t>(std::floor(static_cast<double>(p.in_dims[d]) * p.scales[d]));
      if (p.out_dims[d] < 1) p.out_dims[d] = 1, p.scales[d] = 1.0 / static_cast<double>(p.in_dims[d]);
    }
    in_total *= p.in_dims[d];
    out_total *= p.out_dims[d];
  }
  c.x.resize(static_cast<size_t>(in_total));
  for (float& v : c.x) v = uni(rng);
  c.want.resize(static_cast<size_t>(out_total));
  resize_reference(p, c.x.data(), c.want.data());
  return c;
}

}  // namespace

TEST_CASE("resize_nearest_fast: bit-identical to the reference on random shapes, modes and row splits") {
  std::mt19937 rng(61);
  for (int trial = 0; trial < 600; ++trial) {
    const Case c = random_case(rng, trial, ResizeMode::Nearest);
    std::vector<float> got(c.want.size(), 42.0f);
    std::vector<int64_t> table(static_cast<size_t>(resize_nearest_table_size(c.p)));
    resize_nearest_build_table(c.p, table.data());
    const int64_t rows = resize_nearest_rows(c.p);
    const int64_t split = static_cast<int64_t>(rng() % static_cast<unsigned>(rows + 1));
    resize_nearest_fast(c.p, table.data(), c.x.data(), got.data(), 0, split);
    resize_nearest_fast(c.p, table.data(), c.x.data(), got.data(), split, rows);
    INFO("trial ", trial, " rank ", c.p.rank);
    CHECK(std::memcmp(c.want.data(), got.data(), got.size() * sizeof(float)) == 0);
  }
}

namespace {

// resize_linear_fast / resize_cubic_fast against the reference on 600 random cases, on every ISA path, the
// output rows in three parts cut at random points (each part starts with an empty row cache).
template <int Taps>
void check_separable(unsigned seed, ResizeMode mode) {
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 600; ++trial) {
    const Case c = random_case(rng, trial, mode, 35);
    const ResizeParams& p = c.p;
    REQUIRE(resize_separable_supported(p));
    ResizeSeparablePlan<Taps> plan;
    if constexpr (Taps == 2)
      resize_linear_build_plan(p, plan);
    else
      resize_cubic_build_plan(p, plan);
    const int64_t rows = resize_separable_rows(p);
    std::vector<double> work(static_cast<size_t>(resize_separable_workspace_doubles(p)) + 8);
    // 64-byte aligned, as the engine's workspace.
    double* aligned = work.data() + (64 - reinterpret_cast<uintptr_t>(work.data()) % 64) % 64 / sizeof(double);
    for (KernelIsa isa : isa_test::available_isas()) {
      std::vector<float> got(c.want.size(), 42.0f);
      int64_t cut0 = static_cast<int64_t>(rng() % static_cast<unsigned>(rows + 1));
      int64_t cut1 = static_cast<int64_t>(rng() % static_cast<unsigned>(rows + 1));
      if (cut0 > cut1) std::swap(cut0, cut1);
      for (const auto& [begin, end] : {std::pair{int64_t{0}, cut0}, std::pair{cut0, cut1}, std::pair{cut1, rows}}) {
        if constexpr (Taps == 2)
          resize_linear_fast(isa, p, plan, c.x.data(), got.data(), begin, end, aligned);
        else
          resize_cubic_fast(isa, p, plan, c.x.data(), got.data(), begin, end, aligned);
      }
      INFO("trial ", trial, " isa ", kernel_isa_name(isa), " rank ", p.rank, " coord ", static_cast<int>(p.coord),
           " in ", p.in_dims[p.rank - 2], "x", p.in_dims[p.rank - 1], " out ", p.out_dims[p.rank - 2], "x",
           p.out_dims[p.rank - 1]);
      CHECK(std::memcmp(c.want.data(), got.data(), got.size() * sizeof(float)) == 0);
    }
  }
}

}  // namespace

TEST_CASE("resize_linear_fast: bit-identical to the reference on every ISA path, random shapes, modes, row splits") {
  check_separable<2>(62, ResizeMode::Linear);
}

TEST_CASE("resize_cubic_fast: bit-identical to the reference on every ISA path, random shapes, modes, row splits") {
  check_separable<4>(63, ResizeMode::Cubic);
}

TEST_CASE("resize_cubic_build_plan: the taps table, its padding and the fast path's condition") {
  ResizeParams p;
  p.mode = ResizeMode::Cubic;
  p.rank = 2;
  p.in_dims[0] = 3, p.in_dims[1] = 5;
  p.out_dims[0] = 6, p.out_dims[1] = 10;
  p.scales[0] = p.scales[1] = 2.0;
  ResizeCubicPlan plan;
  resize_cubic_build_plan(p, plan);
  CHECK(plan.padded_w == 16);
  CHECK(resize_separable_rows(p) == 6);
  CHECK(resize_separable_workspace_doubles(p) == 64);
  // half_pixel, x2: output column 3 reads x = 1.25, taps 0..3 with Keys' weights at r = 0.25, a = -0.75.
  const double a = -0.75, r = 0.25;
  auto near = [&](double d) { return (a + 2) * d * d * d - (a + 3) * d * d + 1; };
  auto far = [&](double d) { return a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a; };
  const double want[4] = {far(1 + r), near(r), near(1 - r), far(2 - r)};
  for (int k = 0; k < 4; ++k) {
    CHECK(plan.col_index[static_cast<size_t>(k * 16 + 3)] == k);
    CHECK(plan.col_weight[static_cast<size_t>(k * 16 + 3)] == doctest::Approx(want[k]).epsilon(1e-15));
  }
  // Columns past out_w read input column 0 with weight 0.
  for (int k = 0; k < 4; ++k) {
    CHECK(plan.col_index[static_cast<size_t>(k * 16 + 12)] == 0);
    CHECK(plan.col_weight[static_cast<size_t>(k * 16 + 12)] == 0.0);
  }
  CHECK(resize_separable_supported(p));
  CHECK_FALSE(resize_separable_supported([&] {
    ResizeParams wide = p;
    wide.in_dims[1] = int64_t{1} << 31;
    return wide;
  }()));
  CHECK_FALSE(resize_separable_supported([&] {
    ResizeParams nearest = p;
    nearest.mode = ResizeMode::Nearest;
    return nearest;
  }()));
}
