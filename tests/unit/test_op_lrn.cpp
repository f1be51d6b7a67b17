// LRN: hand-computed windows (odd and even sizes, clipped at both channel ends), random tensors of rank 3 to 5 on
// every path against a float64 loop over window offsets (written from the ONNX formula, not the kernel's
// first/last clamping), 2 threads on every path against the reference path (within 1 ulp: the vector
// paths' pow), and the load errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "engine/error.h"
#include "h2_op_harness.h"
#include "tests/unit/ulps_apart.h"

using namespace h2test;

TEST_CASE("lrn: hand-computed windows, odd and even sizes, clipped at the channel ends") {
  // [1, 4, 1, 1] = 1, 2, 3, 4; alpha 4 / size, so the denominator is (1 + sum of squares)^0.5 with bias 1.
  const Tensor x = Tensor::from_f32({1, 4, 1, 1}, std::vector<float>{1, 2, 3, 4});
  auto with_size = [](int64_t size) {
    return attrs({{"size", size}, {"alpha", 1.0f * static_cast<float>(size)}, {"beta", 0.5f}, {"bias", 1.0f}});
  };
  // size 3: windows {0,1}, {0,1,2}, {1,2,3}, {2,3}.
  auto r3 = run_node(OpType::Lrn, {x}, with_size(3));
  const double want3[4] = {1 / std::sqrt(1 + 1 + 4.0), 2 / std::sqrt(1 + 1 + 4 + 9.0), 3 / std::sqrt(1 + 4 + 9 + 16.0),
                           4 / std::sqrt(1 + 9 + 16.0)};
  for (int c = 0; c < 4; ++c) CHECK(r3.outputs[0].f32()[c] == doctest::Approx(want3[c]).epsilon(1e-6));
  // size 2: floor((2-1)/2) = 0 channels before, ceil = 1 after: windows {c, c+1}.
  auto r2 = run_node(OpType::Lrn, {x}, with_size(2));
  const double want2[4] = {1 / std::sqrt(1 + 1 + 4.0), 2 / std::sqrt(1 + 4 + 9.0), 3 / std::sqrt(1 + 9 + 16.0),
                           4 / std::sqrt(1 + 16.0)};
  for (int c = 0; c < 4; ++c) CHECK(r2.outputs[0].f32()[c] == doctest::Approx(want2[c]).epsilon(1e-6));
  CHECK(r2.run_allocations == 0);
}

TEST_CASE("lrn: random tensors on every path against a float64 loop over window offsets") {
  std::mt19937 rng(5);
  const Shape shapes[] = {{2, 7, 5}, {1, 16, 6, 5}, {2, 3, 2, 3, 4}, {1, 1, 4, 4}};
  for (const Shape& shape : shapes) {
    for (const int64_t size : {1, 2, 3, 5, 8}) {
      const float alpha = 1e-3f * static_cast<float>(size), beta = 0.75f, bias = 2.0f;
      const Tensor x = random_tensor(shape, rng, -3.0f, 3.0f);
      const int64_t C = shape[1], S = shape.numel(2, shape.rank), N = shape[0];
      for (KernelPath path : supported_kernel_paths()) {
        CAPTURE(shape.str());
        CAPTURE(size);
        CAPTURE(kernel_path_name(path));
        auto r = run_node(OpType::Lrn, {x}, attrs({{"size", size}, {"alpha", alpha}, {"beta", beta}, {"bias", bias}}),
                          1, 1, path);
        double worst = 0;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t c = 0; c < C; ++c)
            for (int64_t s = 0; s < S; ++s) {
              long double sum = 0;
              for (int64_t off = -((size - 1) / 2); off <= (size - 1) - (size - 1) / 2; ++off) {
                const int64_t k = c + off;
                if (k < 0 || k >= C) continue;
                const long double v = x.f32()[(n * C + k) * S + s];
                sum += v * v;
              }
              const long double want = x.f32()[(n * C + c) * S + s] / std::pow(bias + alpha / size * sum, 0.75L);
              const long double got = r.outputs[0].f32()[(n * C + c) * S + s];
              worst = std::max(worst, static_cast<double>(std::fabs(got - want) / (std::fabs(want) * 6e-8L + 1e-30L)));
            }
        CHECK(worst <= 1.0);  // double arithmetic rounded once: within half an ulp (2^-24 < 6e-8)
      }
    }
  }
}

TEST_CASE("lrn: planes split over 2 threads on every path, within 1 ulp of the reference path") {
  std::mt19937 rng(6);
  const Tensor x = random_tensor({2, 16, 33, 35}, rng, -40.0f, 40.0f);  // 36960 outputs: split over threads
  const Attributes a = attrs({{"size", int64_t{5}}, {"alpha", 1e-4f}, {"beta", 0.75f}, {"bias", 2.0f}});
  const auto want = run_node(OpType::Lrn, {x}, a, 1, 1, KernelPath::Reference);
  for (KernelPath path : supported_kernel_paths()) {
    const auto got = run_node(OpType::Lrn, {x}, a, 1, 2, path);
    CAPTURE(kernel_path_name(path));
    int64_t worst = 0;
    for (int64_t i = 0; i < x.shape().numel(); ++i)
      worst = std::max(worst, vigil::test::ulps_apart(got.outputs[0].f32()[i], want.outputs[0].f32()[i]));
    CHECK(worst <= 1);
    CHECK(got.run_allocations == 0);
  }
}

TEST_CASE("lrn: load errors name the node") {
  CHECK(load_error(OpType::Lrn, {{2, 3}}, attrs({{"size", int64_t{3}}})).find("rank >= 3") != std::string::npos);
  CHECK(load_error(OpType::Lrn, {{1, 3, 4}}).find("'size' is required") != std::string::npos);
  CHECK(load_error(OpType::Lrn, {{1, 3, 4}}, attrs({{"size", int64_t{0}}})).find("size must be >= 1") !=
        std::string::npos);
  CHECK(load_error(OpType::Lrn, {{1, 3, 4}}, attrs({{"size", int64_t{3}}, {"beta", INFINITY}})).find("finite") !=
        std::string::npos);
}
