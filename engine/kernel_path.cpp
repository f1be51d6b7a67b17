#include "engine/kernel_path.h"

#include <cstdlib>

#include "engine/cpu_features.h"
#include "engine/error.h"

namespace vigil {

std::string_view kernel_path_name(KernelPath p) {
  switch (p) {
    case KernelPath::Reference: return "reference";
    case KernelPath::Scalar: return "scalar";
    case KernelPath::Avx2: return "avx2";
    case KernelPath::Avx512: return "avx512";
  }
  return "invalid";
}

std::optional<KernelPath> parse_kernel_path(std::string_view name) {
  for (KernelPath p : kAllKernelPaths)
    if (kernel_path_name(p) == name) return p;
  return std::nullopt;
}

bool kernel_path_supported(KernelPath p) {
  const CpuFeatures& cpu = cpu_features();
  switch (p) {
    case KernelPath::Reference:
    case KernelPath::Scalar: return true;
    case KernelPath::Avx2: return cpu.has_avx2_fma();
    case KernelPath::Avx512: return cpu.has_avx512_core() && cpu.has_avx2_fma();
  }
  return false;
}

std::vector<KernelPath> supported_kernel_paths() {
  std::vector<KernelPath> paths;
  for (KernelPath p : kAllKernelPaths)
    if (kernel_path_supported(p)) paths.push_back(p);
  return paths;
}

KernelPath best_kernel_path() {
  for (KernelPath p : {KernelPath::Avx512, KernelPath::Avx2})
    if (kernel_path_supported(p)) return p;
  return KernelPath::Scalar;
}

KernelPath require_kernel_path(std::string_view name, std::string_view what) {
  auto p = parse_kernel_path(name);
  if (!p) fail(what, ": unknown kernel path '", name, "' (expected reference, scalar, avx2 or avx512)");
  if (!kernel_path_supported(*p))
    fail(what, ": this CPU does not support ", name, " (it has: ", cpu_features().summary(), ")");
  return *p;
}

KernelPath default_kernel_path() {
  const char* env = std::getenv("VIGIL_ISA");
  if (env && *env) return require_kernel_path(env, "VIGIL_ISA");
  return best_kernel_path();
}

}  // namespace vigil
