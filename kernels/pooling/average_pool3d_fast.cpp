// average_pool3d_fast: the dispatcher and the scalar build (baseline flags; see average_pool3d_fast_impl.h).
#include "kernels/pooling/average_pool3d_fast_impl.h"
#include "kernels/pooling/pool3d.h"

namespace vigil::kernels {

int64_t average_pool3d_fast_scratch_bytes(const Pool3dParams& p) {
  const auto l = average_pool3d_detail::layout(p);
  return l.padded_floats > (64LL << 20) ? 0 : l.bytes;
}

void average_pool3d_fast_scalar(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin,
                                int64_t volume_end, void* scratch) {
  average_pool3d_detail::pool(p, x, y, volume_begin, volume_end, scratch);
}

void average_pool3d_fast(const Pool3dParams& p, KernelIsa isa, const float* x, float* y, int64_t volume_begin,
                         int64_t volume_end, void* scratch) {
  switch (isa) {
    case KernelIsa::Avx2:
      return average_pool3d_fast_avx2(p, x, y, volume_begin, volume_end, scratch);
    case KernelIsa::Avx512:
      return average_pool3d_fast_avx512(p, x, y, volume_begin, volume_end, scratch);
    case KernelIsa::Scalar:
      break;
  }
  average_pool3d_fast_scalar(p, x, y, volume_begin, volume_end, scratch);
}

}  // namespace vigil::kernels
