// Baseline parts of rnn_fast: support check, packing, workspace size, dispatch and the scalar path.
#include "kernels/rnn_fast/rnn_fast.h"

#include "kernels/rnn_fast/rnn_fast_impl.h"

namespace vigil::kernels {

bool rnn_fast_supported(const RnnParams& p, const RnnBuffers& buf) {
  if (p.seq_length < 1 || p.batch < 1 || p.input_size < 1 || p.hidden_size < 1) return false;
  for (int d = 0; d < p.num_directions(); ++d)
    if (!rnn_activation_supported(p.activation[d].kind)) return false;
  if (buf.sequence_lens)
    for (int64_t b = 0; b < p.batch; ++b)
      if (buf.sequence_lens[b] != p.seq_length) return false;
  return true;
}

int64_t rnn_fast_packed_floats(const RnnParams& p) { return p.num_directions() * rnn_fast_detail::sizes(p).per_dir; }

void rnn_fast_pack(const RnnParams& p, const float* w, const float* r, const float* bias, float* packed) {
  using rnn_fast_detail::block_offset, rnn_fast_detail::kProjectionBlock, rnn_fast_detail::kRecurrentBlock;
  const auto s = rnn_fast_detail::sizes(p);
  const int64_t H = s.H, I = s.I;
  for (int64_t i = 0; i < rnn_fast_packed_floats(p); ++i) packed[i] = 0.0f;
  for (int64_t d = 0; d < p.num_directions(); ++d) {
    float* pk = packed + d * s.per_dir;
    for (int64_t n = 0; n < H; ++n) {
      // Column-block-major (kernels/recurrent_fast/packed_rows_product.h, block_offset).
      for (int64_t i = 0; i < I; ++i)
        pk[s.wt + block_offset(n, I, kProjectionBlock) + i * kProjectionBlock + n % kProjectionBlock] =
            w[(d * H + n) * I + i];
      for (int64_t j = 0; j < H; ++j)
        pk[s.rt + block_offset(n, H, kRecurrentBlock) + j * kRecurrentBlock + n % kRecurrentBlock] =
            r[(d * H + n) * H + j];
      if (bias) pk[s.bias + n] = bias[d * 2 * H + n] + bias[d * 2 * H + H + n];
    }
  }
}

int64_t rnn_fast_workspace_bytes(const RnnParams& p) {
  return rnn_fast_detail::workspace_floats(p) * static_cast<int64_t>(sizeof(float));
}

void rnn_fast_scalar(const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end) {
  rnn_fast_detail::rnn<simd_detail::ScalarIsa>(p, buf, packed, workspace, d_begin, d_end);
}

void rnn_fast_directions(KernelIsa isa, const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace,
                         int64_t d_begin, int64_t d_end) {
  switch (isa) {
    case KernelIsa::Scalar:
      rnn_fast_scalar(p, buf, packed, workspace, d_begin, d_end);
      return;
    case KernelIsa::Avx2:
      rnn_fast_avx2(p, buf, packed, workspace, d_begin, d_end);
      return;
    case KernelIsa::Avx512:
      rnn_fast_avx512(p, buf, packed, workspace, d_begin, d_end);
      return;
  }
}

void rnn_fast(KernelIsa isa, const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace) {
  rnn_fast_directions(isa, p, buf, packed, workspace, 0, p.num_directions());
}

}  // namespace vigil::kernels
