// The ISA-independent half of gemm_packed: tile sizes, A packing, workspace arithmetic and dispatch.
// Baseline x86-64 code: it only calls into a path's file when the caller asked for that path.
#include "kernels/gemm_packed/gemm_packed.h"

#include "kernels/gemm_packed/gemm_packed_config.h"
#include "kernels/gemm_packed/gemm_packed_driver.h"
#include "kernels/transpose/transpose.h"

namespace vigil::kernels {

namespace {

using gemm_packed_detail::BlockingConfig;

const BlockingConfig& config(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Avx2: return gemm_packed_detail::kAvx2Config;
    case KernelIsa::Avx512: return gemm_packed_detail::kAvx512Config;
    case KernelIsa::Scalar: break;
  }
  return gemm_packed_detail::kScalarConfig;
}

}  // namespace

GemmBlocking gemm_blocking(KernelIsa isa) {
  const BlockingConfig& c = config(isa);
  return {c.mr, c.nr, c.kc, c.nc, c.mc};
}

int64_t gemm_packed_a_floats(KernelIsa isa, int64_t m, int64_t k) {
  const int64_t mr = config(isa).mr;
  return (m + mr - 1) / mr * mr * k;
}

void gemm_pack_a(KernelIsa isa, int64_t m, int64_t k, const float* a, int64_t lda, float* packed) {
  const int64_t mr = config(isa).mr;
  for (int64_t panel = 0; panel * mr < m; ++panel) {
    float* dst = packed + panel * mr * k;
    const float* src = a + panel * mr * lda;
    const int64_t rows = m - panel * mr < mr ? m - panel * mr : mr;
    int64_t q = 0;
    // Full panels go through AVX2 register transposes (AVX-512's 8 rows as 8x8 tiles, AVX2's 6 rows with two
    // zero rows): packing the rows of a Linear layer's input on every run was a scalar loop, 0.17 ms of
    // ViT-B/16's 4.3 ms MLP product 197 x 3072 -> 768 (session 13). The values are moved unchanged, so the
    // product is the same.
    if (isa == KernelIsa::Avx512 && mr == 8 && rows == 8)
      for (; q + 8 <= k; q += 8) transpose_tile8x8_avx2(src + q, lda, dst + q * 8, 8);
    if (isa == KernelIsa::Avx2 && mr == 6 && rows == 6) q = gemm_pack_a6_avx2(src, lda, k, dst);
    for (; q < k; ++q) {
      for (int64_t r = 0; r < rows; ++r) dst[q * mr + r] = src[r * lda + q];
      for (int64_t r = rows; r < mr; ++r) dst[q * mr + r] = 0.0f;
    }
  }
}

int64_t gemm_packed_b_floats(KernelIsa isa, int64_t k, int64_t n) {
  const int nr = config(isa).nr;
  return (n + nr - 1) / nr * gemm_packed_detail::panel_stride(k, nr);
}

void gemm_pack_b(KernelIsa isa, int64_t k, int64_t n, const float* b, int64_t ldb, float* packed) {
  // The driver's own per-block packing, over one block of all K rows and N columns.
  using namespace gemm_packed_detail;
  switch (isa) {
    case KernelIsa::Scalar: pack_b_dense<kScalarConfig.nr>(b, ldb, 0, k, 0, n, packed); return;
    case KernelIsa::Avx2: pack_b_dense<kAvx2Config.nr>(b, ldb, 0, k, 0, n, packed); return;
    case KernelIsa::Avx512: pack_b_dense<kAvx512Config.nr>(b, ldb, 0, k, 0, n, packed); return;
  }
}

int64_t gemm_packed_workspace_bytes(KernelIsa isa, int64_t /*m*/, int64_t n, int64_t k, int threads) {
  const int64_t slots = threads > 1 ? threads : 1;
  // + 64: the driver rounds the workspace pointer up to a cache line.
  return slots * gemm_packed_detail::slot_floats(config(isa), n, k) * static_cast<int64_t>(sizeof(float)) + 64;
}

void gemm_packed(KernelIsa isa, const GemmPackedParams& p, void* workspace, const GemmThreading& threading) {
  switch (isa) {
    case KernelIsa::Scalar: gemm_packed_scalar(p, workspace, threading); return;
    case KernelIsa::Avx2: gemm_packed_avx2(p, workspace, threading); return;
    case KernelIsa::Avx512: gemm_packed_avx512(p, workspace, threading); return;
  }
}

void gemm_packed_activation(KernelIsa isa, const ActivationParams& p, const float* x, float* y, int64_t n) {
  switch (isa) {
    case KernelIsa::Scalar: activation_reference(p, x, y, n); return;
    case KernelIsa::Avx2: gemm_packed_activation_avx2(p, x, y, n); return;
    case KernelIsa::Avx512: gemm_packed_activation_avx512(p, x, y, n); return;
  }
}

}  // namespace vigil::kernels
