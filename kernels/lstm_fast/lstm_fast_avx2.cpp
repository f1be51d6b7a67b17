// lstm_fast, avx2 path (compiled with the avx2 flags; see lstm_fast_impl.h).
#include "kernels/lstm_fast/lstm_fast.h"
#include "kernels/lstm_fast/lstm_fast_impl.h"

namespace vigil::kernels {

void lstm_fast_avx2(const LstmParams& p, const LstmBuffers& buf, const float* packed, void* workspace,
                    int64_t d_begin, int64_t d_end) {
  lstm_fast_detail::lstm<simd_detail::Avx2Isa>(p, buf, packed, workspace, d_begin, d_end);
}

}  // namespace vigil::kernels
