// The instruction-set families every optimised kernel is compiled for (per-file target flags); the engine
// maps its kernel path onto one of them (engine/ops/kernel_isa.h). The reference kernels take none.
#pragma once

#include <cstdint>

namespace vigil::kernels {

enum class KernelIsa : uint8_t {
  Scalar,  // baseline x86-64, plain C++ (the same algorithms as the vector paths, one lane)
  Avx2,    // AVX2 + FMA (ymm)
  Avx512,  // AVX-512 F/BW/DQ/VL (zmm)
};

const char* kernel_isa_name(KernelIsa isa);

}  // namespace vigil::kernels
