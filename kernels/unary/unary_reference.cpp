#include <algorithm>
#include <cmath>

#include "kernels/unary/unary.h"

namespace vigil::kernels {

float unary_apply_reference(const UnaryParams& p, float x) {
  const double v = x, alpha = p.alpha;
  switch (p.op) {
    case UnaryOp::Abs:
      return std::fabs(x);
    case UnaryOp::Neg:
      return -x;
    case UnaryOp::Sqrt:
      return static_cast<float>(std::sqrt(v));
    case UnaryOp::Reciprocal:
      return static_cast<float>(1.0 / v);
    case UnaryOp::Exp:
      return static_cast<float>(std::exp(v));
    case UnaryOp::Log:
      return static_cast<float>(std::log(v));
    case UnaryOp::Erf:
      return static_cast<float>(std::erf(v));
    case UnaryOp::Floor:
      return std::floor(x);
    case UnaryOp::Ceil:
      return std::ceil(x);
    // log1p(e^x) overflows for large x, where it equals x (to double precision from x > 40 on).
    case UnaryOp::Softplus:
      return static_cast<float>(v > 40.0 ? v : std::log1p(std::exp(v)));
    case UnaryOp::Softsign:
      return static_cast<float>(v / (1.0 + std::fabs(v)));
    case UnaryOp::Gelu:
      return static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
    case UnaryOp::GeluTanh:
      return static_cast<float>(
          0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / 3.14159265358979323846) * (v + 0.044715 * v * v * v))));
    // expm1 keeps the relative precision of e^x - 1 for small |x|, where the subtraction would cancel.
    case UnaryOp::Elu:
      return static_cast<float>(v >= 0.0 ? v : alpha * std::expm1(v));
    case UnaryOp::Selu:
      return static_cast<float>(p.gamma * (v > 0.0 ? v : alpha * std::expm1(v)));
    case UnaryOp::Celu:  // written as the two branches so that NaN propagates (max(0, NaN) would not)
      return static_cast<float>(v > 0.0 ? v : std::isnan(v) ? v : std::min(0.0, alpha * std::expm1(v / alpha)));
    case UnaryOp::ThresholdedRelu:
      return v > alpha ? x : 0.0f;
    case UnaryOp::Shrink:
      return static_cast<float>(v < -alpha ? v + p.gamma : v > alpha ? v - p.gamma : 0.0);
    case UnaryOp::Sin:
      return static_cast<float>(std::sin(v));
    case UnaryOp::Cos:
      return static_cast<float>(std::cos(v));
    case UnaryOp::Tan:
      return static_cast<float>(std::tan(v));
    case UnaryOp::Asin:
      return static_cast<float>(std::asin(v));
    case UnaryOp::Acos:
      return static_cast<float>(std::acos(v));
    case UnaryOp::Atan:
      return static_cast<float>(std::atan(v));
    case UnaryOp::Sinh:
      return static_cast<float>(std::sinh(v));
    case UnaryOp::Cosh:
      return static_cast<float>(std::cosh(v));
    case UnaryOp::Asinh:
      return static_cast<float>(std::asinh(v));
    case UnaryOp::Acosh:
      return static_cast<float>(std::acosh(v));
    case UnaryOp::Atanh:
      return static_cast<float>(std::atanh(v));
    case UnaryOp::Round:
      return std::nearbyint(x);  // the default rounding mode: half to even
    case UnaryOp::Sign:
      return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // +-0 and NaN unchanged
  }
  return x;
}

void unary_reference(const UnaryParams& p, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = unary_apply_reference(p, x[i]);
}

}  // namespace vigil::kernels
