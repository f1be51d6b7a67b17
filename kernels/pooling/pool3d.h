// 3-D max and average pooling over NCDHW tensors (video: D is time), with the exact semantics of the 2-D
// kernels in pooling.h extended by a depth dim. Each (n, c) volume is pooled independently, so the kernels
// see a stack of `volumes` = N*C volumes (callers split that range over threads).
#pragma once

#include <cstdint>

namespace vigil::kernels {

struct Pool3dParams {
  int64_t volumes = 1;  // N * C
  int64_t in_d = 1, in_h = 1, in_w = 1;
  int64_t out_d = 1, out_h = 1, out_w = 1;
  int64_t kernel_d = 1, kernel_h = 1, kernel_w = 1;
  int64_t stride_d = 1, stride_h = 1, stride_w = 1;
  int64_t dilation_d = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_front = 0, pad_top = 0, pad_left = 0, pad_back = 0, pad_bottom = 0, pad_right = 0;
  // AveragePool only: divide by the number of window cells inside the padded input (true) or inside the
  // unpadded input (false).
  bool count_include_pad = false;
};

// Window (od, oh, ow) covers planes od*stride_d - pad_front + a*dilation_d, a < kernel_d (rows and columns
// likewise). Max: the largest covered input cell; cells outside the input never win; NaN propagates (the
// last NaN in window order is returned); every window must cover at least one input cell (the engine checks
// this at load).
void max_pool3d_reference(const Pool3dParams& p, const float* x, float* y);

// Average: the sum of the covered input cells (in double) divided by the count described at
// count_include_pad. Cells a ceil_mode window reaches beyond pad_back/pad_bottom/pad_right count in neither
// case.
void average_pool3d_reference(const Pool3dParams& p, const float* x, float* y);

// MaxPool3d on the optimised paths, bit for bit max_pool3d_reference (NaN, -0 and ties included): every
// input plane of a volume is pooled in 2-D by max_pool2d_fast (max_pool2d_fast_avx512 when `avx512`) into
// scratch, then each output plane combines the pooled planes of its depth taps in tap order with the
// reference's rule (take v if v > best or v is NaN). The rule is associative over segments of the window
// order (the first of equal values stays, the last NaN wins), so splitting the window by depth changes
// nothing. Volumes [volume_begin, volume_end); scratch: max_pool3d_fast_scratch_floats(p) floats.
int64_t max_pool3d_fast_scratch_floats(const Pool3dParams& p);
void max_pool3d_fast(const Pool3dParams& p, bool avx512, const float* x, float* y, int64_t volume_begin,
                     int64_t volume_end, float* scratch);

}  // namespace vigil::kernels
