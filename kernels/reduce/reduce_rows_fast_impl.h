// reduce_rows_fast written once over an ISA traits struct (kernels/gemm_packed/gemm_packed_*_isa.h). Included only
// by reduce_rows_fast_avx2.cpp and reduce_rows_fast_avx512.cpp; everything here has internal linkage.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/reduce/reduce.h"

namespace vigil::kernels {
namespace {

struct Identity {
  template <class T>
  T operator()(T v) const {
    return v;
  }
};
struct Absolute {
  template <class T>
  T operator()(T v) const {
    return xsimd::abs(v);
  }
  double operator()(double v) const { return std::fabs(v); }
};
struct Square {  // exact in double for a float input (24-bit significands)
  template <class T>
  T operator()(T v) const {
    return v * v;
  }
};

template <class Isa>
struct ReduceRowsVector {
  using F = typename Isa::F;
  using D = typename Isa::D;
  static constexpr int W = Isa::W;

  // The sum of term(x[i]) over n floats, in double: two vectors of partial sums, then the tail left to right.
  template <class Term>
  static double row_sum(const float* x, int64_t n, Term term) {
    const int64_t full = n / W * W;
    D lo(0.0), hi(0.0);
    for (int64_t i = 0; i < full; i += W) {
      const F v = F::load_unaligned(x + i);
      lo += term(Isa::widen_lo(v));
      hi += term(Isa::widen_hi(v));
    }
    double sum = xsimd::hadd(lo + hi);
    for (int64_t i = full; i < n; ++i) sum += term(static_cast<double>(x[i]));
    return sum;
  }

  template <class Term, class Finish>
  static void rows(const float* x, int64_t n, float* y, int64_t row_begin, int64_t row_end, Term term, Finish finish) {
    for (int64_t r = row_begin; r < row_end; ++r) y[r] = static_cast<float>(finish(row_sum(x + r * n, n, term)));
  }

  // Columns [col_begin, col_end) of a [reduced, inner] slice, W columns at a time (a masked tail): each lane sums
  // its column from the first row to the last, the reference's order, so the double sums are the same.
  template <class Term, class Finish>
  static void columns(const float* x, int64_t reduced, int64_t inner, float* y, int64_t col_begin, int64_t col_end,
                      Term term, Finish finish) {
    for (int64_t j = col_begin; j < col_end; j += W) {
      const int count = static_cast<int>(col_end - j < W ? col_end - j : W);
      D lo(0.0), hi(0.0);
      for (int64_t r = 0; r < reduced; ++r) {
        const float* at = x + r * inner + j;
        const F v = count == W ? F::load_unaligned(at) : Isa::load_partial(at, count);
        lo += term(Isa::widen_lo(v));
        hi += term(Isa::widen_hi(v));
      }
      const F out = Isa::narrow(finish(lo), finish(hi));
      if (count == W)
        out.store_unaligned(y + j);
      else
        Isa::store_partial(y + j, out, count);
    }
  }

  static void run_columns(ReduceOp op, const float* x, int64_t reduced, int64_t inner, float* y, int64_t col_begin,
                          int64_t col_end) {
    const D count(static_cast<double>(reduced));
    auto same = [](D s) { return s; };
    switch (op) {
      case ReduceOp::Mean:
        return columns(x, reduced, inner, y, col_begin, col_end, Identity{}, [count](D s) { return s / count; });
      case ReduceOp::Sum:
        return columns(x, reduced, inner, y, col_begin, col_end, Identity{}, same);
      case ReduceOp::SumSquare:
        return columns(x, reduced, inner, y, col_begin, col_end, Square{}, same);
      case ReduceOp::L1:
        return columns(x, reduced, inner, y, col_begin, col_end, Absolute{}, same);
      case ReduceOp::L2:
        return columns(x, reduced, inner, y, col_begin, col_end, Square{}, [](D s) { return xsimd::sqrt(s); });
      default:
        return;  // not supported (reduce_rows_fast_supports): the caller never asks
    }
  }

  static void run(ReduceOp op, const float* x, int64_t n, float* y, int64_t row_begin, int64_t row_end) {
    const double count = static_cast<double>(n);
    switch (op) {
      case ReduceOp::Mean:
        return rows(x, n, y, row_begin, row_end, Identity{}, [count](double s) { return s / count; });
      case ReduceOp::Sum:
        return rows(x, n, y, row_begin, row_end, Identity{}, [](double s) { return s; });
      case ReduceOp::SumSquare:
        return rows(x, n, y, row_begin, row_end, Square{}, [](double s) { return s; });
      case ReduceOp::L1:
        return rows(x, n, y, row_begin, row_end, Absolute{}, [](double s) { return s; });
      case ReduceOp::L2:
        return rows(x, n, y, row_begin, row_end, Square{}, [](double s) { return std::sqrt(s); });
      default:
        return;  // not supported (reduce_rows_fast_supports): the caller never asks
    }
  }
};

}  // namespace
}  // namespace vigil::kernels
