// use_nchwc_layout: runs of depthwise and pointwise convolutions move into the blocked channel layout
// NCHWc (kernels/nchwc/nchwc_layout.h), with conversions only where a run meets the rest of the graph.
//
// Why: in NCHW a depthwise conv works plane by plane (a copy per channel, short rows on small images) and a
// pointwise conv on a 7x7 or 14x14 image fills its vectors with pixels, of which there are few. In NCHWc one
// vector holds b channels of one pixel, so both become plain vector FMAs over full vectors at any image size;
// ONNX Runtime runs mobile networks this way.
//
// Which nodes: Conv2d with constant weights (and bias) that is depthwise, or group 1 and not a conv the planner
// gives to Winograd (3x3 stride 1 at 7x7 or more, which stays faster in NCHW); GlobalAveragePool;
// one-input activations and elementwise math; Add/Sub/Mul/Div/Max/Min of two such tensors (equal shapes, or one
// of them [N,C,1,1], as squeeze-and-excitation multiplies) or of one and a scalar; Concat over channels when
// every input's channel count is a multiple of b. Such nodes that are connected form runs; a run moves to NCHWc
// only when it contains a depthwise conv (the case measured to gain; a run of pointwise convs alone is as fast
// in NCHW with vigil's packed GEMM, and each conversion at its edges costs a pass over memory).
//
// How: Conv2d becomes Conv2dNchwc (a group-1 conv whose input comes from outside the run reads it in NCHW,
// x_plain, instead of through a conversion), GlobalAveragePool becomes GlobalAveragePoolNchwc, and the
// elementwise ops and Concat run unchanged on the 5-D tensors (Concat along axis 1 of [N,CB,H,W,b]). ToNchwc is
// inserted where a run reads an outside value, FromNchwc where the rest of the graph (or a graph output) reads a
// run's value: the value keeps its id, name and NCHW shape; the run's own copy is "<name>@nchwc".
//
// The graph is re-validated (shapes inferred) at the end.
#pragma once

#include <cstdint>

#include "engine/graph.h"

namespace vigil {

// block: the lanes per channel block (the vector width of the kernel path: 16 on AVX-512, 8 on AVX2).
void use_nchwc_layout(Graph& g, int64_t block);

}  // namespace vigil
