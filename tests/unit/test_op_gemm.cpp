// Gemm: a hand-computed case, every transA/transB combination and every C broadcast shape against an
// independent float64 loop, and shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/executor.h"
#include "engine/graph_builder.h"

using namespace vigil;

namespace {

std::vector<float> pseudo_random(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (auto& x : v) {
    s = s * 22695477u + 1u;
    x = static_cast<float>((s >> 9) % 4001) / 2000.0f - 1.0f;
  }
  return v;
}

struct GemmCase {
  Shape a, b;
  bool has_c = false;
  Shape c;
  std::vector<float> av, bv, cv;
  Attributes attrs;
};

std::vector<float> run_gemm(const GemmCase& t, Shape* out_shape = nullptr) {
  GraphBuilder g;
  std::vector<int> ins = {g.input("a", DType::F32, t.a), g.input("b", DType::F32, t.b)};
  if (t.has_c) ins.push_back(g.constant("c", Tensor::from_f32(t.c, t.cv)));
  g.output(g.node(OpType::Gemm, "gemm", ins, t.attrs));
  Engine engine(g.build());
  ExecutionContext ctx(engine);
  std::copy(t.av.begin(), t.av.end(), ctx.input("a").f32());
  std::copy(t.bv.begin(), t.bv.end(), ctx.input("b").f32());
  ctx.run();
  TensorView y = ctx.output(0);
  if (out_shape) *out_shape = y.shape;
  return std::vector<float>(y.f32(), y.f32() + y.numel());
}

// Materialises op(A), op(B) and broadcast C as dense double matrices first, then multiplies.
std::vector<double> reference_gemm(const GemmCase& t, int64_t M, int64_t K, int64_t N, bool ta, bool tb, double alpha,
                                   double beta) {
  std::vector<std::vector<double>> A(static_cast<size_t>(M), std::vector<double>(static_cast<size_t>(K)));
  std::vector<std::vector<double>> B(static_cast<size_t>(K), std::vector<double>(static_cast<size_t>(N)));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t q = 0; q < K; ++q)
      A[static_cast<size_t>(i)][static_cast<size_t>(q)] = t.av[static_cast<size_t>(ta ? q * M + i : i * K + q)];
  for (int64_t q = 0; q < K; ++q)
    for (int64_t j = 0; j < N; ++j)
      B[static_cast<size_t>(q)][static_cast<size_t>(j)] = t.bv[static_cast<size_t>(tb ? j * K + q : q * N + j)];
  std::vector<double> y(static_cast<size_t>(M * N));
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double c = 0;
      if (t.has_c) {
        // Right-align C's dims with [M,N]; size-1 (or missing) dims are broadcast.
        int64_t rows = t.c.rank == 2 ? t.c[0] : 1, cols = t.c.rank >= 1 ? t.c[t.c.rank - 1] : 1;
        c = t.cv[static_cast<size_t>((rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j))];
      }
      double dot = 0;
      for (int64_t q = 0; q < K; ++q)
        dot += A[static_cast<size_t>(i)][static_cast<size_t>(q)] * B[static_cast<size_t>(q)][static_cast<size_t>(j)];
      y[static_cast<size_t>(i * N + j)] = alpha * dot + beta * c;
    }
  return y;
}

