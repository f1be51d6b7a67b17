// gemm_packed for any x86-64 (no -m flags): the same packed layout and loop nest with a plain C++ 4x8
// microkernel, so every ISA path exists. The epilogue activation is activate_reference itself.
#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_driver.h"

namespace vigil::kernels {
namespace gemm_packed_detail {
namespace {

struct ScalarKernel {
  static constexpr BlockingConfig kConfig = kScalarConfig;
  static constexpr int MR = kConfig.mr, NR = kConfig.nr;

  static void pack_dense(const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
    pack_b_dense<NR>(b, ldb, k0, kc, n0, nc, dst);
  }
  static Im2colPlan plan_im2col(const Im2colGeometry&, int64_t, int64_t, float*) { return {}; }
  static void pack_im2col(const Im2colGeometry& g, const float* x, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                          const Im2colPlan&, float* dst) {
    pack_b_im2col<NR>(g, x, k0, kc, n0, nc, dst);
  }

  static void tile(const TileArgs& t) {
    float acc[MR][NR] = {};
    const float* a = t.a;
    const float* b = t.b;
    for (int64_t q = 0; q < t.kc; ++q, a += MR, b += NR)
      for (int r = 0; r < MR; ++r)
        for (int j = 0; j < NR; ++j) acc[r][j] += a[r] * b[j];
    for (int r = 0; r < t.mr; ++r) {
      float* c = t.c + r * t.ldc;
      const float bias = (t.last && t.bias) ? t.bias[r] : 0.0f;
      for (int j = 0; j < t.nr; ++j) {
        float x = acc[r][j];
        if (t.load_c) x += c[j];
        if (t.last) {
          x += bias;
          if (t.residual && t.residual_first) x += t.residual[r * t.ld_residual + j];
          x = activate_reference(*t.act, x);
          if (t.residual && !t.residual_first) x += t.residual[r * t.ld_residual + j];
        }
        c[j] = x;
      }
    }
  }
};

}  // namespace
}  // namespace gemm_packed_detail

void gemm_packed_scalar(const GemmPackedParams& p, void* workspace, const GemmThreading& threading) {
  gemm_packed_detail::Driver<gemm_packed_detail::ScalarKernel>::run(p, workspace, threading);
}

}  // namespace vigil::kernels
