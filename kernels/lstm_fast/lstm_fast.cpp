// Baseline parts of lstm_fast: support check, packing, workspace size, dispatch and the scalar path.
#include "kernels/lstm_fast/lstm_fast.h"

#include "kernels/lstm_fast/lstm_fast_impl.h"

namespace vigil::kernels {

bool lstm_fast_supported(const LstmParams& p, const LstmBuffers& buf) {
  if (p.batch_first || p.clip > 0.0f || p.input_forget || buf.peepholes) return false;
  if (p.seq_length < 1 || p.batch < 1 || p.input_size < 1 || p.hidden_size < 1) return false;
  if (buf.sequence_lens)
    for (int64_t b = 0; b < p.batch; ++b)
      if (buf.sequence_lens[b] != p.seq_length) return false;
  return true;
}

int64_t lstm_fast_packed_floats(const LstmParams& p) { return p.num_directions() * lstm_fast_detail::sizes(p).per_dir; }

void lstm_fast_pack(const LstmParams& p, const float* w, const float* r, const float* bias, float* packed) {
  const auto s = lstm_fast_detail::sizes(p);
  const int64_t H = s.H, I = s.I;
  for (int64_t i = 0; i < lstm_fast_packed_floats(p); ++i) packed[i] = 0.0f;
  for (int64_t d = 0; d < p.num_directions(); ++d) {
    float* pk = packed + d * s.per_dir;
    float* wt = pk + s.wt;
    float* rt = pk + s.rt;
    float* b = rt + H * s.np;
    for (int64_t g = 0; g < 4 * H; ++g) {
      // Column-block-major (lstm_fast_impl.h, block_offset).
      using lstm_fast_detail::block_offset, lstm_fast_detail::kProjectionBlock, lstm_fast_detail::kRecurrentBlock;
      for (int64_t i = 0; i < I; ++i)
        wt[block_offset(g, I, kProjectionBlock) + i * kProjectionBlock + g % kProjectionBlock] =
            w[(d * 4 * H + g) * I + i];
      for (int64_t j = 0; j < H; ++j)
        rt[block_offset(g, H, kRecurrentBlock) + j * kRecurrentBlock + g % kRecurrentBlock] =
            r[(d * 4 * H + g) * H + j];
      b[g] = bias && !p.input_projected ? bias[d * 8 * H + g] + bias[d * 8 * H + 4 * H + g] : 0.0f;
    }
  }
}

int64_t lstm_fast_workspace_bytes(const LstmParams& p) {
  return lstm_fast_detail::workspace_floats(p) * static_cast<int64_t>(sizeof(float));
}

void lstm_fast_scalar(const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace,
                      int64_t d_begin, int64_t d_end) {
  lstm_fast_detail::lstm<simd_detail::ScalarIsa>(p, buf, packed, workspace, d_begin, d_end);
}

void lstm_fast_directions(KernelIsa isa, const LstmParams& p, const LstmBuffers& buf, const float* packed,
                          void* workspace, int64_t d_begin, int64_t d_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      lstm_fast_scalar(p, buf, packed, workspace, d_begin, d_end);
      return;
    case KernelIsa::Avx2:
      lstm_fast_avx2(p, buf, packed, workspace, d_begin, d_end);
      return;
    case KernelIsa::Avx512:
      lstm_fast_avx512(p, buf, packed, workspace, d_begin, d_end);
      return;
  }
}

void lstm_fast(KernelIsa isa, const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace) {
  lstm_fast_directions(isa, p, buf, packed, workspace, 0, p.num_directions());
}

}  // namespace vigil::kernels
