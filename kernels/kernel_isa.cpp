#include "kernels/kernel_isa.h"

namespace vigil::kernels {

const char* kernel_isa_name(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Scalar:
      return "scalar";
    case KernelIsa::Avx2:
      return "avx2";
    case KernelIsa::Avx512:
      return "avx512";
  }
  return "?";
}

}  // namespace vigil::kernels
