// Elementwise math functions of one input: the vocabulary exporters use outside the fused activations (GELU,
// normalisations' Sqrt and Reciprocal, Exp/Log in score heads, Abs/Neg/Floor/Ceil in arithmetic).
#pragma once

#include <cstdint>

namespace vigil::kernels {

// Softplus = log(1 + e^x), Softsign = x / (1 + |x|), Gelu = x/2 (1 + erf(x / sqrt 2)), GeluTanh = x/2 (1 +
// tanh(sqrt(2/pi) (x + 0.044715 x^3))) (ONNX Gelu's approximate = "tanh").
// The exponential-linear family, with UnaryParams' alpha and gamma (ONNX's definitions):
//   Elu             x >= 0 ? x : alpha (e^x - 1)
//   Selu            x > 0 ? gamma x : gamma alpha (e^x - 1)
//   Celu            max(0, x) + min(0, alpha (e^(x/alpha) - 1))   (alpha != 0)
//   ThresholdedRelu x > alpha ? x : 0
// Shrink (ONNX's, alpha = lambd, gamma = bias): x < -alpha ? x + gamma : x > alpha ? x - gamma : 0; NaN gives 0
// (both comparisons are false), as onnxruntime.
// NaN propagates through all but ThresholdedRelu, whose comparison is false for NaN (0, as onnxruntime).
// The trigonometric and hyperbolic functions and their inverses are the C library's, in double (outside their
// domains, e.g. asin(2), acosh(0.5), atanh(2), NaN). Round rounds half to even (ONNX); Sign is -1, 0 or 1,
// keeps the sign of a zero and passes NaN through (as numpy).
enum class UnaryOp : uint8_t {
  Abs,
  Neg,
  Sqrt,
  Reciprocal,
  Exp,
  Log,
  Erf,
  Floor,
  Ceil,
  Softplus,
  Softsign,
  Gelu,
  GeluTanh,
  Elu,
  Selu,
  Celu,
  ThresholdedRelu,
  Sin,
  Cos,
  Tan,
  Asin,
  Acos,
  Atan,
  Sinh,
  Cosh,
  Asinh,
  Acosh,
  Atanh,
  Round,
  Sign,
  Shrink
};

struct UnaryParams {
  UnaryOp op = UnaryOp::Abs;
  float alpha = 0.0f;  // Elu, Selu, Celu, ThresholdedRelu; Shrink's lambd
  float gamma = 0.0f;  // Selu; Shrink's bias
};

// One element, evaluated in double and rounded once to float (IEEE: sqrt(-1), log(-1) are NaN, log(0) is
// -inf, 1/0 is inf; NaN propagates).
float unary_apply_reference(const UnaryParams& p, float x);

// y[i] = op(x[i]) for i < n; y may alias x.
void unary_reference(const UnaryParams& p, const float* x, float* y, int64_t n);

}  // namespace vigil::kernels
