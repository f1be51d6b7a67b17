// grouped_conv, avx2 path (compiled with the avx2 flags; see grouped_conv_impl.h).
#include "kernels/grouped_conv/grouped_conv.h"
#include "kernels/grouped_conv/grouped_conv_impl.h"

namespace vigil::kernels {

void grouped_conv_avx2(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                       void* workspace) {
  grouped_detail::grouped<simd_detail::Avx2Isa>(p, x, w, bias, y, workspace);
}

}  // namespace vigil::kernels
