// Conv2d on the optimised paths. The planner picks, by shape, the kernel that is fastest here:
//  - depthwise (group == C == M): kernels/depthwise_conv, channels split over threads;
//  - grouped with at most 8 input channels per group: kernels/grouped_conv, groups split over threads;
//  - 3x3 stride-1 dilation-1 group-1 with at least 32 input channels (AVX-512; 8 on AVX2) and an output of at
//    least 7x7 pixels: Winograd
//  (kernels/conv2d_winograd),
//    F(4,3) from 16x16 and F(2,3) below, where F(4,3)'s 2x2 tiles per 8x8 image would leave most of each
//    vector idle and its 4x larger transformed weights stream from memory for too few tiles; on outputs
//    smaller than 7x7 the packed GEMM wins;
//  - everything else: the packed GEMM (kernels/gemm_packed) with an implicit im2col view.
// Weights are packed once at load. Measurements behind the thresholds: docs/KERNELS.md.
#pragma once

#include <memory>
#include <optional>

#include "engine/op_def.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d_winograd/conv2d_winograd.h"

namespace vigil::ops {

// Conv2d's attributes parsed and checked against its inputs' shapes (X [N,C,H,W], W, [B], [R]): the error
// names the node. Conv2d's infer and bind, and Conv2dNchwc's (with X's NCHW shape).
kernels::Conv2dParams conv2d_node_params(const Node& node, std::span<const TensorInfo> in);

// True when the planner runs p with Winograd on path `isa` (3x3 stride 1, group 1, at least 7x7 outputs, at
// least 32 input channels on AVX-512 and 8 on the others).
bool conv2d_runs_winograd(const kernels::Conv2dParams& p, kernels::KernelIsa isa);

// Kernels without a residual operand (the reference, Winograd, depthwise) run with kernel_params(p) and then
// finish_conv_residual: Y += R, or with p.residual_before_activation Y = act(Y + R), the activation left out
// of the kernel for it (the same roundings in the same order as a conv, an Add and the activation apart).
// Nothing happens when the residual input (in[3]) is absent. Y may be a strided batch view
// (TensorView::batch_stride); R is dense. `isa` null: the reference's activate_reference; else the conv
// epilogues' vector activations (gemm_packed_activation).
kernels::Conv2dParams kernel_params(const kernels::Conv2dParams& p);
void finish_conv_residual(const kernels::Conv2dParams& p, std::optional<kernels::KernelIsa> isa,
                          std::span<const TensorView> in, const TensorView& y);

// Null on the reference path, or when the weights are not an f32 constant.
std::unique_ptr<OpKernel> make_conv2d_fast(const BindContext& ctx, const kernels::Conv2dParams& p);

// The individual strategies, for tests that pin one (null when it does not apply).
std::unique_ptr<OpKernel> make_conv2d_packed(const BindContext& ctx, const kernels::Conv2dParams& p);
std::unique_ptr<OpKernel> make_conv2d_winograd(const BindContext& ctx, const kernels::Conv2dParams& p,
                                               kernels::WinogradTile tile);
std::unique_ptr<OpKernel> make_conv2d_depthwise(const BindContext& ctx, const kernels::Conv2dParams& p);
std::unique_ptr<OpKernel> make_conv2d_grouped(const BindContext& ctx, const kernels::Conv2dParams& p);

}  // namespace vigil::ops
