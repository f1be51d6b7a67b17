// Load-time pass: the LayerNorm that PyTorch exports decomposed (torch < 2 / opsets before 17 have no
// LayerNormalization; ConvNeXt, Swin and ViT exports are full of it) becomes one LayerNorm node. The chain
// reads x nine times where LayerNorm reads it twice, and its Pow and means ran on generic paths.
#pragma once

#include "engine/graph.h"

namespace vigil {

// Replaces every chain
//   m  = ReduceMean(x, axes = [last], keepdims = 1)
//   d  = Sub(x, m)
//   q  = Pow(d, c2)  or  Mul(d, d)             c2 a constant of one element equal to 2
//   v  = ReduceMean(q, axes = [last], keepdims = 1)
//   e  = Add(v, eps)  or  Add(eps, v)          eps a constant of one element, >= 0
//   s  = Sqrt(e)
//   n  = Div(d, s)
//  [g  = Mul(n, gamma) or Mul(gamma, n)]       gamma, beta constants of one element or of shape [..., C]
//  [y  = Add(g, beta) or Add(beta, g)]         (leading 1s aside: C the last dim of x) that keep n's shape
// where every node is f32, has no fused activation, and every intermediate (m, d, q, v, e, s, and n / g when a
// Mul / Add follows) is read by nothing but the next nodes of the chain and is not a graph output, by
//   y = LayerNorm(x, gamma or [1] = 1, beta or absent; axis = -1, epsilon = eps)
// at the last node's place, writing its output value (the name stays); the names of the values that disappeared
// are appended to "fused_values" (engine/passes/fold_batch_norm.h). The trailing Mul and Add are optional (an
// Add without the Mul takes gamma = 1). A chain that fails any condition is left as it is. LayerNorm computes the
// formula in double and rounds once, where the chain rounded each of its nine steps to float (docs/OPERATORS.md).
// Ends with validate_and_infer(g).
void fuse_layer_norm(Graph& g);

}  // namespace vigil
