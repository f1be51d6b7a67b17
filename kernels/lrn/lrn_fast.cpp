// lrn_fast: dispatch; the scalar path is the reference itself over the range of planes.
#include "kernels/lrn/lrn_fast.h"

namespace vigil::kernels {

bool lrn_fast_supported(const LrnParams& p) { return p.bias > 0.0f && p.beta != 0.0f; }

void lrn_fast(KernelIsa isa, const LrnParams& p, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return lrn_fast_avx2(p, x, y, plane_begin, plane_end);
    case KernelIsa::Avx512:
      return lrn_fast_avx512(p, x, y, plane_begin, plane_end);
    case KernelIsa::Scalar:
      break;
  }
  lrn_reference_planes(p, x, y, plane_begin, plane_end);
}

}  // namespace vigil::kernels
