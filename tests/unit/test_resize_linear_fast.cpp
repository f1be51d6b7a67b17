// resize_linear_fast (bilinear over the last two dims, taps built once) against resize_reference, bit for
// bit, on 600 random shapes: ranks 2-4, every coordinate mode, upscales, downscales and non-integer scales,
// sizes given by scale or by output size, planes split at a random point.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/resize/resize.h"

using namespace vigil::kernels;

TEST_CASE("resize_linear_fast: bit-identical to the reference on random shapes, modes and plane splits") {
  std::mt19937 rng(62);
  auto pick = [&](int lo, int hi) { return static_cast<int64_t>(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  const double scale_choices[] = {0.5, 1.0, 2.0, 3.0, 0.75, 1.5, 0.3, 2.6};
  std::uniform_real_distribution<float> uni(-5, 5);
  int compared = 0;
  for (int trial = 0; trial < 600; ++trial) {
    ResizeParams p;
    p.mode = ResizeMode::Linear;
    p.coord = static_cast<ResizeCoordMode>(trial % 5);
    p.rank = static_cast<int>(pick(2, 4));
    int64_t in_total = 1, out_total = 1;
    for (int d = 0; d < p.rank; ++d) {
      p.in_dims[d] = pick(1, d + 2 < p.rank ? 3 : 13);
      if (d + 2 < p.rank) {  // leading dims keep their size
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
    std::vector<float> x(static_cast<size_t>(in_total));
    for (float& v : x) v = uni(rng);
    std::vector<float> want(static_cast<size_t>(out_total)), got(static_cast<size_t>(out_total), 42.0f);
    resize_reference(p, x.data(), want.data());
    std::vector<LinearTap> rows(static_cast<size_t>(p.out_dims[p.rank - 2])),
        cols(static_cast<size_t>(p.out_dims[p.rank - 1]));
    resize_linear_build_taps(p, rows.data(), cols.data());
    const int64_t planes = resize_linear_planes(p);
    const int64_t split = pick(0, static_cast<int>(planes));
    resize_linear_fast(p, rows.data(), cols.data(), x.data(), got.data(), 0, split);
    resize_linear_fast(p, rows.data(), cols.data(), x.data(), got.data(), split, planes);
    INFO("trial ", trial, " rank ", p.rank, " coord ", static_cast<int>(p.coord));
    CHECK(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0);
    ++compared;
  }
  CHECK(compared == 600);
}
