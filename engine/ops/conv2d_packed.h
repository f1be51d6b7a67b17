// Conv2d bound to the packed GEMM (kernels/gemm_packed): weights packed once at load, the input read
// through an implicit im2col view (or directly, for 1x1 stride-1 convs), bias and activation fused into
// the GEMM epilogue, work split over the context's threads.
#pragma once

#include <memory>

#include "engine/op_def.h"
#include "kernels/conv2d/conv2d.h"

namespace vigil::ops {

// Null when this path has no packed kernel for the conv (weights not constant, or the reference path).
std::unique_ptr<OpKernel> make_conv2d_packed(const BindContext& ctx, const kernels::Conv2dParams& p);

}  // namespace vigil::ops
