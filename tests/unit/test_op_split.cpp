// Split: explicit sizes, equal parts, ONNX-18 num_outputs with a smaller last chunk, random splits against
// an index loop, and the errors.
#include <doctest/doctest.h>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

using V = std::vector<float>;
using I = std::vector<int64_t>;

TEST_CASE("split: hand-computed sizes, equal parts and num_outputs") {
  auto sizes = run_node(OpType::Split, {iota_tensor({6})}, attrs({{"split", I{1, 2, 3}}}), 3);
  CHECK(values_of(sizes.outputs[0]) == V{0});
  CHECK(values_of(sizes.outputs[1]) == V{1, 2});
  CHECK(values_of(sizes.outputs[2]) == V{3, 4, 5});
  CHECK(sizes.run_allocations == 0);

  auto equal = run_node(OpType::Split, {iota_tensor({2, 6})}, attrs({{"axis", int64_t{-1}}}), 3);
  for (int i = 0; i < 3; ++i) CHECK(equal.outputs[static_cast<size_t>(i)].shape() == Shape{2, 2});
  CHECK(values_of(equal.outputs[0]) == V{0, 1, 6, 7});
  CHECK(values_of(equal.outputs[1]) == V{2, 3, 8, 9});
  CHECK(values_of(equal.outputs[2]) == V{4, 5, 10, 11});

  auto uneven = run_node(OpType::Split, {iota_tensor({7, 1})}, attrs({{"num_outputs", int64_t{3}}}), 3);
  CHECK(values_of(uneven.outputs[0]) == V{0, 1, 2});
  CHECK(values_of(uneven.outputs[1]) == V{3, 4, 5});
  CHECK(uneven.outputs[2].shape() == Shape{1, 1});
  CHECK(values_of(uneven.outputs[2]) == V{6});

  auto one = run_node(OpType::Split, {iota_tensor({1, 4, 2})}, attrs({{"axis", int64_t{1}}}), 1);
  CHECK(values_of(one.outputs[0]) == values_of(iota_tensor({1, 4, 2})));
}

TEST_CASE("split: random sizes and axes match an index loop") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> dim_d(1, 5), rank_d(1, 4), count_d(1, 4);
  for (int trial = 0; trial < 60; ++trial) {
    Shape s;
    s.rank = rank_d(rng);
    for (int d = 0; d < s.rank; ++d) s[d] = dim_d(rng);
    const int axis = std::uniform_int_distribution<int>(0, s.rank - 1)(rng);
    std::vector<int64_t> sizes;
    for (int i = 0, n = count_d(rng); i < n; ++i) sizes.push_back(dim_d(rng));
    int64_t total = 0;
    for (int64_t v : sizes) total += v;
    s[axis] = total;
    CAPTURE(trial);
    const Tensor x = random_tensor(s, rng);
    auto r = run_node(OpType::Split, {x}, attrs({{"axis", int64_t{axis}}, {"split", sizes}}),
                      static_cast<int>(sizes.size()));
    int64_t begin = 0;
    int mismatches = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      Shape want = s;
      want[axis] = sizes[k];
      REQUIRE(r.outputs[k].shape() == want);
      for (int64_t i = 0; i < want.numel(); ++i) {
        auto c = unravel(i, want);
        c[static_cast<size_t>(axis)] += begin;
        mismatches += r.outputs[k].f32()[i] != x.f32()[ravel(c, s)];
      }
      begin += sizes[k];
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("split: bad sizes are rejected naming the node") {
  const std::string uneven = load_error(OpType::Split, {{7}}, {}, 3);
  CHECK(uneven.find(kNodeName) != std::string::npos);
  CHECK(uneven.find("does not divide into 3") != std::string::npos);
  CHECK(load_error(OpType::Split, {{6}}, attrs({{"split", I{1, 2}}}), 3).find("2 sizes") != std::string::npos);
  CHECK(load_error(OpType::Split, {{6}}, attrs({{"split", I{1, 2, 2}}}), 3).find("sum to 5") != std::string::npos);
  CHECK(load_error(OpType::Split, {{6}}, attrs({{"split", I{0, 3, 3}}}), 3).find("not positive") != std::string::npos);
  CHECK(load_error(OpType::Split, {{4}}, attrs({{"num_outputs", int64_t{3}}}), 3).find("non-empty") !=
        std::string::npos);  // ceil(4/3) = 2: pieces 2, 2, 0
  CHECK(load_error(OpType::Split, {{6}}, attrs({{"num_outputs", int64_t{2}}}), 3).find("'num_outputs' is 2") !=
        std::string::npos);
  CHECK(load_error(OpType::Split, {{6, 2}}, attrs({{"axis", int64_t{2}}}), 2).find("axis 2 is out of range") !=
        std::string::npos);
}
