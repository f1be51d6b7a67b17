#include "kernels/float16/float16_fast.h"

namespace vigil::kernels {

void f32_to_f16_fast(KernelIsa isa, const float* x, uint16_t* y, int64_t n) {
  switch (isa) {
    case KernelIsa::Avx2:
      return f32_to_f16_avx2(x, y, n);
    case KernelIsa::Avx512:
      return f32_to_f16_avx512(x, y, n);
    case KernelIsa::Scalar:
      break;
  }
  f32_to_f16(x, y, n);
}

void f16_to_f32_fast(KernelIsa isa, const uint16_t* x, float* y, int64_t n) {
  switch (isa) {
    case KernelIsa::Avx2:
      return f16_to_f32_avx2(x, y, n);
    case KernelIsa::Avx512:
      return f16_to_f32_avx512(x, y, n);
    case KernelIsa::Scalar:
      break;
  }
  f16_to_f32(x, y, n);
}

void round_to_f16_fast(KernelIsa isa, float* x, int64_t n) {
  switch (isa) {
    case KernelIsa::Avx2:
      return round_to_f16_avx2(x, n);
    case KernelIsa::Avx512:
      return round_to_f16_avx512(x, n);
    case KernelIsa::Scalar:
      break;
  }
  round_to_f16_inplace(x, n);
}

}  // namespace vigil::kernels
