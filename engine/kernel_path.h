// Which implementation family a model's nodes are bound to. Chosen once at load: the best the CPU
// supports, unless forced (--isa, or the VIGIL_ISA environment variable) for tests, audits and benchmarks.
//   reference: the plain scalar reference kernels (kernels/<op>/*_reference.cpp), the audit baseline;
//   scalar:    the optimised algorithms (packed GEMM, Winograd...) without vector instructions;
//   avx2:      AVX2 + FMA;
//   avx512:    AVX-512 F/BW/DQ/VL.
// An op without a kernel for the chosen path falls back to the next lower path it has.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace vigil {

enum class KernelPath : unsigned char { Reference, Scalar, Avx2, Avx512 };
inline constexpr KernelPath kAllKernelPaths[] = {KernelPath::Reference, KernelPath::Scalar, KernelPath::Avx2,
                                                 KernelPath::Avx512};

std::string_view kernel_path_name(KernelPath p);
std::optional<KernelPath> parse_kernel_path(std::string_view name);
bool kernel_path_supported(KernelPath p);          // by this CPU and OS
std::vector<KernelPath> supported_kernel_paths();  // those of kAllKernelPaths, in that order
KernelPath best_kernel_path();                     // the fastest supported path
// VIGIL_ISA if set (throws vigil::Error if it names an unknown or unsupported path), else best.
KernelPath default_kernel_path();
// `name` parsed and checked against the CPU; throws vigil::Error naming `what` (e.g. "--isa").
KernelPath require_kernel_path(std::string_view name, std::string_view what);

}  // namespace vigil
