// grouped_conv, avx512 path (compiled with the avx512 flags; see grouped_conv_impl.h).
#include "kernels/grouped_conv/grouped_conv.h"
#include "kernels/grouped_conv/grouped_conv_impl.h"

namespace vigil::kernels {

void grouped_conv_avx512(const Conv2dParams& p, const float* x, const float* w, const float* bias, float* y,
                         void* workspace) {
  grouped_detail::grouped<simd_detail::Avx512Isa>(p, x, w, bias, y, workspace);
}

}  // namespace vigil::kernels
