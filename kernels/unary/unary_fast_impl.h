// unary_fast's loop written once over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included
// only by unary_fast_avx2.cpp and unary_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/unary/unary.h"

namespace vigil::kernels {
namespace {

template <class Isa>
struct UnaryVector {
  using F = typename Isa::F;
  using D = typename Isa::D;

  // One vector loop per op (the op is switched on once per call, not per vector); the tail goes through
  // masked loads and stores.
  template <class Fn>
  static void loop(const float* x, float* y, int64_t n, Fn fn) {
    constexpr int W = Isa::W;
    int64_t i = 0;
    for (; i + W <= n; i += W) fn(F::load_unaligned(x + i)).store_unaligned(y + i);
    if (i < n) {
      const int rest = static_cast<int>(n - i);
      Isa::store_partial(y + i, fn(Isa::load_partial(x + i, rest)), rest);
    }
  }
  // fn on double lanes, rounded once to float.
  template <class Fn>
  static void loop_in_double(const float* x, float* y, int64_t n, Fn fn) {
    loop(x, y, n, [&](F v) { return Isa::narrow(fn(Isa::widen_lo(v)), fn(Isa::widen_hi(v))); });
  }

  // The double expressions are the reference's (unary_reference.cpp): the same operations in the same order.
  static void run(const UnaryParams& p, const float* x, float* y, int64_t n) {
    const D alpha(static_cast<double>(p.alpha)), gamma(static_cast<double>(p.gamma)), zero(0.0);
    switch (p.op) {
      case UnaryOp::Abs:
        return loop(x, y, n, [](F v) { return xsimd::abs(v); });
      case UnaryOp::Neg:
        // The sign bit flipped: xsimd's AVX-512 negation is 0 - v, which makes -(+0) = +0.
        return loop(x, y, n, [](F v) { return xsimd::bitwise_xor(v, F(-0.0f)); });
      case UnaryOp::Floor:
        return loop(x, y, n, [](F v) { return xsimd::floor(v); });
      case UnaryOp::Ceil:
        return loop(x, y, n, [](F v) { return xsimd::ceil(v); });
      case UnaryOp::Sqrt:
        return loop_in_double(x, y, n, [](D v) { return xsimd::sqrt(v); });
      case UnaryOp::Reciprocal:
        return loop_in_double(x, y, n, [](D v) { return D(1.0) / v; });
      case UnaryOp::Exp:
        return loop_in_double(x, y, n, [](D v) { return xsimd::exp(v); });
      case UnaryOp::Log:
        return loop_in_double(x, y, n, [](D v) { return xsimd::log(v); });
      case UnaryOp::Erf:
        return loop_in_double(x, y, n, [](D v) { return xsimd::erf(v); });
      case UnaryOp::Softplus:
        return loop_in_double(x, y, n, [](D v) { return xsimd::select(v > D(40.0), v, xsimd::log1p(xsimd::exp(v))); });
      case UnaryOp::Softsign:
        return loop_in_double(x, y, n, [](D v) { return v / (D(1.0) + xsimd::abs(v)); });
      case UnaryOp::Gelu: {
        const D sqrt2(std::sqrt(2.0));
        return loop_in_double(x, y, n, [&](D v) { return D(0.5) * v * (D(1.0) + xsimd::erf(v / sqrt2)); });
      }
      case UnaryOp::GeluTanh: {
        const D c(std::sqrt(2.0 / 3.14159265358979323846));
        return loop_in_double(
            x, y, n, [&](D v) { return D(0.5) * v * (D(1.0) + xsimd::tanh(c * (v + D(0.044715) * v * v * v))); });
      }
      // The exponential-linear family: expm1 keeps e^x - 1 precise near 0, as in the reference.
      case UnaryOp::Elu:
        return loop_in_double(x, y, n, [&](D v) { return xsimd::select(v >= zero, v, alpha * xsimd::expm1(v)); });
      case UnaryOp::Selu:
        return loop_in_double(x, y, n,
                              [&](D v) { return gamma * xsimd::select(v > zero, v, alpha * xsimd::expm1(v)); });
      case UnaryOp::Celu:  // v > 0 ? v : NaN stays NaN : std::min(0, alpha (e^(v/alpha) - 1)), whose tie gives +0
        return loop_in_double(x, y, n, [&](D v) {
          const D t = alpha * xsimd::expm1(v / alpha);
          return xsimd::select(v > zero || xsimd::isnan(v), v, xsimd::select(t < zero, t, zero));
        });
      case UnaryOp::Sin:
        return loop_in_double(x, y, n, [](D v) { return xsimd::sin(v); });
      case UnaryOp::Cos:
        return loop_in_double(x, y, n, [](D v) { return xsimd::cos(v); });
      case UnaryOp::Tan:
        return loop_in_double(x, y, n, [](D v) { return xsimd::tan(v); });
      case UnaryOp::Asin:
        return loop_in_double(x, y, n, [](D v) { return xsimd::asin(v); });
      case UnaryOp::Acos:
        return loop_in_double(x, y, n, [](D v) { return xsimd::acos(v); });
      case UnaryOp::Atan:
        return loop_in_double(x, y, n, [](D v) { return xsimd::atan(v); });
      case UnaryOp::Sinh:
        return loop_in_double(x, y, n, [](D v) { return xsimd::sinh(v); });
      case UnaryOp::Cosh:
        return loop_in_double(x, y, n, [](D v) { return xsimd::cosh(v); });
      case UnaryOp::Asinh:
        return loop_in_double(x, y, n, [](D v) { return xsimd::asinh(v); });
      case UnaryOp::Acosh:  // below 1 (outside acosh's domain) xsimd returns numbers, libm NaN
        return loop_in_double(x, y, n, [](D v) {
          return xsimd::select(v < D(1.0), D(std::numeric_limits<double>::quiet_NaN()), xsimd::acosh(v));
        });
      case UnaryOp::Atanh:
        return loop_in_double(x, y, n, [](D v) { return xsimd::atanh(v); });
      case UnaryOp::Round:
        return loop(x, y, n, [](F v) { return xsimd::nearbyint(v); });
      case UnaryOp::Sign:
        return loop(x, y, n,
                    [](F v) { return xsimd::select(v > F(0.0f), F(1.0f), xsimd::select(v < F(0.0f), F(-1.0f), v)); });
      case UnaryOp::ThresholdedRelu: {  // a float compare: alpha and x are both exact in double
        const F a(p.alpha);
        return loop(x, y, n, [&](F v) { return xsimd::select(v > a, v, F(0.0f)); });
      }
      case UnaryOp::Shrink: {  // one float addition each: the double result rounded once
        const F lambd(p.alpha), bias(p.gamma);
        return loop(x, y, n, [&](F v) {
          return xsimd::select(v < -lambd, v + bias, xsimd::select(v > lambd, v - bias, F(0.0f)));
        });
      }
    }
    unary_reference(p, x, y, n);
  }
};

}  // namespace
}  // namespace vigil::kernels
