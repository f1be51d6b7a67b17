// Load-time pass: GELU as PyTorch exports nn.GELU before opset 20 (Div by sqrt 2, Erf, Add 1, two Muls: five
// passes over a transformer's widest tensor) becomes one Gelu node, one vectorised pass.
#pragma once

#include "engine/graph.h"

namespace vigil {

// Replaces every chain
//   u = Div(x, r2)  or  Mul(x, h2) / Mul(h2, x)      r2 = float(sqrt 2) = 1.41421354, h2 = float(1/sqrt 2)
//   e = Erf(u)
//   a = Add(e, 1)  or  Add(1, e)
//   then  y = Mul(Mul(x, a), 0.5)  or  y = Mul(Mul(x, 0.5), a)     (each Mul in either operand order)
// where the constants are one-element f32 constants with exactly those values, every node is f32 with no fused
// activation, u, e, a and the inner product have x's shape, are read only by the next node of the chain and are
// not graph outputs, by y = Gelu(x) (approximate = none): one node named after the last Mul, writing its value,
// the vanished values' names appended to "fused_values" (engine/passes/fold_batch_norm.h). Gelu evaluates
// x/2 (1 + erf(x / sqrt 2)) in double and rounds once, where the chain rounded five float steps (and lost the
// relative precision of 1 + erf for x below about -3, where the sum cancels: docs/OPERATORS.md). A chain that
// fails any condition is left as it is. Ends with validate_and_infer(g).
void fuse_gelu(Graph& g);

}  // namespace vigil