std::string build_error(const GemmCase& t) {
  try {
    run_gemm(t);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Gemm matches a hand-computed alpha*A*B + beta*C") {
  GemmCase t;
  t.a = {2, 3};
  t.av = {1, 2, 3, 4, 5, 6};
  t.b = {3, 2};
  t.bv = {1, 0, 0, 1, 1, 1};  // A*B = [1+3, 2+3; 4+6, 5+6] = [4 5; 10 11]
  t.has_c = true;
  t.c = {2};
  t.cv = {10, 20};  // broadcast along rows
  t.attrs.set("alpha", 2.0f);
  t.attrs.set("beta", 0.5f);
  Shape shape;
  std::vector<float> y = run_gemm(t, &shape);
  CHECK(shape == Shape{2, 2});
  CHECK(y == std::vector<float>{13, 20, 25, 32});  // 2*[4 5;10 11] + [5 10; 5 10]
}

TEST_CASE("Gemm: every transpose combination and C broadcast shape against float64") {
  const int64_t M = 5, K = 7, N = 3;
  const std::vector<Shape> c_shapes = {Shape{}, Shape{1}, Shape{N}, Shape{1, 1}, Shape{M, 1}, Shape{1, N}, Shape{M, N}};
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (int ci = -1; ci < static_cast<int>(c_shapes.size()); ++ci) {
        GemmCase t;
        t.a = ta ? Shape{K, M} : Shape{M, K};
        t.b = tb ? Shape{N, K} : Shape{K, N};
        t.av = pseudo_random(static_cast<size_t>(M * K), 3);
        t.bv = pseudo_random(static_cast<size_t>(K * N), 5);
        if (ci >= 0) {
          t.has_c = true;
          t.c = c_shapes[static_cast<size_t>(ci)];
          t.cv = pseudo_random(static_cast<size_t>(t.c.numel()), 7);
        }
        t.attrs.set("transA", int64_t{ta});
        t.attrs.set("transB", int64_t{tb});
        t.attrs.set("alpha", 0.75f);
        t.attrs.set("beta", -1.5f);
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(ci);
        Shape shape;
        std::vector<float> got = run_gemm(t, &shape);
        std::vector<double> want = reference_gemm(t, M, K, N, ta, tb, 0.75, -1.5);
        CHECK(shape == Shape{M, N});
        for (size_t i = 0; i < want.size(); ++i)
          CHECK(std::fabs(got[i] - want[i]) <= 1e-6 * std::max(1.0, std::fabs(want[i])));
      }
}

TEST_CASE("Gemm defaults: alpha = beta = 1, no transposes, C optional") {
  GemmCase t;
  t.a = {1, 2};
  t.av = {3, 4};
  t.b = {2, 1};
  t.bv = {5, 6};
  CHECK(run_gemm(t) == std::vector<float>{39});
  t.has_c = true;
  t.c = {1, 1};
  t.cv = {-40};
  CHECK(run_gemm(t) == std::vector<float>{-1});
}

TEST_CASE("Gemm rejects bad shapes with a message naming the node") {
  GemmCase t;
  t.a = {2, 3};
  t.av.assign(6, 1);
  t.b = {4, 2};
  t.bv.assign(8, 1);
  std::string inner = build_error(t);
  CHECK(inner.find("Gemm 'gemm'") != std::string::npos);
  CHECK(inner.find("inner dimensions") != std::string::npos);

  t.b = {3, 2};
  t.bv.assign(6, 1);
  t.has_c = true;
  t.c = {3, 2};
  t.cv.assign(6, 0);
  CHECK(build_error(t).find("does not broadcast") != std::string::npos);
  t.c = {1, 1, 2};
  t.cv.assign(2, 0);
  CHECK(build_error(t).find("rank <= 2") != std::string::npos);

  GemmCase r3;
  r3.a = {1, 2, 3};
  r3.b = {3, 2};
  CHECK(build_error(r3).find("A must have rank 2") != std::string::npos);
}

TEST_CASE("Gemm with a constant B (a Linear layer) on every kernel path and thread count against float64") {
  // The optimised paths run this form on the packed GEMM or, for 2..32 rows, rows_times_constant (float
  // sums): alpha 1, A not transposed, C absent
  // or [N], [1,N], [M,N] with beta 1. The other forms stay on the reference on every path.
  struct Form {
    bool tb;
    int c_kind;  // -1 none, 0 [N], 1 [1,N], 2 [M,N], 3 [M,1] (reference), 4 scalar [1] (reference)
    float alpha, beta;
    bool ta;
  };
  const Form forms[] = {{true, -1, 1, 1, false},   {true, 0, 1, 1, false}, {false, 1, 1, 1, false},
                        {false, 2, 1, 1, false},   {true, 3, 1, 1, false}, {true, 4, 1, 1, false},
                        {true, 0, 0.5f, 1, false}, {true, 0, 1, 2, false}, {true, 0, 1, 1, true}};
  // 2..32 rows use rows_times_constant (B packed at load); {16, 256, 300} is large enough (1.2 M
  // multiply-adds) to split its column blocks over 2 threads, {40, ...} goes back to the packed GEMM.
  // One row (batch 1) runs gemv over B stored in blocks of 256 columns: {1, 300, 1000} has four blocks (the
  // last partial) split over 2 threads, {1, 33, 513} three on one thread.
  const int64_t sizes[][3] = {{1, 1280, 100}, {1, 7, 1},    {1, 300, 1000}, {1, 33, 513},
                              {3, 130, 33},   {17, 64, 5},  {2, 1, 19},     {16, 256, 300},
                              {32, 40, 97},   {40, 33, 70}};
  for (const auto& mkn : sizes)
    for (const Form& f : forms) {
      const int64_t M = mkn[0], K = mkn[1], N = mkn[2];
      GemmCase t;
      t.a = f.ta ? Shape{K, M} : Shape{M, K};
      t.b = f.tb ? Shape{N, K} : Shape{K, N};
      t.av = pseudo_random(static_cast<size_t>(M * K), 11);
      t.bv = pseudo_random(static_cast<size_t>(K * N), 13);
      if (f.c_kind >= 0) {
        t.has_c = true;
        const Shape c_shapes[] = {Shape{N}, Shape{1, N}, Shape{M, N}, Shape{M, 1}, Shape{1}};
        t.c = c_shapes[f.c_kind];
        t.cv = pseudo_random(static_cast<size_t>(t.c.numel()), 17);
      }
      t.attrs.set("transA", int64_t{f.ta});
      t.attrs.set("transB", int64_t{f.tb});
      t.attrs.set("alpha", f.alpha);
      t.attrs.set("beta", f.beta);
      const std::vector<double> want = reference_gemm(t, M, K, N, f.ta, f.tb, f.alpha, f.beta);
      GraphBuilder g;
      std::vector<int> ins = {g.input("a", DType::F32, t.a), g.constant("b", Tensor::from_f32(t.b, t.bv))};
      if (t.has_c) ins.push_back(g.constant("c", Tensor::from_f32(t.c, t.cv)));
      g.output(g.node(OpType::Gemm, "gemm", ins, t.attrs));
      const Graph graph = g.build();
      for (KernelPath path : supported_kernel_paths())
        for (int threads : {1, 2}) {
          EngineOptions options;
          options.path = path;
          Engine engine(graph, options);
          ExecutionContext ctx(engine, threads);
          std::copy(t.av.begin(), t.av.end(), ctx.input("a").f32());
          ctx.run();
          const float* y = ctx.output(0).f32();
          CAPTURE(M);
          CAPTURE(K);
          CAPTURE(N);
          CAPTURE(f.c_kind);
          CAPTURE(kernel_path_name(path));
          CAPTURE(threads);
          int bad = 0;
          for (size_t i = 0; i < want.size(); ++i) {
            // float sums of K products of |a|, |b| <= 1: K * 2^-24 * K bounds the rounding; plus C's and the
            // final rounding, relative.
            const double tol = 1e-7 * static_cast<double>(K) + 2e-7 * std::max(1.0, std::fabs(want[i]));
            bad += !(std::fabs(y[i] - want[i]) <= tol);
          }
          CHECK(bad == 0);
        }
    }
}
