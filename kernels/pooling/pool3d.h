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

}  // namespace vigil::kernels
