// gru_fast, avx512 path (compiled with the avx512 flags; see gru_fast_impl.h).
#include "kernels/gru_fast/gru_fast.h"
#include "kernels/gru_fast/gru_fast_impl.h"

namespace vigil::kernels {

void gru_fast_avx512(const GruParams& p, const GruBuffers& buf, const float* packed, void* workspace, int64_t d_begin,
                     int64_t d_end) {
  gru_fast_detail::gru<simd_detail::Avx512Isa>(p, buf, packed, workspace, d_begin, d_end);
}

}  // namespace vigil::kernels
