// transpose_fast against transpose_reference, byte for byte, on every path: 600 random permutations of ranks
// 1-6 with dims 1-7 (some 1-sized), 4- and 8-byte elements, work units split at a random point; then 300 with
// dims up to 40 whose output moves the input's last dim (the 8x8 tiles, full and partial), NCHW <-> NHWC
// among them.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "engine/cpu_features.h"
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
    const int64_t units = transpose_units(p);
    const int64_t split = pick(0, static_cast<int>(units));
    transpose_fast(p, x.data(), got.data(), 0, split, KernelIsa::Scalar);
    transpose_fast(p, x.data(), got.data(), split, units, KernelIsa::Scalar);
    INFO("trial ", trial, " rank ", p.rank);
    CHECK(want == got);
  }
}

TEST_CASE("transpose_fast: 8x8 tiles give the reference's bytes on large dims, every path, unit splits") {
  std::mt19937 rng(65);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<KernelIsa> isas = {KernelIsa::Scalar};
  if (vigil::cpu_features().has_avx2_fma()) isas.push_back(KernelIsa::Avx2);
  int tiled = 0;
  for (int trial = 0; trial < 300; ++trial) {
    TransposeParams p;
    p.rank = pick(2, 5);
    p.elem_size = trial % 4 == 0 ? 8 : 4;
    int64_t total = 1;
    for (int d = 0; d < p.rank; ++d) total *= (p.in_dims[d] = d < 2 || pick(0, 1) ? pick(1, 40) : pick(1, 3));
    if (trial % 2 == 0) {  // the input's last dim at least a tile long
      total /= p.in_dims[p.rank - 1];
      total *= (p.in_dims[p.rank - 1] = pick(8, 40));
    }
    std::iota(p.perm, p.perm + p.rank, 0);
    if (trial % 3 == 0 && p.rank == 4) {  // NCHW -> NHWC or back
      const int nhwc[4] = {0, 2, 3, 1}, nchw[4] = {0, 3, 1, 2};
      std::copy(trial % 2 ? nhwc : nchw, (trial % 2 ? nhwc : nchw) + 4, p.perm);
    } else {
      std::shuffle(p.perm, p.perm + p.rank, rng);
    }
    std::vector<uint8_t> x(static_cast<size_t>(total) * p.elem_size);
    for (auto& b : x) b = static_cast<uint8_t>(rng());
    std::vector<uint8_t> want(x.size());
    transpose_reference(p, x.data(), want.data());
    const int64_t units = transpose_units(p);
    int64_t rows = 1;
    for (int d = 0; d + 1 < p.rank; ++d) rows *= p.in_dims[p.perm[d]];
    tiled += units != rows;
    for (KernelIsa isa : isas) {
      std::vector<uint8_t> got(x.size(), 0xAB);
      const int64_t split = pick(0, static_cast<int>(units));
      transpose_fast(p, x.data(), got.data(), 0, split, isa);
      transpose_fast(p, x.data(), got.data(), split, units, isa);
      INFO("trial ", trial, " rank ", p.rank, " isa ", kernel_isa_name(isa));
      CHECK(want == got);
    }
  }
  CHECK(tiled >= 100);  // most trials take the tiles
}
