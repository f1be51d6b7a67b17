// reduce_rows_fast (kernels/reduce/reduce_rows_fast.h): Mean, Sum, SumSquare, L1 and L2 of contiguous rows, summed in
// double lanes on the vector paths. Against reduce_reference: the Scalar path gives its bits; the vector paths
// may differ by 1 ulp where a result lies right at a float rounding boundary (counted, fewer than 1 in 1000) and
// never by more. Through the engine: random shapes whose reduced axes are the innermost ones (size-1 axes
// anywhere, keepdims 0 and 1) on every kernel path and 1 and 2 threads, and shapes whose reduced axes are not
// innermost (the reference kernel), against reduce_reference on the same input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "h2_op_harness.h"
#include "kernels/reduce/reduce_rows_fast.h"
#include "tests/unit/isa_test_support.h"
#include "tests/unit/ulps_apart.h"

using namespace vigil::kernels;
using vigil::test::ulps_apart;

namespace {

constexpr ReduceOp kRowOps[] = {ReduceOp::Mean, ReduceOp::Sum, ReduceOp::SumSquare, ReduceOp::L1, ReduceOp::L2};

const char* op_label(ReduceOp op) {
  switch (op) {
    case ReduceOp::Mean:
      return "Mean";
    case ReduceOp::Sum:
      return "Sum";
    case ReduceOp::SumSquare:
      return "SumSquare";
    case ReduceOp::L1:
      return "L1";
    case ReduceOp::L2:
      return "L2";
    default:
      return "other";
  }
}

vigil::OpType op_type(ReduceOp op) {
  switch (op) {
    case ReduceOp::Mean:
      return vigil::OpType::ReduceMean;
    case ReduceOp::Sum:
      return vigil::OpType::ReduceSum;
    case ReduceOp::SumSquare:
      return vigil::OpType::ReduceSumSquare;
    case ReduceOp::L1:
      return vigil::OpType::ReduceL1;
    case ReduceOp::L2:
      return vigil::OpType::ReduceL2;
    case ReduceOp::Max:
      return vigil::OpType::ReduceMax;
    default:
      return vigil::OpType::ReduceProd;
  }
}

}  // namespace

TEST_CASE("reduce_rows_fast: every ISA path against reduce_reference on 300 random row shapes") {
  std::mt19937 rng(97);
  std::uniform_int_distribution<int64_t> rows_of(1, 9), len_of(1, 300);
  std::uniform_real_distribution<float> value(-4.0f, 6.0f);
  int64_t differing = 0, compared = 0;
  for (int shape = 0; shape < 300; ++shape) {
    const int64_t rows = rows_of(rng), n = len_of(rng);
    std::vector<float> x(static_cast<size_t>(rows * n));
    for (float& v : x) v = value(rng) + (shape % 4 == 0 ? 1000.0f : 0.0f);
    if (shape % 11 == 0) x[0] = std::numeric_limits<float>::quiet_NaN();
    if (shape % 13 == 0) x.back() = -std::numeric_limits<float>::infinity();
    if (shape % 17 == 0) x[x.size() / 2] = 3e38f;  // a square that overflows float, not double
    ReduceParams p;
    p.rank = 2;
    p.dims[0] = rows;
    p.dims[1] = n;
    p.reduce[1] = true;
    for (ReduceOp op : kRowOps) {
      p.op = op;
      std::vector<float> want(static_cast<size_t>(rows));
      reduce_reference(p, x.data(), want.data());
      for (KernelIsa isa : isa_test::available_isas()) {
        CAPTURE(kernel_isa_name(isa));
        CAPTURE(std::string(op_label(op)));
        CAPTURE(rows);
        CAPTURE(n);
        std::vector<float> got(want.size(), -7.0f);
        const int64_t split = rows / 2;  // two row ranges, as two threads run them
        reduce_rows_fast(isa, op, x.data(), n, got.data(), 0, split);
        reduce_rows_fast(isa, op, x.data(), n, got.data(), split, rows);
        int64_t worst = 0;
        for (size_t r = 0; r < want.size(); ++r) {
          const int64_t d = ulps_apart(got[r], want[r]);
          worst = std::max(worst, d);
          differing += d != 0;
          ++compared;
        }
        CHECK(worst <= (isa == KernelIsa::Scalar ? 0 : 1));
      }
    }
  }
  std::printf("reduce_rows_fast: %lld of %lld outputs 1 ulp from the reference\n", static_cast<long long>(differing),
              static_cast<long long>(compared));
  CHECK(differing * 1000 < compared);
}

