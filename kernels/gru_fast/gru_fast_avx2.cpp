// gru_fast, avx2 path (compiled with the avx2 flags; see gru_fast_impl.h).
#include "kernels/gru_fast/gru_fast.h"
#include "kernels/gru_fast/gru_fast_impl.h"

namespace vigil::kernels {

void gru_fast_avx2(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                   int64_t d_end) {
  gru_fast_detail::gru<simd_detail::Avx2Isa>(p, buf, packed, workspace, d_begin, d_end);
}

}  // namespace vigil::kernels
