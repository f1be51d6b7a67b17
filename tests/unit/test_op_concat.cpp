// Concat: hand-computed joins, random shapes and axes against an index loop, and the errors.
#include <doctest/doctest.h>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

TEST_CASE("concat: hand-computed, channel axis and negative axis") {
  const Tensor a = Tensor::from_f32({1, 2, 2}, std::vector<float>{1, 2, 3, 4});
  const Tensor b = Tensor::from_f32({1, 1, 2}, std::vector<float>{5, 6});
  auto r = run_node(OpType::Concat, {a, b}, attrs({{"axis", int64_t{1}}}));
  CHECK(r.outputs[0].shape() == Shape{1, 3, 2});
  CHECK(values_of(r.outputs[0]) == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(r.run_allocations == 0);

  const Tensor c = Tensor::from_f32({1, 2, 1}, std::vector<float>{7, 8});
  auto last = run_node(OpType::Concat, {a, c}, attrs({{"axis", int64_t{-1}}}));
  CHECK(last.outputs[0].shape() == Shape{1, 2, 3});
  CHECK(values_of(last.outputs[0]) == std::vector<float>{1, 2, 7, 3, 4, 8});

  auto single = run_node(OpType::Concat, {a}, attrs({{"axis", int64_t{0}}}));
  CHECK(values_of(single.outputs[0]) == values_of(a));
}

TEST_CASE("concat: random shapes, axes and input counts match an index loop") {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> dim(1, 5), rank_d(1, 5), count_d(1, 5);
  for (int trial = 0; trial < 60; ++trial) {
    const int rank = rank_d(rng);
    Shape base;
    base.rank = rank;
    for (int d = 0; d < rank; ++d) base[d] = dim(rng);
    const int axis = std::uniform_int_distribution<int>(0, rank - 1)(rng);
    const int axis_attr = trial % 2 ? axis - rank : axis;  // exercise negative axes too
    std::vector<Tensor> inputs;
    std::vector<int64_t> begin;  // where each input starts along the axis
    int64_t total = 0;
    for (int i = 0, n = count_d(rng); i < n; ++i) {
      Shape s = base;
      s[axis] = dim(rng);
      begin.push_back(total);
      total += s[axis];
      inputs.push_back(random_tensor(s, rng));
    }
    CAPTURE(trial);
    auto r = run_node(OpType::Concat, inputs, attrs({{"axis", int64_t{axis_attr}}}));
    Shape out = base;
    out[axis] = total;
    REQUIRE(r.outputs[0].shape() == out);
    int mismatches = 0;
    for (int64_t i = 0; i < out.numel(); ++i) {
      auto c = unravel(i, out);
      size_t k = 0;  // which input holds this coordinate along the axis
      while (k + 1 < inputs.size() && c[static_cast<size_t>(axis)] >= begin[k + 1]) ++k;
      c[static_cast<size_t>(axis)] -= begin[k];
      mismatches += r.outputs[0].f32()[i] != inputs[k].f32()[ravel(c, inputs[k].shape())];
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("concat: large batched copies split over 2 and 3 threads give the one-thread result") {
  // >= 1 MiB with an outer dim (the batch) of at least 2: the op splits the outer rows over the threads.
  std::mt19937 rng(5);
  for (const Shape& first : {Shape{5, 48, 32, 32}, Shape{3, 7, 200, 130}}) {
    Shape second = first;
    second[1] = first[1] / 2 + 1;
    const Tensor a = random_tensor(first, rng), b = random_tensor(second, rng);
    const auto one = run_node(OpType::Concat, {a, b}, attrs({{"axis", int64_t{1}}}));
    for (int threads : {2, 3}) {
      const auto many = run_node(OpType::Concat, {a, b}, attrs({{"axis", int64_t{1}}}), 1, threads);
      CHECK(values_of(many.outputs[0]) == values_of(one.outputs[0]));
      CHECK(many.run_allocations == 0);
    }
    // and the one-thread result is the two inputs side by side per image
    const auto out = values_of(one.outputs[0]);
    const int64_t ca = a.shape().numel(1, 4), cb = b.shape().numel(1, 4);
    const auto va = values_of(a), vb = values_of(b);
    int mismatches = 0;
    for (int64_t n = 0; n < first[0]; ++n) {
      for (int64_t i = 0; i < ca; ++i) mismatches += out[n * (ca + cb) + i] != va[n * ca + i];
      for (int64_t i = 0; i < cb; ++i) mismatches += out[n * (ca + cb) + ca + i] != vb[n * cb + i];
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("concat: mismatched shapes and bad axes are rejected naming the node") {
  const std::string e = load_error(OpType::Concat, {{1, 2, 4}, {1, 3, 5}}, attrs({{"axis", int64_t{1}}}));
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("[1,3,5]") != std::string::npos);
  CHECK(e.find("[1,2,4]") != std::string::npos);

  const std::string rank = load_error(OpType::Concat, {{1, 2, 4}, {2, 4}}, attrs({{"axis", int64_t{0}}}));
  CHECK(rank.find(kNodeName) != std::string::npos);

  const std::string axis = load_error(OpType::Concat, {{1, 2}, {1, 2}}, attrs({{"axis", int64_t{2}}}));
  CHECK(axis.find(kNodeName) != std::string::npos);
  CHECK(axis.find("axis 2") != std::string::npos);
  CHECK(load_error(OpType::Concat, {{1, 2}, {1, 2}}, attrs({{"axis", int64_t{-3}}})).find(kNodeName) !=
        std::string::npos);

  const std::string missing = load_error(OpType::Concat, {{1, 2}, {1, 2}});
  CHECK(missing.find("'axis' is required") != std::string::npos);
  CHECK(load_error(OpType::Concat, {{1, 2}, {1, 2}}, attrs({{"axis", int64_t{-2}}})) == "");
}