TEST_CASE("reduce_columns_fast: every ISA path gives reduce_reference's bits on 300 random slices") {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int64_t> reduced_of(1, 40), inner_of(1, 100);
  std::uniform_real_distribution<float> value(-4.0f, 6.0f);
  for (int shape = 0; shape < 300; ++shape) {
    const int64_t reduced = reduced_of(rng), inner = inner_of(rng);
    std::vector<float> x(static_cast<size_t>(reduced * inner));
    for (float& v : x) v = value(rng) + (shape % 4 == 0 ? 1000.0f : 0.0f);
    if (shape % 11 == 0) x[0] = std::numeric_limits<float>::quiet_NaN();
    if (shape % 13 == 0) x.back() = -std::numeric_limits<float>::infinity();
    if (shape % 17 == 0) x[x.size() / 2] = 3e38f;
    ReduceParams p;
    p.rank = 2;
    p.dims[0] = reduced;
    p.dims[1] = inner;
    p.reduce[0] = true;
    for (ReduceOp op : kRowOps) {
      p.op = op;
      std::vector<float> want(static_cast<size_t>(inner));
      reduce_reference(p, x.data(), want.data());
      for (KernelIsa isa : isa_test::available_isas()) {
        CAPTURE(kernel_isa_name(isa));
        CAPTURE(std::string(op_label(op)));
        CAPTURE(reduced);
        CAPTURE(inner);
        std::vector<float> got(want.size() + 1, -7.0f);  // one more: nothing written past the end
        const int64_t split = inner / 3;                 // two column ranges, the first not a whole vector
        reduce_columns_fast(isa, op, x.data(), reduced, inner, got.data(), 0, split);
        reduce_columns_fast(isa, op, x.data(), reduced, inner, got.data(), split, inner);
        int mismatches = 0;
        for (size_t j = 0; j < want.size(); ++j) mismatches += ulps_apart(got[j], want[j]) != 0;
        CHECK(mismatches == 0);
        CHECK(got.back() == -7.0f);
      }
    }
  }
}

