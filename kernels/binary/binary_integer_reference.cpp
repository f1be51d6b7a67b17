#include <limits>
#include <type_traits>

#include "kernels/binary/binary.h"
#include "kernels/broadcast_odometer.h"

namespace vigil::kernels {

namespace {

template <typename T>
T apply(BinaryOp op, T a, T b) {
  using U = std::make_unsigned_t<T>;  // wrap-around arithmetic without signed overflow
  switch (op) {
    case BinaryOp::Add:
      return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
    case BinaryOp::Sub:
      return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
    case BinaryOp::Mul:
      return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
    case BinaryOp::Div:
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return static_cast<T>(static_cast<U>(U(0) - static_cast<U>(a)));  // min / -1 wraps
      return static_cast<T>(a / b);
    case BinaryOp::Max:
      return a > b ? a : b;
    case BinaryOp::Min:
      return a < b ? a : b;
    default:
      return 0;  // not an integer op (binary_integer_supported)
  }
}

template <typename T>
void binary_typed(const BinaryParams& p, const T* a, const T* b, T* y) {
  int64_t n = 1;
  for (int d = 0; d < p.rank; ++d) n *= p.out_dims[d];
  BroadcastOdometer<2, kBinaryMaxRank> at(p.rank, p.out_dims, {p.a_strides, p.b_strides}, 0);
  for (int64_t i = 0; i < n; ++i, at.advance()) y[i] = apply(p.op, a[at.offset(0)], b[at.offset(1)]);
}

}  // namespace

bool binary_integer_supported(BinaryOp op) {
  return op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Div ||
         op == BinaryOp::Max || op == BinaryOp::Min;
}

void binary_integer_reference(const BinaryParams& p, ElemType type, const void* a, const void* b, void* y) {
  switch (type) {
    case ElemType::I64:
      return binary_typed(p, static_cast<const int64_t*>(a), static_cast<const int64_t*>(b), static_cast<int64_t*>(y));
    case ElemType::I32:
      return binary_typed(p, static_cast<const int32_t*>(a), static_cast<const int32_t*>(b), static_cast<int32_t*>(y));
    case ElemType::I8:
      return binary_typed(p, static_cast<const int8_t*>(a), static_cast<const int8_t*>(b), static_cast<int8_t*>(y));
    case ElemType::U8:
      return binary_typed(p, static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), static_cast<uint8_t*>(y));
    default:
      return;  // not an integer type: the engine never binds one
  }
}

}  // namespace vigil::kernels
