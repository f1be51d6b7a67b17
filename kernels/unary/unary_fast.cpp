#include "kernels/unary/unary_fast.h"

namespace vigil::kernels {

void unary_fast(KernelIsa isa, const UnaryParams& p, const float* x, float* y, int64_t n) {
  switch (isa) {
    case KernelIsa::Avx2:
      unary_fast_avx2(p, x, y, n);
      return;
    case KernelIsa::Avx512:
      unary_fast_avx512(p, x, y, n);
      return;
    case KernelIsa::Scalar:
      break;
  }
  unary_reference(p, x, y, n);
}

}  // namespace vigil::kernels
