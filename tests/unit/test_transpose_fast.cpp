// transpose_fast against transpose_reference, byte for byte: 600 random permutations of ranks 1-6 with
// dims 1-7 (some 1-sized), 4- and 8-byte elements, output rows split at a random point.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/transpose/transpose.h"

using namespace vigil::kernels;

TEST_CASE("transpose_fast: the reference's bytes on random permutations, element sizes and row splits") {
  std::mt19937 rng(64);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < 600; ++trial) {
    TransposeParams p;
    p.rank = pick(1, 6);
    p.elem_size = trial % 3 == 0 ? 8 : 4;
    int64_t total = 1;
    for (int d = 0; d < p.rank; ++d) total *= (p.in_dims[d] = pick(1, 7));
    std::iota(p.perm, p.perm + p.rank, 0);
    std::shuffle(p.perm, p.perm + p.rank, rng);
    REQUIRE(transpose_fast_supported(p));
    std::vector<uint8_t> x(static_cast<size_t>(total) * p.elem_size);
    for (auto& b : x) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> want(x.size()), got(x.size(), 0xAB);
    transpose_reference(p, x.data(), want.data());
    const int64_t rows = transpose_rows(p);
    const int64_t split = pick(0, static_cast<int>(rows));
    transpose_fast(p, x.data(), got.data(), 0, split);
    transpose_fast(p, x.data(), got.data(), split, rows);
    INFO("trial ", trial, " rank ", p.rank);
    CHECK(want == got);
  }
}
