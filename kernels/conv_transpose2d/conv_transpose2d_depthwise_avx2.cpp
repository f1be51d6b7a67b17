// depthwise ConvTranspose2d, avx2 build (compiled with the avx2 flags; see conv_transpose2d_depthwise_impl.h).
// The activation is the packed GEMM's vector epilogue activation (docs/KERNELS.md gives its accuracy).
#include "kernels/conv_transpose2d/conv_transpose2d_depthwise.h"
#include "kernels/conv_transpose2d/conv_transpose2d_depthwise_impl.h"
#include "kernels/gemm_packed/gemm_packed.h"
#include "kernels/gemm_packed/gemm_packed_avx2_isa.h"

namespace vigil::kernels {

void conv_transpose2d_depthwise_avx2(const ConvTranspose2dParams& p, const float* x, const float* w, const float* bias,
                                     float* y, int64_t plane_begin, int64_t plane_end, float* work) {
  conv_transpose2d_depthwise_detail::depthwise<gemm_packed_detail::Avx2Isa>(
      p, x, w, bias, y, plane_begin, plane_end, work, [&](float* values, int64_t n) {
        if (p.activation.kind != Activation::None) gemm_packed_activation_avx2(p.activation, values, values, n);
      });
}

}  // namespace vigil::kernels
