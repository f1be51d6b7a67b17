// Load-time pass: x * sigmoid(x) written as two nodes (PyTorch exports nn.SiLU, X3D's and EfficientNet's
// Swish and YOLOv5's activation this way: Sigmoid, then Mul of its input and its output) becomes one Silu
// node. The Silu runs in one pass over the tensor instead of two, and after a conv (BatchNorm folded) it
// becomes the conv's fused activation (fuse_activations, run after this pass). MobileNetV3's hardswish, which
// PyTorch exports as HardSigmoid(alpha = 1/6, beta = 1/2) then Mul, becomes one HardSwish the same way.
#pragma once

#include "engine/graph.h"

namespace vigil {

// Replaces every pair
//   s = Sigmoid(x);  y = Mul(x, s)  (or Mul(s, x))
// where x and s are f32 of the same shape (no broadcasting), s is read by nothing but that Mul and is not a
// graph output, and the Mul has no fused activation, by y = Silu(x): one node named after the Mul, at the
// Mul's place in the node order, writing the Mul's output value (so y keeps its name); s's name is appended
// to its "fused_values" (engine/passes/fold_batch_norm.h). The Silu is x * sigmoid(x) rounded once where
// the pair rounded sigmoid(x) then the product: within 1 ulp of each other (docs/OPERATORS.md, Silu). Ends
// with validate_and_infer(g).
// Likewise  s = HardSigmoid(x) with alpha = 1/6 (within 1e-6 relative) and beta = 1/2;  y = Mul(x, s)  becomes
// y = HardSwish(x) = x * clamp(x / 6 + 1/2, 0, 1), computed in double and rounded once: the pair rounded
// alpha * x + beta, the gate and the product, so the two differ by at most ~2 ulp (docs/OPERATORS.md).
void fuse_silu(Graph& g);

}  // namespace vigil
