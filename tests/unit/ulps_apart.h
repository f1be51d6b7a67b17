// How many representable floats apart two results are, for the tests of kernels that promise "within n ulp
// of the reference": +0 and -0 count as equal (check signs separately where they matter), NaN against NaN
// as equal, NaN against a number as infinitely far.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace vigil::test {

inline int64_t ulps_apart(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : std::numeric_limits<int64_t>::max();
  auto ordered = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? int64_t{std::numeric_limits<int32_t>::min()} - i : int64_t{i};
  };
  const int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

}  // namespace vigil::test
