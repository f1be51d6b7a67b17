// Maps the engine's kernel path onto the ISA enum the SIMD kernels take.
#pragma once

#include <optional>

#include "engine/kernel_path.h"
#include "kernels/kernel_isa.h"

namespace vigil::ops {

// Nullopt for the reference path (which uses the reference kernels, not a SIMD family).
inline std::optional<kernels::KernelIsa> kernel_isa(KernelPath path) {
  switch (path) {
    case KernelPath::Reference: return std::nullopt;
    case KernelPath::Scalar: return kernels::KernelIsa::Scalar;
    case KernelPath::Avx2: return kernels::KernelIsa::Avx2;
    case KernelPath::Avx512: return kernels::KernelIsa::Avx512;
  }
  return std::nullopt;
}

}  // namespace vigil::ops
