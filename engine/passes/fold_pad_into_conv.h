// Load-time pass: a zero Pad in front of a Conv2d or a pad-counting AveragePool becomes that node's own
// padding. PyTorch's nn.ZeroPad2d and TensorFlow's asymmetric SAME padding export as Pad + Conv; folded,
// the conv reads the unpadded tensor and no padded copy is ever written.
#pragma once

#include "engine/graph.h"

namespace vigil {

// Removes every Pad node that
//  - is in constant mode with value +0.0, on a rank-4 (NCHW) input, padding only axes 2 and 3 (H, W),
//    with every pad >= 0 (no cropping);
//  - writes a value that is not a graph output and is read by exactly one node input: input X (0) of a
//    Conv2d, or the input of an AveragePool with count_include_pad = 1 whose windows then cover the same
//    cells (ceil_mode = 0, or no end padding from the Pad: a ceil-mode window may reach past the end pads,
//    and the rule that drops such a last window counts the input length, which the fold would change);
// and adds its pads to the consumer's `pads` [top, left, bottom, right], which then reads the Pad's input.
// Both consumers read padding cells as zeros that add nothing to their sums (and count them the same way),
// so the result is bit-identical. MaxPool never takes a Pad (its padding never wins a max, a padded zero
// can). Chains of Pads fold one after another. The Pad's output name is appended to the consumer's
// "fused_values" (engine/passes/fold_batch_norm.h). Ends with validate_and_infer(g).
void fold_pad_into_conv(Graph& g);

}  // namespace vigil
