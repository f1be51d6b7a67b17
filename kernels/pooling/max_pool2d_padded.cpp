// When max_pool2d_padded_avx512 runs, and its scratch (baseline code: the engine asks on any CPU).
#include "kernels/pooling/pool_window.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

// Windows reaching outside the image exist (padding, or a ceil_mode window past the end), the stride lets
// the vector loop run, and the plane is small enough that copying it costs less than the border cells'
// scalar bounds checks (at 112x112 with pad 1 the border cells cost about as much as the interior).
bool max_pool2d_padded_supported(const Pool2dParams& p) { return p.stride_w <= 2 && p.in_h * p.in_w <= 512 * 512; }

bool max_pool2d_padded_wanted(const Pool2dParams& p) {
  if (!max_pool2d_padded_supported(p)) return false;
  const pool_detail::Columns c = pool_detail::interior_columns(p);
  const bool rows_outside =
      p.pad_top > 0 || (p.out_h - 1) * p.stride_h - p.pad_top + (p.kernel_h - 1) * p.dilation_h >= p.in_h;
  return rows_outside || c.lo > 0 || c.hi < p.out_w;
}

int64_t max_pool2d_padded_scratch_floats(const Pool2dParams& p) {
  const pool_detail::PaddedPlane g = pool_detail::padded_plane(p);
  return g.rows * g.stride;
}

}  // namespace vigil::kernels
