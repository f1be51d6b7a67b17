// batch_norm_fast: dispatch; the scalar path is the reference itself over the range of planes.
#include "kernels/batch_norm/batch_norm_fast.h"

namespace vigil::kernels {

void batch_norm_reference_planes(const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                                 const float* mean, const float* var, float* y, int64_t plane_begin,
                                 int64_t plane_end) {
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    BatchNormParams one = p;
    one.batch = 1;
    one.channels = 1;
    const int64_t c = plane % p.channels, base = plane * p.spatial;
    batch_norm_reference(one, x + base, scale + c, bias + c, mean + c, var + c, y + base);
  }
}

void batch_norm_fast(KernelIsa isa, const BatchNormParams& p, const float* x, const float* scale, const float* bias,
                     const float* mean, const float* var, float* y, int64_t plane_begin, int64_t plane_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return batch_norm_fast_avx2(p, x, scale, bias, mean, var, y, plane_begin, plane_end);
    case KernelIsa::Avx512:
      return batch_norm_fast_avx512(p, x, scale, bias, mean, var, y, plane_begin, plane_end);
    case KernelIsa::Scalar:
      break;
  }
  batch_norm_reference_planes(p, x, scale, bias, mean, var, y, plane_begin, plane_end);
}

}  // namespace vigil::kernels
