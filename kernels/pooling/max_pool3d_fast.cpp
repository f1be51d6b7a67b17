// max_pool3d_fast: the dispatcher, the scalar build of the separable loop (baseline flags; see
// max_pool3d_fast_impl.h) and the pooled-planes variant for strided rows.
#include <cstring>
#include <limits>

#include "kernels/pooling/max_pool3d_fast_impl.h"
#include "kernels/pooling/pool3d.h"
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

namespace {

Pool2dParams plane_params(const Pool3dParams& p) {
  Pool2dParams q;
  q.planes = p.in_d;
  q.in_h = p.in_h, q.in_w = p.in_w, q.out_h = p.out_h, q.out_w = p.out_w;
  q.kernel_h = p.kernel_h, q.kernel_w = p.kernel_w;
  q.stride_h = p.stride_h, q.stride_w = p.stride_w;
  q.dilation_h = p.dilation_h, q.dilation_w = p.dilation_w;
  q.pad_top = p.pad_top, q.pad_left = p.pad_left, q.pad_bottom = p.pad_bottom, q.pad_right = p.pad_right;
  return q;
}

// Strided rows: every input plane of the volume pooled in 2-D by the bounds-check-free 2-D kernel into
// scratch, then each output plane combines the pooled planes of its depth taps in order.
void max_pool3d_planes(const Pool3dParams& p, bool avx512, const float* x, float* y, int64_t volume_begin,
                       int64_t volume_end, float* scratch) {
  const Pool2dParams q = plane_params(p);
  const int64_t in_volume = p.in_d * p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  for (int64_t v = volume_begin; v < volume_end; ++v) {
    // The volume's in_d planes are a stack of 2-D planes: pooled in one call.
    if (avx512)
      max_pool2d_fast_avx512(q, x + v * in_volume, scratch, 0, p.in_d);
    else
      max_pool2d_fast(q, x + v * in_volume, scratch, 0, p.in_d);
    for (int64_t od = 0; od < p.out_d; ++od) {
      float* out = y + (v * p.out_d + od) * out_plane;
      bool first = true;
      for (int64_t a = 0; a < p.kernel_d; ++a) {
        const int64_t id = od * p.stride_d - p.pad_front + a * p.dilation_d;
        if (id < 0 || id >= p.in_d) continue;  // depth padding never wins
        const float* plane = scratch + id * out_plane;
        if (first) {
          std::memcpy(out, plane, static_cast<size_t>(out_plane) * sizeof(float));
          first = false;
          continue;
        }
        // The reference's rule as a select (v != v: NaN), so the loop vectorises; as a branch on random data
        // it mispredicted half the time and took more than the 2-D pooling.
        for (int64_t k = 0; k < out_plane; ++k) {
          const float value = plane[k], best = out[k];
          out[k] = value > best || value != value ? value : best;
        }
      }
      // No tap inside (the engine rejects such pools): the reference's empty max.
      if (first)
        for (int64_t k = 0; k < out_plane; ++k) out[k] = -std::numeric_limits<float>::infinity();
    }
  }
}

}  // namespace

int64_t max_pool3d_separable_scratch_floats(const Pool3dParams& p) { return max_pool3d_detail::layout(p).floats; }

int64_t max_pool3d_fast_scratch_floats(const Pool3dParams& p) {
  return p.stride_w > 1 ? p.in_d * p.out_h * p.out_w : max_pool3d_separable_scratch_floats(p);
}

void max_pool3d_fast_scalar(const Pool3dParams& p, const float* x, float* y, int64_t volume_begin, int64_t volume_end,
                            float* scratch) {
  max_pool3d_detail::pool(p, x, y, volume_begin, volume_end, scratch);
}

void max_pool3d_fast(const Pool3dParams& p, KernelIsa isa, const float* x, float* y, int64_t volume_begin,
                     int64_t volume_end, float* scratch) {
  if (p.stride_w > 1) return max_pool3d_planes(p, isa == KernelIsa::Avx512, x, y, volume_begin, volume_end, scratch);
  switch (isa) {
    case KernelIsa::Avx2:
      return max_pool3d_fast_avx2(p, x, y, volume_begin, volume_end, scratch);
    case KernelIsa::Avx512:
      return max_pool3d_fast_avx512(p, x, y, volume_begin, volume_end, scratch);
    case KernelIsa::Scalar:
      break;
  }
  max_pool3d_fast_scalar(p, x, y, volume_begin, volume_end, scratch);
}

}  // namespace vigil::kernels
