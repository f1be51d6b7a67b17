// The optimised Resize kernels against resize_reference, bit for bit, on 600 random shapes each:
// resize_nearest_fast (ranks 1-4, every dim may scale, every coordinate and rounding mode, rows split at a
// random point) and resize_linear_fast (ranks 2-4, the last two dims scale, every coordinate mode, planes
// split at a random point). Upscales, downscales and non-integer scales; sizes given by scale or by size.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/resize/resize.h"

using namespace vigil::kernels;

namespace {

struct Case {
  ResizeParams p;
  std::vector<float> x, want;
};

// Linear mode keeps every dim but the last two.
Case random_case(std::mt19937& rng, int trial, ResizeMode mode) {
  auto pick = [&](int lo, int hi) {
    return static_cast<int64_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)));
  };
  const double scale_choices[] = {0.5, 1.0, 2.0, 3.0, 0.75, 1.5, 0.3, 2.6};
  std::uniform_real_distribution<float> uni(-5, 5);
  Case c;
  ResizeParams& p = c.p;
  p.mode = mode;
  p.coord = static_cast<ResizeCoordMode>(trial % 5);
  p.nearest = static_cast<ResizeNearestMode>((trial / 5) % 4);
  p.rank = static_cast<int>(pick(mode == ResizeMode::Linear ? 2 : 1, 4));
  int64_t in_total = 1, out_total = 1;
  for (int d = 0; d < p.rank; ++d) {
    p.in_dims[d] = pick(1, d + 2 < p.rank ? 3 : 13);
    if (mode == ResizeMode::Linear && d + 2 < p.rank) {
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

TEST_CASE("resize_linear_fast: bit-identical to the reference on random shapes, modes and plane splits") {
  std::mt19937 rng(62);
  for (int trial = 0; trial < 600; ++trial) {
    const Case c = random_case(rng, trial, ResizeMode::Linear);
    const ResizeParams& p = c.p;
    std::vector<float> got(c.want.size(), 42.0f);
    std::vector<LinearTap> rows(static_cast<size_t>(p.out_dims[p.rank - 2]));
    std::vector<LinearTap> cols(static_cast<size_t>(p.out_dims[p.rank - 1]));
    resize_linear_build_taps(p, rows.data(), cols.data());
    const int64_t planes = resize_linear_planes(p);
    const int64_t split = static_cast<int64_t>(rng() % static_cast<unsigned>(planes + 1));
    resize_linear_fast(p, rows.data(), cols.data(), c.x.data(), got.data(), 0, split);
    resize_linear_fast(p, rows.data(), cols.data(), c.x.data(), got.data(), split, planes);
    INFO("trial ", trial, " rank ", p.rank, " coord ", static_cast<int>(p.coord));
    CHECK(std::memcmp(c.want.data(), got.data(), got.size() * sizeof(float)) == 0);
  }
}
