#include <cmath>
#include <limits>

#include "kernels/reduce/reduce.h"

namespace vigil::kernels {

namespace {

// Steps `index` to the next combination of the axes selected by `which` (an odometer, last axis fastest).
// Returns false after the last combination, leaving those entries of `index` at 0.
bool advance(const ReduceParams& p, bool which, int64_t* index) {
  for (int a = p.rank - 1; a >= 0; --a) {
    if (p.reduce[a] != which) continue;
    if (++index[a] < p.dims[a]) return true;
    index[a] = 0;
  }
  return false;
}

// The starting value of the accumulator and how one value joins it.
double start(ReduceOp op) {
  switch (op) {
    case ReduceOp::Prod:
      return 1.0;
    case ReduceOp::Max:
      return -std::numeric_limits<double>::infinity();
    case ReduceOp::Min:
      return std::numeric_limits<double>::infinity();
    default:
      return 0.0;
  }
}

double join(ReduceOp op, double acc, double v) {
  switch (op) {
    case ReduceOp::Prod:
      return acc * v;
    // NaN wins (comparisons alone would drop it when it is not the first value).
    case ReduceOp::Max:
      return std::isnan(acc) || std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v > acc ? v : acc;
    case ReduceOp::Min:
      return std::isnan(acc) || std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v < acc ? v : acc;
    case ReduceOp::L1:
      return acc + std::fabs(v);
    case ReduceOp::L2:
    case ReduceOp::SumSquare:
      return acc + v * v;
    default:
      return acc + v;  // Mean, Sum, LogSum
  }
}

}  // namespace

void reduce_reference(const ReduceParams& p, const float* x, float* y) {
  int64_t stride[kReduceMaxRank];
  int64_t reduced_count = 1;
  int64_t s = 1;
  for (int a = p.rank - 1; a >= 0; --a) {
    stride[a] = s;
    s *= p.dims[a];
    if (p.reduce[a]) reduced_count *= p.dims[a];
  }
  auto offset_of = [&](const int64_t* index) {
    int64_t offset = 0;
    for (int a = 0; a < p.rank; ++a) offset += index[a] * stride[a];
    return offset;
  };

  int64_t index[kReduceMaxRank] = {};
  int64_t out = 0;
  do {  // over every combination of the kept axes (once for a full reduction)
    double result = 0.0;
    if (p.op == ReduceOp::LogSumExp) {
      double max = -std::numeric_limits<double>::infinity();
      bool has_nan = false;
      do {
        const double v = x[offset_of(index)];
        has_nan |= std::isnan(v);
        max = std::fmax(max, v);
      } while (advance(p, true, index));
      double sum = 0.0;
      do sum += std::exp(static_cast<double>(x[offset_of(index)]) - max);
      while (advance(p, true, index));
      // An infinite maximum is the answer itself (log of e^inf or of a sum of zeros); NaN propagates.
      result = has_nan ? std::numeric_limits<double>::quiet_NaN() : std::isinf(max) ? max : max + std::log(sum);
    } else {
      double acc = start(p.op);
      do acc = join(p.op, acc, x[offset_of(index)]);
      while (advance(p, true, index));
      switch (p.op) {
        case ReduceOp::Mean:
          result = acc / static_cast<double>(reduced_count);
          break;
        case ReduceOp::L2:
          result = std::sqrt(acc);
          break;
        case ReduceOp::LogSum:
          result = std::log(acc);
          break;
        default:
          result = acc;
      }
    }
    y[out++] = static_cast<float>(result);
  } while (advance(p, false, index));
}

bool reduce_integer_supported(ReduceOp op) {
  return op == ReduceOp::Sum || op == ReduceOp::Prod || op == ReduceOp::Max || op == ReduceOp::Min ||
         op == ReduceOp::L1 || op == ReduceOp::SumSquare;
}

namespace {

// Sums and products in uint64_t wrap around instead of overflowing (undefined for signed types); truncating the
// result to T gives T's two's-complement wrap-around.
template <typename T>
void reduce_integer(const ReduceParams& p, const T* x, T* y) {
  int64_t stride[kReduceMaxRank];
  int64_t s = 1;
  for (int a = p.rank - 1; a >= 0; --a) {
    stride[a] = s;
    s *= p.dims[a];
  }
  int64_t index[kReduceMaxRank] = {};
  int64_t out = 0;
  do {
    uint64_t acc = p.op == ReduceOp::Prod ? 1 : 0;
    T extreme = p.op == ReduceOp::Max ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
    do {
      int64_t offset = 0;
      for (int a = 0; a < p.rank; ++a) offset += index[a] * stride[a];
      const T v = x[offset];
      const auto u = static_cast<uint64_t>(static_cast<int64_t>(v));
      switch (p.op) {
        case ReduceOp::Prod:
          acc *= u;
          break;
        case ReduceOp::Max:
          extreme = v > extreme ? v : extreme;
          break;
        case ReduceOp::Min:
          extreme = v < extreme ? v : extreme;
          break;
        case ReduceOp::L1:
          acc += v < 0 ? uint64_t{0} - u : u;
          break;
        case ReduceOp::SumSquare:
          acc += u * u;
          break;
        default:
          acc += u;
      }
    } while (advance(p, true, index));
    y[out++] = p.op == ReduceOp::Max || p.op == ReduceOp::Min ? extreme : static_cast<T>(acc);
  } while (advance(p, false, index));
}

}  // namespace

void reduce_integer_reference(const ReduceParams& p, bool i32, const void* x, void* y) {
  if (i32)
    reduce_integer(p, static_cast<const int32_t*>(x), static_cast<int32_t*>(y));
  else
    reduce_integer(p, static_cast<const int64_t*>(x), static_cast<int64_t*>(y));
}

}  // namespace vigil::kernels
