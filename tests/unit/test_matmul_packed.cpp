// MatMul on the optimised paths (engine/ops/matmul.cpp: one packed-GEMM product when B is shared by every
// batch entry) against plain double loops, on random shapes with odd sizes, batch ranks 0-2, 1-D operands,
// every kernel path and 1 or 2 threads. Float accumulation over K: the bound is the standard
// (K + 2) * 2^-24 * sum |a*b| per output. Shapes that broadcast A (or give every batch entry its own B)
// keep the reference kernel and must still be right.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

TEST_CASE("MatMul on the packed GEMM: random shapes, every path, 1 and 2 threads, against double loops") {
  std::mt19937 rng(808);
  auto pick = [&](int lo, int hi) { return static_cast<int64_t>(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  std::uniform_real_distribution<float> uni(-1, 1);
  int compared = 0;
  for (int trial = 0; trial < 160; ++trial) {
    const int64_t m = pick(1, 37), k = pick(1, trial % 4 == 0 ? 300 : 41), n = pick(1, 45);
    const int batch_rank = static_cast<int>(pick(0, 2));
    std::vector<int64_t> batch;
    for (int d = 0; d < batch_rank; ++d) batch.push_back(pick(1, 4));
    const int kind = trial % 8;  // 0: A is 1-D, 1: B is 1-D, 2: B batched like A (reference kernel), else 2-D B
    Shape a_shape, b_shape;
    if (kind == 0) {
      a_shape = Shape{k};
    } else {
      a_shape.rank = 0;
      for (int64_t d : batch) a_shape[a_shape.rank++] = d;
      a_shape[a_shape.rank++] = m;
      a_shape[a_shape.rank++] = k;
    }
    if (kind == 1) {
      b_shape = Shape{k};
    } else if (kind == 2) {
      b_shape = a_shape.rank >= 2 ? a_shape : Shape{k, n};
      b_shape[b_shape.rank - 2] = k;
      b_shape[b_shape.rank - 1] = n;
    } else {
      b_shape = Shape{k, n};
    }
    const int64_t am = kind == 0 ? 1 : m, bn = kind == 1 ? 1 : n;
    int64_t batches = 1;
    if (kind != 0)
      for (int64_t d : batch) batches *= d;
    std::vector<float> a(static_cast<size_t>(a_shape.numel())), b(static_cast<size_t>(b_shape.numel()));
    for (float& v : a) v = uni(rng);
    for (float& v : b) v = uni(rng);
    const bool b_constant = trial % 2 == 0;

    GraphBuilder gb;
    const int av = gb.input("a", DType::F32, a_shape);
    const int bv = b_constant ? gb.constant("b", Tensor::from_f32(b_shape, b)) : gb.input("b", DType::F32, b_shape);
    gb.output(gb.node(OpType::MatMul, "mm", {av, bv}));
    const Graph g = gb.build();

    // want[batch][i][j] in double, with the bound's sum of |terms|.
    const bool b_batched = kind == 2 && a_shape.rank > 2;
    std::vector<double> want(static_cast<size_t>(batches * am * bn)), mag(want.size());
    for (int64_t t = 0; t < batches; ++t)
      for (int64_t i = 0; i < am; ++i)
        for (int64_t j = 0; j < bn; ++j) {
          double sum = 0, abs_sum = 0;
          for (int64_t q = 0; q < k; ++q) {
            const double x = a[static_cast<size_t>((t * am + i) * k + q)];
            const double y = b[static_cast<size_t>((b_batched ? t * k * bn : 0) + q * bn + j)];
            sum += x * y;
            abs_sum += std::fabs(x * y);
          }
          want[static_cast<size_t>((t * am + i) * bn + j)] = sum;
          mag[static_cast<size_t>((t * am + i) * bn + j)] = abs_sum;
        }

    for (KernelPath path : supported_kernel_paths()) {
      EngineOptions options;
      options.path = path;
      Engine engine(g, options);
      for (int threads : {1, 2}) {
        ExecutionContext ctx(engine, threads);
        std::memcpy(ctx.input(0).data, a.data(), a.size() * sizeof(float));
        if (!b_constant) std::memcpy(ctx.input(1).data, b.data(), b.size() * sizeof(float));
        ctx.run();
        const float* got = ctx.output(0).f32();
        REQUIRE(static_cast<size_t>(ctx.output(0).numel()) == want.size());
        bool ok = true;
        for (size_t i = 0; i < want.size(); ++i)
          ok &= std::fabs(got[i] - want[i]) <= static_cast<double>(k + 2) * 0x1p-24 * mag[i] + 1e-30;
        INFO("trial ", trial, " A ", a_shape.str(), " B ", b_shape.str(), " path ", kernel_path_name(path), " threads ",
             threads);
        CHECK(ok);
        ++compared;
      }
    }
  }
  CHECK(compared >= 160 * 2);
}
