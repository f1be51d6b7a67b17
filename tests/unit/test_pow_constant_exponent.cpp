// Pow with a constant exponent of 2 or 1 (the optimised paths run it as a vectorised Mul): on every kernel path
// and at 1 and 2 threads, the same bits as C's pow in double rounded once, for random bases and for the values
// where x * x could differ from pow if it were computed differently (NaN, +-inf, -0, overflow, subnormal
// results, subnormal bases); a constant exponent that is not 2 or 1 everywhere keeps the general path.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

// The base values: random ones of both signs and magnitudes, then the special ones.
std::vector<float> bases(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> mantissa(-2.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-80, 70);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = std::ldexp(mantissa(rng), exponent(rng));
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            inf,
                            -inf,
                            0.0f,
                            -0.0f,
                            1e20f,
                            -3e19f,
                            1.8446743e19f,  // squares to just below / above FLT_MAX
                            1e-23f,
                            -1.5e-22f,
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::min(),
                            1.0000001f,
                            -0.99999994f};
  for (size_t i = 0; i < std::size(specials) && i < x.size(); ++i) x[i * 7 % x.size()] = specials[i];
  return x;
}

// The numpy rule: output coordinate modulo the input dim, dims aligned at the right.
int64_t source(int64_t i, const Shape& out, const Shape& in) {
  int64_t idx = 0, rest = i, scale = 1;
  for (int d = out.rank - 1; d >= 0; --d) {
    const int64_t c = rest % out[d];
    rest /= out[d];
    const int k = d - (out.rank - in.rank);
    if (k >= 0) {
      idx += (c % in[k]) * scale;
      scale *= in[k];
    }
  }
  return idx;
}

void check_pow(const Shape& x_shape, const Tensor& exponent, unsigned seed) {
  std::mt19937 rng(seed);
  const std::vector<float> x = bases(x_shape.numel(), rng);
  for (KernelPath path : supported_kernel_paths()) {
    for (int threads : {1, 2}) {
      CAPTURE(kernel_path_name(path));
      CAPTURE(threads);
      CAPTURE(x_shape.str());
      CAPTURE(exponent.shape().str());
      GraphBuilder b;
      const int in = b.input("x", DType::F32, x_shape);
      const int e = b.constant("e", exponent);
      b.output(b.node(OpType::Pow, "pow", {in, e}));
      EngineOptions options;
      options.path = path;
      options.max_threads = 2;
      Engine engine(b.build(), options);
      ExecutionContext ctx(engine, threads);
      std::memcpy(ctx.input(0).data, x.data(), x.size() * sizeof(float));
      ctx.run();
      const TensorView y = ctx.output(0);
      int mismatches = 0;
      for (int64_t i = 0; i < y.numel(); ++i) {
        const double want = std::pow(static_cast<double>(x[static_cast<size_t>(source(i, y.shape, x_shape))]),
                                     static_cast<double>(exponent.f32()[source(i, y.shape, exponent.shape())]));
        const float got = y.f32()[i];
        const float w = static_cast<float>(want);
        const bool same = std::isnan(w) ? std::isnan(got) : std::memcmp(&got, &w, sizeof(float)) == 0;
        mismatches += !same;
      }
      CHECK(mismatches == 0);
    }
  }
}

Tensor filled(const Shape& s, float v) {
  return Tensor::from_f32(s, std::vector<float>(static_cast<size_t>(s.numel()), v));
}

}  // namespace

TEST_CASE("Pow by a constant 2 or 1 gives pow's bits on every path, specials, odd shapes and broadcasting") {
  const std::vector<Shape> shapes = {{1}, {7}, {3, 5}, {1, 13, 13, 96}, {2, 3, 17}, {1, 56, 56, 97}, {5, 1, 33}};
  unsigned seed = 1;
  for (const Shape& s : shapes) {
    check_pow(s, filled(Shape{}, 2.0f), seed++);
    check_pow(s, filled(Shape{1}, 2.0f), seed++);
    check_pow(s, filled(Shape{}, 1.0f), seed++);
  }
  // A constant exponent of more than one element, all 2 or all 1, and one that enlarges the output.
  check_pow({2, 3, 4, 5}, filled(Shape{3, 1, 1}, 2.0f), seed++);
  check_pow({2, 3, 4, 5}, filled(Shape{5}, 1.0f), seed++);
  check_pow({3, 9}, filled(Shape{2, 3, 9}, 2.0f), seed++);
  check_pow({4, 1}, filled(Shape{1, 6}, 2.0f), seed++);
  // Exponents that are not exactly 2 or 1 everywhere stay on pow: one 3 among 2s, 2 + 1 ulp, 0.5, 0, -1.
  check_pow({2, 3, 4, 5}, Tensor::from_f32({3, 1, 1}, std::vector<float>{2, 3, 2}), seed++);
  check_pow({3, 11}, filled(Shape{}, std::nextafter(2.0f, 3.0f)), seed++);
  check_pow({3, 11}, filled(Shape{}, 0.5f), seed++);
  check_pow({3, 11}, filled(Shape{}, 0.0f), seed++);
  check_pow({3, 11}, filled(Shape{}, -1.0f), seed++);
}
