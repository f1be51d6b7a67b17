// Baseline parts of gru_fast: support check, packing, workspace size, dispatch and the scalar path.
#include "kernels/gru_fast/gru_fast.h"

#include "kernels/gru_fast/gru_fast_impl.h"

namespace vigil::kernels {

bool gru_fast_supported(const GruParams& p, const GruBuffers& buf) {
  if (p.seq_length < 1 || p.batch < 1 || p.input_size < 1 || p.hidden_size < 1) return false;
  if (buf.sequence_lens)
    for (int64_t b = 0; b < p.batch; ++b)
      if (buf.sequence_lens[b] != p.seq_length) return false;
  return true;
}

int64_t gru_fast_packed_floats(const GruParams& p) { return p.num_directions() * gru_fast_detail::sizes(p).per_dir; }

void gru_fast_pack(const GruParams& p, const float* w, const float* r, const float* bias, float* packed) {
  using gru_fast_detail::block_offset, gru_fast_detail::kProjectionBlock, gru_fast_detail::kRecurrentBlock;
  const auto s = gru_fast_detail::sizes(p);
  const int64_t H = s.H, I = s.I;
  for (int64_t i = 0; i < gru_fast_packed_floats(p); ++i) packed[i] = 0.0f;
  for (int64_t d = 0; d < p.num_directions(); ++d) {
    float* pk = packed + d * s.per_dir;
    const float* wb = bias ? bias + d * 6 * H : nullptr;
    const float* rb = bias ? wb + 3 * H : nullptr;
    for (int64_t g = 0; g < 3 * H; ++g) {
      // Column-block-major (kernels/recurrent_fast/packed_rows_product.h, block_offset).
      const int64_t n = gru_fast_detail::column_of(s, g);
      for (int64_t i = 0; i < I; ++i)
        pk[s.wt + block_offset(n, I, kProjectionBlock) + i * kProjectionBlock + n % kProjectionBlock] =
            w[(d * 3 * H + g) * I + i];
      const bool candidate = g >= 2 * H;
      // Rzr^T and Rh^T are packed apart: the candidate's columns start again at 0 in Rh^T.
      const int64_t rn = candidate ? g - 2 * H : g;
      float* rt = pk + (candidate ? s.rh : s.rzr);
      for (int64_t j = 0; j < H; ++j)
        rt[block_offset(rn, H, kRecurrentBlock) + j * kRecurrentBlock + rn % kRecurrentBlock] =
            r[(d * 3 * H + g) * H + j];
      if (!bias) continue;
      // Rbh can be summed ahead only when it is outside the reset gate's product.
      const bool rb_inside = candidate && p.linear_before_reset;
      pk[s.bias + n] = wb[g] + (rb_inside ? 0.0f : rb[g]);
      if (rb_inside) pk[s.rbh + rn] = rb[g];
    }
  }
}

int64_t gru_fast_workspace_bytes(const GruParams& p) {
  return gru_fast_detail::workspace_floats(p) * static_cast<int64_t>(sizeof(float));
}

void gru_fast_scalar(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end) {
  gru_fast_detail::gru<simd_detail::ScalarIsa>(p, buf, packed, workspace, d_begin, d_end);
}

void gru_fast_directions(KernelIsa isa, const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace,
                         int64_t d_begin, int64_t d_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      gru_fast_scalar(p, buf, packed, workspace, d_begin, d_end);
      return;
    case KernelIsa::Avx2:
      gru_fast_avx2(p, buf, packed, workspace, d_begin, d_end);
      return;
    case KernelIsa::Avx512:
      gru_fast_avx512(p, buf, packed, workspace, d_begin, d_end);
      return;
  }
}

void gru_fast(KernelIsa isa, const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace) {
  gru_fast_directions(isa, p, buf, packed, workspace, 0, p.num_directions());
}

}  // namespace vigil::kernels
