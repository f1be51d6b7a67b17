#include "kernels/arg_reduce/arg_reduce.h"

namespace vigil::kernels {

namespace {

template <class T>
void arg_lines(const ArgReduceParams& p, const T* x, int64_t* y, int64_t outer_begin, int64_t outer_end) {
  for (int64_t o = outer_begin; o < outer_end; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const T* line = x + o * p.axis_len * p.inner + i;
      int64_t best = 0;
      T best_value = line[0];
      for (int64_t k = 1; k < p.axis_len; ++k) {
        const T v = line[k * p.inner];
        const bool better = p.max ? (p.select_last_index ? v >= best_value : v > best_value)
                                  : (p.select_last_index ? v <= best_value : v < best_value);
        if (better) {
          best = k;
          best_value = v;
        }
      }
      y[o * p.inner + i] = best;
    }
  }
}

}  // namespace

void arg_reduce_reference(const ArgReduceParams& p, const void* x, int64_t* y, int64_t outer_begin, int64_t outer_end) {
  switch (p.type) {
    case ElemType::F32:
      return arg_lines(p, static_cast<const float*>(x), y, outer_begin, outer_end);
    case ElemType::I64:
      return arg_lines(p, static_cast<const int64_t*>(x), y, outer_begin, outer_end);
    case ElemType::I32:
      return arg_lines(p, static_cast<const int32_t*>(x), y, outer_begin, outer_end);
    case ElemType::I8:
      return arg_lines(p, static_cast<const int8_t*>(x), y, outer_begin, outer_end);
    case ElemType::U8:
    case ElemType::Bool:  // not bound for Bool; bytes order as u8
      return arg_lines(p, static_cast<const uint8_t*>(x), y, outer_begin, outer_end);
    case ElemType::F16:  // storage types: never bound (the op takes f32, integers and bool)
    case ElemType::BF16:
    case ElemType::F64:
      return;
  }
}

}  // namespace vigil::kernels
