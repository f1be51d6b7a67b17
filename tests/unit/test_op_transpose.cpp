// Transpose: hand-computed cases, random permutations of ranks 1..6 against an index loop, errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

using V = std::vector<float>;
using I = std::vector<int64_t>;

TEST_CASE("transpose: hand-computed, default perm reverses the dims") {
  const Tensor x = Tensor::from_f32({2, 3}, V{1, 2, 3, 4, 5, 6});
  auto r = run_node(OpType::Transpose, {x});
  CHECK(r.outputs[0].shape() == Shape{3, 2});
  CHECK(values_of(r.outputs[0]) == V{1, 4, 2, 5, 3, 6});
  CHECK(r.run_allocations == 0);

  // [N,C,H,W] -> [N,H,W,C] on a 1x2x2x2 iota.
  auto nhwc = run_node(OpType::Transpose, {iota_tensor({1, 2, 2, 2})}, attrs({{"perm", I{0, 2, 3, 1}}}));
  CHECK(nhwc.outputs[0].shape() == Shape{1, 2, 2, 2});
  CHECK(values_of(nhwc.outputs[0]) == V{0, 4, 1, 5, 2, 6, 3, 7});

  auto identity = run_node(OpType::Transpose, {iota_tensor({3, 1, 2})}, attrs({{"perm", I{0, 1, 2}}}));
  CHECK(values_of(identity.outputs[0]) == values_of(iota_tensor({3, 1, 2})));
}

TEST_CASE("transpose: random permutations up to rank 6 match an index loop") {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> dim_d(1, 4);
  for (int trial = 0; trial < 60; ++trial) {
    Shape s;
    s.rank = 1 + trial % 6;
    for (int d = 0; d < s.rank; ++d) s[d] = dim_d(rng);
    I perm(static_cast<size_t>(s.rank));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    CAPTURE(s.str());
    const Tensor x = iota_tensor(s);
    auto r = run_node(OpType::Transpose, {x}, attrs({{"perm", perm}}));
    Shape out;
    out.rank = s.rank;
    for (int d = 0; d < s.rank; ++d) out[d] = s[static_cast<int>(perm[static_cast<size_t>(d)])];
    REQUIRE(r.outputs[0].shape() == out);
    int mismatches = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {  // scatter each input element to where it must land
      const auto c = unravel(i, s);
      std::vector<int64_t> o(c.size());
      for (size_t d = 0; d < o.size(); ++d) o[d] = c[static_cast<size_t>(perm[d])];
      mismatches += r.outputs[0].f32()[ravel(o, out)] != static_cast<float>(i);
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("transpose: a bad perm is rejected naming the node") {
  const std::string e = load_error(OpType::Transpose, {{2, 3, 4}}, attrs({{"perm", I{0, 0, 1}}}));
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("not a permutation") != std::string::npos);
  CHECK(load_error(OpType::Transpose, {{2, 3, 4}}, attrs({{"perm", I{0, 1}}})).find("rank 3") != std::string::npos);
  CHECK(load_error(OpType::Transpose, {{2, 3, 4}}, attrs({{"perm", I{0, 1, 3}}})).find("not a permutation") !=
        std::string::npos);
}
