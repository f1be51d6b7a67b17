#include "kernels/reduce_mean/reduce_mean.h"

namespace vigil::kernels {

namespace {

// Steps `index` to the next combination of the axes selected by `which` (an odometer, last axis fastest).
// Returns false after the last combination, leaving those entries of `index` at 0.
bool advance(const ReduceMeanParams& p, bool which, int64_t* index) {
  for (int a = p.rank - 1; a >= 0; --a) {
    if (p.reduce[a] != which) continue;
    if (++index[a] < p.dims[a]) return true;
    index[a] = 0;
  }
  return false;
}

}  // namespace

void reduce_mean_reference(const ReduceMeanParams& p, const float* x, float* y) {
  int64_t stride[kReduceMaxRank];
  int64_t reduced_count = 1;
  int64_t s = 1;
  for (int a = p.rank - 1; a >= 0; --a) {
    stride[a] = s;
    s *= p.dims[a];
    if (p.reduce[a]) reduced_count *= p.dims[a];
  }

  int64_t index[kReduceMaxRank] = {};
  int64_t out = 0;
  do {  // over every combination of the kept axes (once for a full reduction)
    double sum = 0.0;
    do {  // over every combination of the reduced axes
      int64_t offset = 0;
      for (int a = 0; a < p.rank; ++a) offset += index[a] * stride[a];
      sum += x[offset];
    } while (advance(p, true, index));
    y[out++] = static_cast<float>(sum / static_cast<double>(reduced_count));
  } while (advance(p, false, index));
}

}  // namespace vigil::kernels
