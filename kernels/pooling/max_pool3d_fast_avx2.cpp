// max_pool3d_fast, avx2 build (compiled with the avx2 flags; see max_pool3d_fast_impl.h).
#include "kernels/pooling/max_pool3d_fast_impl.h"
#include "kernels/pooling/pool3d.h"

namespace vigil::kernels {

void max_pool3d_fast_avx2(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin, int64_t volume_end,
                          float* scratch) {
  max_pool3d_detail::pool(p, x, y, volume_begin, volume_end, scratch);
}

}  // namespace vigil::kernels
