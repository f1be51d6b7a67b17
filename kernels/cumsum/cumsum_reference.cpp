#include <type_traits>

#include "kernels/cumsum/cumsum.h"

namespace vigil::kernels {

void cumsum_reference(const AxisGroups& g, bool exclusive, bool reverse, const float* x, float* y) {
  const int64_t n = g.members();
  for (int64_t base : g.group_offsets) {
    double sum = 0.0;
    for (int64_t step = 0; step < n; ++step) {
      const int64_t at = base + g.member_offsets[static_cast<size_t>(reverse ? n - 1 - step : step)];
      const double v = x[at];  // read before writing: y may alias x
      if (!exclusive) sum += v;
      y[at] = static_cast<float>(sum);
      if (exclusive) sum += v;
    }
  }
}

namespace {

template <typename T>
void cumsum_integer(const AxisGroups& g, bool exclusive, bool reverse, const T* x, T* y) {
  using U = std::make_unsigned_t<T>;  // wraps instead of overflowing
  const int64_t n = g.members();
  for (int64_t base : g.group_offsets) {
    U sum = 0;
    for (int64_t step = 0; step < n; ++step) {
      const int64_t at = base + g.member_offsets[static_cast<size_t>(reverse ? n - 1 - step : step)];
      const auto v = static_cast<U>(x[at]);  // read before writing: y may alias x
      if (!exclusive) sum = static_cast<U>(sum + v);
      y[at] = static_cast<T>(sum);
      if (exclusive) sum = static_cast<U>(sum + v);
    }
  }
}

}  // namespace

void cumsum_integer_reference(const AxisGroups& g, bool exclusive, bool reverse, bool i32, const void* x, void* y) {
  if (i32)
    cumsum_integer(g, exclusive, reverse, static_cast<const int32_t*>(x), static_cast<int32_t*>(y));
  else
    cumsum_integer(g, exclusive, reverse, static_cast<const int64_t*>(x), static_cast<int64_t*>(y));
}

}  // namespace vigil::kernels
