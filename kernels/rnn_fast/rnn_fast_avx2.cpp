// rnn_fast, avx2 path (compiled with the avx2 flags; see rnn_fast_impl.h).
#include "kernels/rnn_fast/rnn_fast.h"
#include "kernels/rnn_fast/rnn_fast_impl.h"

namespace vigil::kernels {

void rnn_fast_avx2(const RnnParams& p, const RnnBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                   int64_t d_end) {
  rnn_fast_detail::rnn<simd_detail::Avx2Isa>(p, buf, packed, workspace, d_begin, d_end);
}

}  // namespace vigil::kernels
