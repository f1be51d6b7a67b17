#include <cmath>
#include <limits>

#include "kernels/softmax/softmax.h"

namespace vigil::kernels {

void softmax_reference(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* row = x + o * axis_len * inner + i;
      float* out = y + o * axis_len * inner + i;
      double max = -std::numeric_limits<double>::infinity();
      bool has_nan = false;
      for (int64_t a = 0; a < axis_len; ++a) {
        const double v = row[a * inner];
        has_nan |= std::isnan(v);
        if (v > max) max = v;
      }
      double sum = 0.0;
      for (int64_t a = 0; a < axis_len; ++a) sum += std::exp(static_cast<double>(row[a * inner]) - max);
      for (int64_t a = 0; a < axis_len; ++a) {
        const double e = std::exp(static_cast<double>(row[a * inner]) - max);
        out[a * inner] = has_nan ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(e / sum);
      }
    }
  }
}

void log_softmax_reference(int64_t outer, int64_t axis_len, int64_t inner, const float* x, float* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* row = x + o * axis_len * inner + i;
      float* out = y + o * axis_len * inner + i;
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t a = 0; a < axis_len; ++a) max = std::fmax(max, static_cast<double>(row[a * inner]));
      // NaN needs no special case: a NaN in the row, a +inf maximum (inf - inf) or an all -inf row
      // (-inf + inf) each make the sum NaN, and so every output of the row.
      double sum = 0.0;
      for (int64_t a = 0; a < axis_len; ++a) sum += std::exp(static_cast<double>(row[a * inner]) - max);
      const double log_sum = std::log(sum);
      for (int64_t a = 0; a < axis_len; ++a)
        out[a * inner] = static_cast<float>(static_cast<double>(row[a * inner]) - max - log_sum);
    }
  }
}

}  // namespace vigil::kernels
