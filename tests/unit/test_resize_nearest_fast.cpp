// resize_nearest_fast must equal resize_reference (nearest mode) bit for bit: it is the same gather with
// the coordinates computed once per dim. Random ranks, odd sizes, up- and down-scaling, every coordinate
// and rounding mode, and any split of the output rows.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/resize/resize.h"

using namespace vigil::kernels;

TEST_CASE("resize_nearest_fast: bit-identical to the reference on random shapes, modes and row splits") {
  std::mt19937 rng(61);
  auto pick = [&](int lo, int hi) {
    return static_cast<int64_t>(lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)));
  };
  const double scale_choices[] = {0.5, 1.0, 2.0, 3.0, 0.75, 1.5, 0.3, 2.6};
  std::uniform_real_distribution<float> uni(-5, 5);
  int compared = 0;
  for (int trial = 0; trial < 600; ++trial) {
    ResizeParams p;
    p.mode = ResizeMode::Nearest;
    p.coord = static_cast<ResizeCoordMode>(trial % 5);
    p.nearest = static_cast<ResizeNearestMode>((trial / 5) % 4);
    p.rank = static_cast<int>(pick(1, 4));
    int64_t in_total = 1, out_total = 1;
    for (int d = 0; d < p.rank; ++d) {
      p.in_dims[d] = pick(1, d + 2 < p.rank ? 3 : 13);
      const bool by_size = trial % 3 == 0;
      if (by_size) {
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
    std::vector<float> x(static_cast<size_t>(in_total));
    for (float& v : x) v = uni(rng);
    std::vector<float> want(static_cast<size_t>(out_total)), got(static_cast<size_t>(out_total), 42.0f);
    resize_reference(p, x.data(), want.data());
    std::vector<int64_t> table(static_cast<size_t>(resize_nearest_table_size(p)));
    resize_nearest_build_table(p, table.data());
    const int64_t rows = resize_nearest_rows(p);
    const int64_t split = pick(0, static_cast<int>(rows));
    resize_nearest_fast(p, table.data(), x.data(), got.data(), 0, split);
    resize_nearest_fast(p, table.data(), x.data(), got.data(), split, rows);
    INFO("trial ", trial, " rank ", p.rank);
    CHECK(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0);
    ++compared;
  }
  CHECK(compared == 600);
}
