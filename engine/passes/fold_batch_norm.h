// Load-time graph simplifications that remove whole nodes:
//  - fold_batch_norm: Conv2d/ConvTranspose2d/Conv3d -> BatchNorm becomes one conv with rescaled weights and bias;
//  - fuse_activations: Conv2d/ConvTranspose2d/Conv3d/BatchNorm/Add -> standalone activation becomes one node with
//    a fused activation;
//  - fuse_residual_add: Conv2d -> Add of another value becomes one Conv2d with a residual input.
//
// Names stay stable: the surviving node writes the value of the LAST node it absorbed (so graph outputs and
// the value names importers and metadata rely on are unchanged), and the names of the values that
// disappeared are appended to the surviving node's string-list attribute "fused_values", so an auditor
// comparing against the source framework can map every original value to the node now computing it.
#pragma once

#include "engine/graph.h"

namespace vigil {

// Folds every BatchNorm whose input X is the output of a Conv2d, ConvTranspose2d or Conv3d when
//  - that output is read by nothing but this BatchNorm and is not a graph output,
//  - the conv's weights (and bias, if any) and the BatchNorm's scale/bias/mean/var are f32 constants,
//  - the conv has no fused activation and no residual input yet.
// With s[m] = scale[m] / sqrt(var[m] + epsilon), computed in double:
//   W'[m,...] = W[m,...] * s[m],   B'[m] = (B[m] - mean[m]) * s[m] + bias[m]   (B = 0 when the conv had none);
// for ConvTranspose2d (W is [C, M/group, kh, kw]) W'[g*Cg + c, j, ...] = W[g*Cg + c, j, ...] * s[g*M/group + j].
// W' and B' are new constants (the originals may be shared with other nodes); constants nobody reads any
// more are dropped. The BatchNorm's fused activation, if any, moves to the conv. Ends with
// validate_and_infer(g).
void fold_batch_norm(Graph& g);

// Gives a Conv2d (without a residual input), ConvTranspose2d, Conv3d, BatchNorm or Add without a fused activation
// the activation of a standalone Relu, LeakyRelu, Sigmoid, Tanh, Silu, Mish, HardSwish, HardSigmoid or Clip node
// when that node is the only reader of its output and the output is not a graph output; the activation node is
// removed. Ends with validate_and_infer(g).
void fuse_activations(Graph& g);

// Gives a Conv2d the other operand R of an Add reading its output, Y = act(conv) + R (the residual input
// of Conv2d, docs/OPERATORS.md; the packed GEMM adds it in its epilogue), when
//  - the conv's output is read by nothing but this Add and is not a graph output,
//  - the conv has no residual yet; if the Add has a fused activation (ResNet: conv -> Add -> ReLU), the conv
//    has none, and the Add's becomes the conv's with residual_before_activation = 1: Y = act(conv + R),
//  - both Add operands are f32 with the Add's output shape (no broadcasting), and R is not the conv's output.
// The fused conv takes the Add's place in the node order (every input of both is computed by then). Run
// after fuse_activations, so the conv's own activation is already fused. Ends with validate_and_infer(g).
void fuse_residual_add(Graph& g);

}  // namespace vigil
