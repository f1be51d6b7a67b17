// The standalone activation ops on every kernel path and at 1 and 2 threads, through the engine, against
// activate_reference element by element: the optimised paths run gemm_packed_activation, so the
// piecewise-linear kinds must match bit for bit and sigmoid / tanh / silu / mish within the ulp bounds of
// docs/KERNELS.md (2 / 1 / 3 / 4; the absolute error at most FLT_MIN where the result is below it). Sizes
// cross the thread threshold and leave odd tails of the 64-float chunks; inputs include ±0, ±inf, NaN and
// values out in the tails.
#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "engine/executor.h"
#include "engine/graph_builder.h"
#include "kernels/activation/activation.h"
#include "tests/unit/epilogue_test_support.h"

using namespace vigil;
using kernels::Activation;

namespace {

struct Kind {
  OpType op;
  Activation act;
  float alpha, beta;
};

}  // namespace

TEST_CASE("standalone activation ops: every path and thread count against activate_reference") {
  const Kind kinds[] = {{OpType::Relu, Activation::Relu, 0, 0},
                        {OpType::LeakyRelu, Activation::LeakyRelu, 0.1f, 0},
                        {OpType::Clip, Activation::Clip, 0.0f, 6.0f},
                        {OpType::HardSigmoid, Activation::HardSigmoid, 0.2f, 0.5f},
                        {OpType::HardSwish, Activation::HardSwish, 0, 0},
                        {OpType::Sigmoid, Activation::Sigmoid, 0, 0},
                        {OpType::Tanh, Activation::Tanh, 0, 0},
                        {OpType::Silu, Activation::Silu, 0, 0},
                        {OpType::Mish, Activation::Mish, 0, 0}};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> wide(-30, 30), tail(-120, 100);
  for (int64_t n : {1, 63, 1000, 40001}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (size_t i = 0; i < x.size(); ++i) x[i] = i % 7 == 0 ? tail(rng) : wide(rng);
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-30f, -1e-30f};
    for (size_t i = 0; i < x.size() && i < 7; ++i) x[i * 5 % x.size()] = specials[i];
    for (const Kind& k : kinds) {
      GraphBuilder gb;
      Attributes a;
      if (k.op == OpType::LeakyRelu || k.op == OpType::HardSigmoid) a.set("alpha", k.alpha);
      if (k.op == OpType::HardSigmoid) a.set("beta", k.beta);
      if (k.op == OpType::Clip) a.set("min", k.alpha), a.set("max", k.beta);
      gb.output(gb.node(k.op, "act", {gb.input("x", DType::F32, {1, n})}, a));
      const Graph g = gb.build();
      const kernels::ActivationParams params{k.act, k.alpha, k.beta};
      const int64_t ulp = vigil::test::vector_activation_ulp_bound(k.act);
      for (KernelPath path : supported_kernel_paths())
        for (int threads : {1, 2}) {
          EngineOptions options;
          options.path = path;
          Engine engine(g, options);
          ExecutionContext ctx(engine, threads);
          std::copy(x.begin(), x.end(), ctx.input(0).f32());
          ctx.run();
          const float* y = ctx.output(0).f32();
          int bad = 0;
          for (int64_t i = 0; i < n; ++i) {
            const float want = kernels::activate_reference(params, x[static_cast<size_t>(i)]);
            const bool same = std::memcmp(&want, &y[i], 4) == 0 || (std::isnan(want) && std::isnan(y[i]));
            const bool within = ulp > 0 && (vigil::test::ulps_apart(want, y[i]) <= ulp ||
                                            (std::fabs(want) < FLT_MIN && std::fabs(y[i] - want) <= FLT_MIN));
            bad += !(same || within);
          }
          CAPTURE(n);
          CAPTURE(kernels::activation_name(k.act));
          CAPTURE(kernel_path_name(path));
          CAPTURE(threads);
          CHECK(bad == 0);
        }
    }
  }
}
