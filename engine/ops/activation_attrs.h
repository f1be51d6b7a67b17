// Reading activation parameters from node attributes, shared by the activation ops and by every op
// with a fused activation (Conv2d, BatchNorm, Add...).
#pragma once

#include "engine/graph.h"
#include "kernels/activation/activation.h"

namespace vigil::ops {

// True for the ops activation_of_op reads (Relu, LeakyRelu, Sigmoid, Tanh, Silu, Mish, HardSwish, HardSigmoid,
// Clip): the activations a conv, BatchNorm or Add can fuse.
bool is_activation_op(OpType op);

// The activation a standalone activation node (Relu, LeakyRelu, Clip, ...) computes, from its attributes
// with ONNX defaults: LeakyRelu alpha=0.01; HardSigmoid alpha=0.2 beta=0.5; Clip min/max = -inf/+inf.
kernels::ActivationParams activation_of_op(const Node& node);

// A fused activation: attributes "activation" (a kernels::activation_name, default "none"),
// "activation_alpha" and "activation_beta". Unknown names are an error naming the node.
kernels::ActivationParams fused_activation(const Node& node);

// Writes a fused activation into attributes (the inverse of fused_activation), for importers and passes.
void set_fused_activation(Attributes& attrs, const kernels::ActivationParams& act);

}  // namespace vigil::ops
