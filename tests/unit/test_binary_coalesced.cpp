// binary_coalesced: the row layout the optimised binary paths run (fewer, longer rows), checked on its own: which
// dims merge, where merging stops, and that every output element still reads the same a and b elements (an
// odometer over both layouts). The values are checked against a float64 loop in test_op_binary.cpp.
#include <doctest/doctest.h>

#include <vector>

#include "kernels/binary/binary.h"

using namespace vigil::kernels;

namespace {

BinaryParams params(const std::vector<int64_t>& out, const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  BinaryParams p;
  p.rank = static_cast<int>(out.size());
  for (int d = 0; d < p.rank; ++d) p.out_dims[d] = out[static_cast<size_t>(d)];
  broadcast_strides(a, p.rank, p.a_strides);
  broadcast_strides(b, p.rank, p.b_strides);
  return p;
}

// The (a offset, b offset) each output element reads, in output order.
std::vector<std::pair<int64_t, int64_t>> sources(const BinaryParams& p) {
  std::vector<std::pair<int64_t, int64_t>> s;
  int64_t total = 1;
  for (int d = 0; d < p.rank; ++d) total *= p.out_dims[d];
  for (int64_t i = 0; i < total; ++i) {
    int64_t rest = i, oa = 0, ob = 0;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t c = rest % p.out_dims[d];
      rest /= p.out_dims[d];
      oa += c * p.a_strides[d];
      ob += c * p.b_strides[d];
    }
    s.emplace_back(oa, ob);
  }
  return s;
}

std::vector<int64_t> dims_of(const BinaryParams& p) { return {p.out_dims, p.out_dims + p.rank}; }

}  // namespace

TEST_CASE("binary_coalesced merges the dims both inputs walk as one, up to the row limit, same sources") {
  struct Case {
    std::vector<int64_t> out, a, b;
    int64_t max_row;
    std::vector<int64_t> want_dims;
  };
  const std::vector<Case> cases = {
      {{1, 96, 7, 7}, {1, 96, 7, 7}, {96, 1, 1}, 4096, {96, 49}},                // per channel: H and W merge
      {{1, 56, 56, 384}, {1, 56, 56, 384}, {384}, 4096, {56, 56, 384}},          // a suffix operand: nothing merges
      {{1, 56, 56, 96}, {1, 56, 56, 96}, {1, 56, 56, 1}, 4096, {56, 56, 96}},    // a per-row scalar
      {{2, 64, 40, 41}, {2, 64, 40, 41}, {2, 64, 40, 41}, 4096, {2, 64, 1640}},  // stops at the limit
      {{2, 64, 40, 41}, {2, 64, 40, 41}, {2, 64, 40, 41}, 1 << 30, {209920}},
      {{3, 4, 5}, {3, 4, 5}, {1}, 20, {3, 20}},  // exactly the limit
      {{3, 4, 5}, {3, 4, 5}, {1}, 19, {3, 4, 5}},
      {{2, 1, 3, 5, 1, 7}, {2, 1, 3, 5, 1, 7}, {3, 5, 1, 1}, 4096, {2, 3, 5, 7}},  // 1s dropped
      {{2, 1, 3, 5, 1, 7}, {2, 1, 3, 5, 1, 7}, {2, 1, 3, 1, 1, 1}, 4096, {2, 3, 35}},
      {{64, 65, 1}, {64, 65, 1}, {64, 1, 1}, 4096, {64, 65}},
      {{1, 1, 1}, {1, 1, 1}, {1}, 4096, {1}},
      {{2, 3, 5, 7}, {2, 3, 1, 7}, {1, 1, 5, 1}, 4096, {2, 3, 5, 7}},
      {{3, 5, 7}, {3, 5, 1}, {1, 7}, 4096, {3, 5, 7}},  // both broadcast, differently: nothing merges
  };
  for (const Case& c : cases) {
    CAPTURE(c.out.size());
    CAPTURE(c.out[0]);
    const BinaryParams p = params(c.out, c.a, c.b);
    const BinaryParams m = binary_coalesced(p, c.max_row);
    CHECK(dims_of(m) == c.want_dims);
    CHECK(sources(m) == sources(p));
    CHECK(binary_rows_count(m) * m.out_dims[m.rank - 1] == binary_rows_count(p) * p.out_dims[p.rank - 1]);
  }
  // A rank-0 scalar stays one.
  const BinaryParams scalar = params({}, {}, {});
  CHECK(binary_coalesced(scalar, 4096).rank == 0);
}
