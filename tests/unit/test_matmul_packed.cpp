// MatMul on the optimised paths (engine/ops/matmul.cpp: one packed-GEMM product when B is shared by every
// batch entry, else one product per batch entry) against plain double loops, on random shapes with odd
// sizes, batch ranks 0-2, 1-D operands, batch dims broadcast on either side, every kernel path and 1 or 2
// threads. Float accumulation over K: the bound is the standard (K + 2) * 2^-24 * sum |a*b| per output.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

// Runs g (input 0 = a; input 1 = b unless B is a constant: b_input null) on every kernel path at 1 and 2
// threads and checks every output against want within the float-sum bound (k + 2) 2^-24 sum|a*b| (mag).
// Returns the number of runs compared.
int check_every_path(const Graph& g, const std::vector<float>& a, const std::vector<float>* b_input, int64_t k,
                     const std::vector<double>& want, const std::vector<double>& mag, const std::string& what) {
  int compared = 0;
  for (KernelPath path : supported_kernel_paths()) {
    EngineOptions options;
    options.path = path;
    Engine engine(g, options);
    for (int threads : {1, 2}) {
      ExecutionContext ctx(engine, threads);
      std::memcpy(ctx.input(0).data, a.data(), a.size() * sizeof(float));
      if (b_input) std::memcpy(ctx.input(1).data, b_input->data(), b_input->size() * sizeof(float));
      ctx.run();
      REQUIRE(static_cast<size_t>(ctx.output(0).numel()) == want.size());
      const float* got = ctx.output(0).f32();
      int bad = 0;
      for (size_t i = 0; i < want.size(); ++i)
        bad += !(std::fabs(got[i] - want[i]) <= static_cast<double>(k + 2) * 0x1p-24 * mag[i] + 1e-30);
      INFO(what, " path ", kernel_path_name(path), " threads ", threads);
      CHECK(bad == 0);
      ++compared;
    }
  }
  return compared;
}

}  // namespace

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
    // 0: A is 1-D, 1: B is 1-D, 2: B batched like A, 3: A 2-D and B batched, 4: both batched with 1s
    // broadcast on either side, else a 2-D B shared by every batch entry.
    const int kind = trial % 8;
    std::vector<int64_t> a_batch = batch, b_batch;
    if (kind == 2) b_batch = batch;
    if (kind == 3) a_batch.clear(), b_batch = batch;
    if (kind == 4) {
      b_batch = batch;
      for (size_t d = 0; d < batch.size(); ++d) (d % 2 == 0 ? a_batch : b_batch)[d] = 1;
    }
    Shape a_shape, b_shape;
    if (kind == 0) {
      a_shape = Shape{k};
      a_batch.clear();
    } else {
      a_shape.rank = 0;
      for (int64_t d : a_batch) a_shape[a_shape.rank++] = d;
      a_shape[a_shape.rank++] = m;
      a_shape[a_shape.rank++] = k;
    }
    if (kind == 1) {
      b_shape = Shape{k};
      b_batch.clear();
    } else {
      b_shape.rank = 0;
      for (int64_t d : b_batch) b_shape[b_shape.rank++] = d;
      b_shape[b_shape.rank++] = k;
      b_shape[b_shape.rank++] = n;
    }
    const int64_t am = kind == 0 ? 1 : m, bn = kind == 1 ? 1 : n;
    // The output's batch dims (right-aligned numpy broadcast of both), and each operand's matrix offset.
    const size_t out_rank = std::max(a_batch.size(), b_batch.size());
    std::vector<int64_t> out_batch(out_rank, 1);
    for (size_t d = 0; d < out_rank; ++d) {
      const size_t ai = d + a_batch.size() - out_rank, bi = d + b_batch.size() - out_rank;
      const int64_t ad = d + a_batch.size() >= out_rank ? a_batch[ai] : 1;
      const int64_t bd = d + b_batch.size() >= out_rank ? b_batch[bi] : 1;
      out_batch[d] = std::max(ad, bd);
    }
    int64_t batches = 1;
    for (int64_t d : out_batch) batches *= d;
    auto matrix_of = [&](int64_t t, const std::vector<int64_t>& own) {  // own batch index of output batch t
      int64_t index = 0, stride = 1;
      for (size_t d = out_rank; d-- > 0;) {
        const int64_t coord = t % out_batch[d];
        t /= out_batch[d];
        if (d + own.size() < out_rank) continue;
        const int64_t dim = own[d + own.size() - out_rank];
        index += (dim == 1 ? 0 : coord) * stride;
        stride *= dim;
      }
      return index;
    };
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
    std::vector<double> want(static_cast<size_t>(batches * am * bn)), mag(want.size());
    for (int64_t t = 0; t < batches; ++t) {
      const int64_t a0 = matrix_of(t, a_batch) * am * k, b0 = matrix_of(t, b_batch) * k * bn;
      for (int64_t i = 0; i < am; ++i)
        for (int64_t j = 0; j < bn; ++j) {
          double sum = 0, abs_sum = 0;
          for (int64_t q = 0; q < k; ++q) {
            const double x = a[static_cast<size_t>(a0 + i * k + q)];
            const double y = b[static_cast<size_t>(b0 + q * bn + j)];
            sum += x * y;
            abs_sum += std::fabs(x * y);
          }
          want[static_cast<size_t>((t * am + i) * bn + j)] = sum;
          mag[static_cast<size_t>((t * am + i) * bn + j)] = abs_sum;
        }
    }

    compared += check_every_path(g, a, b_constant ? nullptr : &b, k, want, mag,
                                 "trial " + std::to_string(trial) + " A " + a_shape.str() + " B " + b_shape.str());
  }
  CHECK(compared >= 160 * 2);
}

TEST_CASE("MatMul of one row against a constant B with several 256-column blocks, every path and thread count") {
  // A [K], [1, K] or [1, 1, K] (batch-1 Linear layers) against a constant [K, N]: gemv over B stored in column
  // blocks (row_times_constant.h); N = 600 is three blocks, the last partial, split over 2 threads.
  std::mt19937 rng(909);
  std::uniform_real_distribution<float> uni(-1, 1);
  const int64_t k = 300, n = 600;
  std::vector<float> a(static_cast<size_t>(k)), b(static_cast<size_t>(k * n));
  for (float& v : a) v = uni(rng);
  for (float& v : b) v = uni(rng);
  std::vector<double> want(static_cast<size_t>(n)), mag(want.size());
  for (int64_t j = 0; j < n; ++j)
    for (int64_t q = 0; q < k; ++q) {
      const double t = static_cast<double>(a[static_cast<size_t>(q)]) * b[static_cast<size_t>(q * n + j)];
      want[static_cast<size_t>(j)] += t;
      mag[static_cast<size_t>(j)] += std::fabs(t);
    }
  for (const Shape& a_shape : {Shape{k}, Shape{1, k}, Shape{1, 1, k}}) {
    GraphBuilder gb;
    gb.output(gb.node(OpType::MatMul, "mm",
                      {gb.input("a", DType::F32, a_shape), gb.constant("b", Tensor::from_f32({k, n}, b))}));
    check_every_path(gb.build(), a, nullptr, k, want, mag, "A " + a_shape.str());
  }
}
