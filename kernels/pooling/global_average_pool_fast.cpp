// global_average_pool_fast (kernels/pooling/pooling.h): the plane's double sum kept in 8 interleaved partial
// sums, so the adds of one step are independent (the reference's single running sum is one long dependency
// chain: ~4 cycles per element) and the compiler can put them in vectors. The order is fixed by this code,
// not by the instruction set: one build serves every path, with the same bits.
#include "kernels/pooling/pooling.h"

namespace vigil::kernels {

void global_average_pool_fast(int64_t plane_size, const float* x, float* y, int64_t plane_begin, int64_t plane_end) {
  constexpr int kLanes = 8;
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    const float* v = x + plane * plane_size;
    double part[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= plane_size; i += kLanes)
      for (int k = 0; k < kLanes; ++k) part[k] += static_cast<double>(v[i + k]);
    double sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    for (; i < plane_size; ++i) sum += static_cast<double>(v[i]);
    y[plane] = static_cast<float>(sum / static_cast<double>(plane_size));
  }
}

}  // namespace vigil::kernels
