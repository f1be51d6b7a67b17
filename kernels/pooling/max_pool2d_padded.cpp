// When max_pool2d_padded_avx512 runs, and its scratch (baseline code: the engine asks on any CPU).
#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

// Strides up to 2: the rows are copied as they are, or split into their even and odd columns. Kernels up to
// 64 wide: the tap offsets of a row sit in a fixed array.
bool max_pool2d_padded_supported(const Pool2dParams& p) {
  return p.stride_w <= 2 && p.kernel_w <= pool_detail::PaddedPlane::kMaxKernelW;
}

int64_t max_pool2d_padded_scratch_floats(const Pool2dParams& p) {
  const pool_detail::PaddedPlane g = pool_detail::padded_plane(p);
  return g.band_rows(p) * g.stride;
}

}  // namespace vigil::kernels