TEST_CASE("reduce_rows_fast: through the engine, innermost and other axes, every path and 1 and 2 threads") {
  std::mt19937 rng(98);
  std::uniform_int_distribution<int> rank_of(1, 5), coin(0, 3);
  std::uniform_int_distribution<int64_t> dim_of(2, 7);
  for (int trial = 0; trial < 60; ++trial) {
    const int rank = rank_of(rng);
    vigil::Shape shape;
    shape.rank = rank;
    for (int d = 0; d < rank; ++d) shape.dims[static_cast<size_t>(d)] = coin(rng) == 0 ? 1 : dim_of(rng);
    if (trial % 10 == 0 && rank >= 2) shape.dims[static_cast<size_t>(rank - 1)] = 3137;  // large: threads split
    if (trial % 10 == 4 && rank >= 3) shape.dims[0] = 1;  // one slice: its columns split over the threads
    // Innermost axes for most trials (from a random first axis to the end), another subset for a few.
    std::vector<int64_t> axes;
    const int first = std::uniform_int_distribution<int>(0, rank - 1)(rng);
    for (int d = first; d < rank; ++d) axes.push_back(trial % 2 ? d - rank : d);
    if (trial % 6 == 5 && rank >= 2) axes = {0};  // the outermost: [1, reduced, inner] columns
    if (trial % 6 == 4 && rank >= 3)
      axes = rank >= 4 ? std::vector<int64_t>{1, rank - 2}
                       : std::vector<int64_t>{1};            // a middle block: [outer, reduced, inner] columns
    if (trial % 12 == 3 && rank >= 3) axes = {0, rank - 1};  // not adjacent unless the middle dims are 1s
    const int64_t keepdims = trial % 3 == 0 ? 0 : 1;
    const vigil::Tensor x = h2test::random_tensor(shape, rng, -3.0f, 5.0f);
    ReduceParams p;
    p.rank = rank;
    for (int d = 0; d < rank; ++d) p.dims[d] = shape[d];
    for (int64_t a : axes) p.reduce[a < 0 ? a + rank : a] = true;
    // Columns (a kept axis of size > 1 after the last reduced one of size > 1) are summed in the reference's order.
    bool columns = false;
    for (int d = 0, seen = 0; d < rank; ++d) {
      if (shape[d] > 1 && p.reduce[d]) seen = 1;
      columns |= seen && shape[d] > 1 && !p.reduce[d];
    }
    for (ReduceOp op :
         {ReduceOp::Mean, ReduceOp::Sum, ReduceOp::SumSquare, ReduceOp::L1, ReduceOp::L2, ReduceOp::Max}) {
      p.op = op;
      vigil::Attributes attrs;
      attrs.set("axes", axes);
      attrs.set("keepdims", keepdims);
      std::vector<float> want(static_cast<size_t>(x.numel()));
      reduce_reference(p, x.f32(), want.data());
      for (vigil::KernelPath path : vigil::supported_kernel_paths())
        for (int threads : {1, 2}) {
          CAPTURE(std::string(op_label(op)));
          CAPTURE(shape.str());
          CAPTURE(axes.size());
          CAPTURE(kernel_path_name(path));
          CAPTURE(threads);
          const auto r = h2test::run_node(op_type(op), {x}, attrs, 1, threads, path);
          CHECK(r.run_allocations == 0);
          const vigil::Tensor& y = r.outputs[0];
          int64_t worst = 0;
          for (int64_t i = 0; i < y.numel(); ++i)
            worst = std::max(worst, ulps_apart(y.f32()[i], want[static_cast<size_t>(i)]));
          CHECK(worst <= (columns ? 0 : 1));
        }
    }
  }
}

TEST_CASE("reduce_columns_fast: large column reductions split over the threads give the reference's bits") {
  std::mt19937 rng(100);
  struct Case {
    vigil::Shape shape;
    std::vector<int64_t> axes;
  };
  const std::vector<Case> cases = {
      {{1, 64, 40, 41}, {1}},  // a mean over NCHW channels: one slice, its 1640 columns split
      {{2, 8, 3137}, {1}},     // a mean over the frames of [N, T, C]: whole slices per thread
      {{8, 3, 1000}, {0}},     // the outermost axis
      {{3, 5, 7, 211}, {1, 2}},
  };
  for (const Case& c : cases) {
    const vigil::Tensor x = h2test::random_tensor(c.shape, rng, -3.0f, 5.0f);
    ReduceParams p;
    p.rank = c.shape.rank;
    for (int d = 0; d < p.rank; ++d) p.dims[d] = c.shape[d];
    for (int64_t a : c.axes) p.reduce[a] = true;
    for (ReduceOp op : kRowOps) {
      p.op = op;
      std::vector<float> want(static_cast<size_t>(x.numel()));
      reduce_reference(p, x.f32(), want.data());
      vigil::Attributes attrs;
      attrs.set("axes", c.axes);
      for (vigil::KernelPath path : vigil::supported_kernel_paths())
        for (int threads : {1, 2}) {
          CAPTURE(std::string(op_label(op)));
          CAPTURE(c.shape.str());
          CAPTURE(kernel_path_name(path));
          CAPTURE(threads);
          const auto r = h2test::run_node(op_type(op), {x}, attrs, 1, threads, path);
          const vigil::Tensor& y = r.outputs[0];
          int mismatches = 0;
          for (int64_t i = 0; i < y.numel(); ++i)
            mismatches += ulps_apart(y.f32()[i], want[static_cast<size_t>(i)]) != 0;
          CHECK(mismatches == 0);
        }
    }
  }
}
