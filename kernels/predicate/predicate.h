// Elementwise ops with a Bool result (one byte, 0 or 1):
//  - binary, with numpy broadcasting of both inputs: the comparisons Equal, Less, Greater, LessOrEqual,
//    GreaterOrEqual of two inputs of one element type (F32 compares as IEEE floats: NaN is unequal to
//    everything and neither less nor greater, -0 == 0; integers compare exactly), and the connectives And,
//    Or, Xor of two Bool inputs (any non-zero byte is true);
//  - unary: Not (Bool), IsNaN and IsInf (F32; IsInf may look for +inf only, -inf only, both or neither).
// Every function takes a range of output elements, so callers can split a tensor between threads.
#pragma once

#include <cstdint>

#include "kernels/elem_type.h"

namespace vigil::kernels {

inline constexpr int kPredicateMaxRank = 6;

enum class PredicateOp : uint8_t { Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And, Or, Xor };

struct PredicateParams {
  PredicateOp op = PredicateOp::Equal;
  ElemType type = ElemType::F32;              // of both inputs (Bool for And, Or, Xor)
  int rank = 0;                               // output rank; 0 = a scalar
  int64_t out_dims[kPredicateMaxRank] = {};   // output shape
  int64_t a_strides[kPredicateMaxRank] = {};  // element strides per output dim, 0 where broadcast
  int64_t b_strides[kPredicateMaxRank] = {};  // (kernels/binary's broadcast_strides computes them)
};

// out[i] = a[ia(i)] op b[ib(i)] for output elements i in [begin, end) (row-major over out_dims).
void predicate_reference(const PredicateParams& p, const void* a, const void* b, uint8_t* out, int64_t begin,
                         int64_t end);

enum class UnaryPredicateOp : uint8_t { Not, IsNaN, IsInf };

struct UnaryPredicateParams {
  UnaryPredicateOp op = UnaryPredicateOp::Not;
  bool detect_positive = true;  // IsInf: +inf counts
  bool detect_negative = true;  // IsInf: -inf counts
};

// y[i] = op(x[i]) for i in [begin, end); x is Bool for Not, F32 for IsNaN and IsInf.
void unary_predicate_reference(const UnaryPredicateParams& p, const void* x, uint8_t* y, int64_t begin, int64_t end);

}  // namespace vigil::kernels
