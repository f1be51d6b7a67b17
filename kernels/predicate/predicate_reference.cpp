#include <cmath>

#include "kernels/broadcast_odometer.h"
#include "kernels/predicate/predicate.h"

namespace vigil::kernels {

namespace {

template <class T>
bool apply(PredicateOp op, T a, T b) {
  switch (op) {
    case PredicateOp::Equal:
      return a == b;
    case PredicateOp::Less:
      return a < b;
    case PredicateOp::Greater:
      return a > b;
    case PredicateOp::LessOrEqual:
      return a <= b;
    case PredicateOp::GreaterOrEqual:
      return a >= b;
    case PredicateOp::And:
      return (a != 0) && (b != 0);
    case PredicateOp::Or:
      return (a != 0) || (b != 0);
    case PredicateOp::Xor:
      return (a != 0) != (b != 0);
  }
  return false;
}

// Truth values of Bool bytes (any non-zero byte is true), so that Equal compares truths, not bytes.
struct Truth {
  uint8_t operator()(uint8_t v) const { return v != 0 ? 1 : 0; }
};
struct Same {
  template <class T>
  T operator()(T v) const {
    return v;
  }
};

template <class T, class Load>
void walk(const PredicateParams& p, const void* a_data, const void* b_data, uint8_t* out, int64_t begin, int64_t end,
          Load load) {
  const T* a = static_cast<const T*>(a_data);
  const T* b = static_cast<const T*>(b_data);
  BroadcastOdometer<2, kPredicateMaxRank> at(p.rank, p.out_dims, {p.a_strides, p.b_strides}, begin);
  for (int64_t i = begin; i < end; ++i, at.advance())
    out[i] = apply(p.op, load(a[at.offset(0)]), load(b[at.offset(1)])) ? 1 : 0;
}

}  // namespace

void predicate_reference(const PredicateParams& p, const void* a, const void* b, uint8_t* out, int64_t begin,
                         int64_t end) {
  switch (p.type) {
    case ElemType::F32:
      return walk<float>(p, a, b, out, begin, end, Same{});
    case ElemType::I64:
      return walk<int64_t>(p, a, b, out, begin, end, Same{});
    case ElemType::I32:
      return walk<int32_t>(p, a, b, out, begin, end, Same{});
    case ElemType::I8:
      return walk<int8_t>(p, a, b, out, begin, end, Same{});
    case ElemType::U8:
      return walk<uint8_t>(p, a, b, out, begin, end, Same{});
    case ElemType::Bool:
      return walk<uint8_t>(p, a, b, out, begin, end, Truth{});
    case ElemType::F16:  // storage types: never bound (the op takes f32, integers and bool)
    case ElemType::BF16:
    case ElemType::F64:
      return;
  }
}

void unary_predicate_reference(const UnaryPredicateParams& p, const void* x, uint8_t* y, int64_t begin, int64_t end) {
  const auto* bytes = static_cast<const uint8_t*>(x);
  const auto* floats = static_cast<const float*>(x);
  for (int64_t i = begin; i < end; ++i) {
    switch (p.op) {
      case UnaryPredicateOp::Not:
        y[i] = bytes[i] == 0 ? 1 : 0;
        break;
      case UnaryPredicateOp::IsNaN:
        y[i] = std::isnan(floats[i]) ? 1 : 0;
        break;
      case UnaryPredicateOp::IsInf:
        y[i] = std::isinf(floats[i]) && (floats[i] > 0 ? p.detect_positive : p.detect_negative) ? 1 : 0;
        break;
    }
  }
}

}  // namespace vigil::kernels
