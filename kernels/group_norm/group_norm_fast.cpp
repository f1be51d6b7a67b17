#include "kernels/group_norm/group_norm_fast.h"

namespace vigil::kernels {

void group_norm_fast(KernelIsa isa, const GroupNormParams& p, const float* x, const float* scale, const float* bias,
                     float* y, int64_t unit_begin, int64_t unit_end) {
  switch (isa) {
    case KernelIsa::Avx2:
      return group_norm_fast_avx2(p, x, scale, bias, y, unit_begin, unit_end);
    case KernelIsa::Avx512:
      return group_norm_fast_avx512(p, x, scale, bias, y, unit_begin, unit_end);
    case KernelIsa::Scalar:
      break;
  }
  // The reference on those units: a unit is one group of one batch item, so run it one unit at a time as a
  // batch of 1 with the unit's group as its only group.
  const int64_t per_group = p.channels / p.groups;
  GroupNormParams one = p;
  one.batch = 1;
  one.groups = 1;
  one.channels = per_group;
  for (int64_t u = unit_begin; u < unit_end; ++u) {
    const int64_t g = u % p.groups, at = u * per_group * p.spatial;
    group_norm_reference(one, x + at, scale + g * per_group, bias + g * per_group, y + at);
  }
}

}  // namespace vigil::kernels
