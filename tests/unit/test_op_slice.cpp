// Slice: ONNX's clamping rules on hand-computed cases (negative indices, INT64_MAX/INT64_MIN ends,
// negative steps), random slices against a membership test written differently from the kernel, and the
// errors (zero-length results, step 0, inconsistent attributes).
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

std::vector<float> slice_1d(int64_t start, int64_t end, int64_t step, int64_t n = 10) {
  auto r = run_node(OpType::Slice, {iota_tensor({n})},
                    attrs({{"starts", std::vector<int64_t>{start}},
                           {"ends", std::vector<int64_t>{end}},
                           {"steps", std::vector<int64_t>{step}}}));
  CHECK(r.run_allocations == 0);
  return values_of(r.outputs[0]);
}

using V = std::vector<float>;

// The input indices one axis selects, found by testing every index for membership (not by stepping).
std::vector<int64_t> selected(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  std::vector<int64_t> idx;
  if (step > 0) {
    const int64_t lo = std::max<int64_t>(start, 0), hi = std::min(end, dim);  // [lo, hi)
    for (int64_t j = 0; j < dim; ++j)
      if (j >= lo && j < hi && (j - lo) % step == 0) idx.push_back(j);
  } else {
    // The spec clamps a negative-step start into [0, dim-1] (numpy would select nothing for start < 0).
    const int64_t hi = std::max<int64_t>(std::min(start, dim - 1), 0), lo = std::max<int64_t>(end, -1);
    for (int64_t j = dim - 1; j >= 0; --j)
      if (j <= hi && j > lo && (hi - j) % (-step) == 0) idx.push_back(j);
  }
  return idx;
}

}  // namespace

TEST_CASE("slice: hand-computed 1-D cases with ONNX clamping") {
  CHECK(slice_1d(2, 5, 1) == V{2, 3, 4});
  CHECK(slice_1d(1, kMax, 1) == V{1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(slice_1d(-3, -1, 1) == V{7, 8});
  CHECK(slice_1d(-100, 3, 1) == V{0, 1, 2});  // start clamped to 0
  CHECK(slice_1d(0, 100, 4) == V{0, 4, 8});
  CHECK(slice_1d(1, 10, 3) == V{1, 4, 7});
  CHECK(slice_1d(-1, kMin, -1) == V{9, 8, 7, 6, 5, 4, 3, 2, 1, 0});  // full reverse
  CHECK(slice_1d(kMax, kMin, -1) == V{9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  CHECK(slice_1d(8, 2, -2) == V{8, 6, 4});
  CHECK(slice_1d(20, -20, -3) == V{9, 6, 3, 0});  // start clamped to 9, end to -1
  CHECK(slice_1d(-2, -5, -1) == V{8, 7, 6});
  CHECK(slice_1d(5, 0, -1) == V{5, 4, 3, 2, 1});  // end is exclusive
  CHECK(slice_1d(0, kMin, -1) == V{0});
  CHECK(slice_1d(-20, kMin, -1) == V{0});  // the spec's [0, dim-1] start clamp (numpy would give nothing)
  CHECK(slice_1d(9, 8, -5) == V{9});
  CHECK(slice_1d(0, 1, 1, 1) == V{0});  // a length-1 axis
}

TEST_CASE("slice: hand-computed 2-D cases (ONNX examples)") {
  const Tensor x = Tensor::from_f32({2, 4}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
  auto a = run_node(OpType::Slice, {x},
                    attrs({{"starts", std::vector<int64_t>{1, 0}},
                           {"ends", std::vector<int64_t>{2, 3}},
                           {"axes", std::vector<int64_t>{0, 1}},
                           {"steps", std::vector<int64_t>{1, 2}}}));
  CHECK(a.outputs[0].shape() == Shape{1, 2});
  CHECK(values_of(a.outputs[0]) == V{5, 7});

  auto b = run_node(OpType::Slice, {x},
                    attrs({{"starts", std::vector<int64_t>{0, 1}}, {"ends", std::vector<int64_t>{-1, 1000}}}));
  CHECK(b.outputs[0].shape() == Shape{1, 3});
  CHECK(values_of(b.outputs[0]) == V{2, 3, 4});

  // Negative axis, negative step, the other axis untouched.
  auto c = run_node(OpType::Slice, {x},
                    attrs({{"starts", std::vector<int64_t>{-1}},
                           {"ends", std::vector<int64_t>{kMin}},
                           {"axes", std::vector<int64_t>{-1}},
                           {"steps", std::vector<int64_t>{-1}}}));
  CHECK(values_of(c.outputs[0]) == V{4, 3, 2, 1, 8, 7, 6, 5});

  // Axes in any order: the channel split darknet's route groups become.
  const Tensor t = iota_tensor({1, 4, 2, 2});
  auto half = run_node(
      OpType::Slice, {t},
      attrs(
          {{"starts", std::vector<int64_t>{2}}, {"ends", std::vector<int64_t>{4}}, {"axes", std::vector<int64_t>{1}}}));
  CHECK(half.outputs[0].shape() == Shape{1, 2, 2, 2});
  CHECK(values_of(half.outputs[0]) == V{8, 9, 10, 11, 12, 13, 14, 15});
}

TEST_CASE("slice: random slices with negative steps match a membership loop") {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int> dim_d(1, 6), rank_d(1, 4);
  std::uniform_int_distribution<int64_t> idx_d(-8, 8), step_d(-3, 3);
  int ran = 0, rejected = 0;
  for (int trial = 0; trial < 800; ++trial) {
    Shape s;
    s.rank = rank_d(rng);
    for (int d = 0; d < s.rank; ++d) s[d] = dim_d(rng);
    std::vector<int64_t> starts, ends, axes, steps;
    for (int d = 0; d < s.rank; ++d) {
      if (rng() % 3 == 0) continue;  // leave some axes whole
      axes.push_back(rng() % 2 ? d : d - s.rank);
      starts.push_back(rng() % 8 == 0 ? kMax : idx_d(rng));
      ends.push_back(rng() % 8 == 0 ? (rng() % 2 ? kMax : kMin) : idx_d(rng));
      int64_t st = 0;
      while (st == 0) st = step_d(rng);
      steps.push_back(st);
    }
    if (axes.empty()) continue;
    // Reverse the attribute order sometimes: axes need not be sorted.
    if (trial % 2) {
      std::reverse(axes.begin(), axes.end());
      std::reverse(starts.begin(), starts.end());
      std::reverse(ends.begin(), ends.end());
      std::reverse(steps.begin(), steps.end());
    }
    std::vector<std::vector<int64_t>> pick(static_cast<size_t>(s.rank));
    for (int d = 0; d < s.rank; ++d)
      for (int64_t j = 0; j < s[d]; ++j) pick[static_cast<size_t>(d)].push_back(j);
    bool empty = false;
    for (size_t i = 0; i < axes.size(); ++i) {
      const int d = static_cast<int>(axes[i] < 0 ? axes[i] + s.rank : axes[i]);
      pick[static_cast<size_t>(d)] = selected(s[d], starts[i], ends[i], steps[i]);
      empty |= pick[static_cast<size_t>(d)].empty();
    }
    const Attributes a = attrs({{"starts", starts}, {"ends", ends}, {"axes", axes}, {"steps", steps}});
    CAPTURE(trial);
    CAPTURE(s.str());
    if (empty) {
      CHECK(load_error(OpType::Slice, {s}, a).find("selects no elements") != std::string::npos);
      ++rejected;
      continue;
    }
    const Tensor x = iota_tensor(s);
    auto r = run_node(OpType::Slice, {x}, a);
    Shape out;
    out.rank = s.rank;
    for (int d = 0; d < s.rank; ++d) out[d] = static_cast<int64_t>(pick[static_cast<size_t>(d)].size());
    REQUIRE(r.outputs[0].shape() == out);
    int mismatches = 0;
    for (int64_t i = 0; i < out.numel(); ++i) {
      const auto c = unravel(i, out);
      std::vector<int64_t> src(c.size());
      for (size_t d = 0; d < c.size(); ++d) src[d] = pick[d][static_cast<size_t>(c[d])];
      mismatches += r.outputs[0].f32()[i] != static_cast<float>(ravel(src, s));
    }
    CHECK(mismatches == 0);
    ++ran;
  }
  CHECK(ran > 150);  // the random mix really exercises both outcomes
  CHECK(rejected > 30);
}

TEST_CASE("slice: large batched slices split over 2 and 3 threads give the one-thread result") {
  // >= 1 MiB with an outer dim of at least 2: the op splits the outer rows over the threads (after merging
  // whole inner dims into longer rows). Channel halves of a batch, a negative step, a strided inner axis.
  const Tensor x = iota_tensor(Shape{6, 64, 40, 36});
  const std::vector<Attributes> cases = {attrs({{"starts", std::vector<int64_t>{32}},
                                                {"ends", std::vector<int64_t>{64}},
                                                {"axes", std::vector<int64_t>{1}}}),
                                         attrs({{"starts", std::vector<int64_t>{5, -1}},
                                                {"ends", std::vector<int64_t>{kMax, kMin}},
                                                {"axes", std::vector<int64_t>{1, 2}},
                                                {"steps", std::vector<int64_t>{1, -1}}}),
                                         attrs({{"starts", std::vector<int64_t>{1, 0}},
                                                {"ends", std::vector<int64_t>{6, 36}},
                                                {"axes", std::vector<int64_t>{0, 3}},
                                                {"steps", std::vector<int64_t>{1, 2}}})};
  for (const Attributes& a : cases) {
    const auto one = run_node(OpType::Slice, {x}, a);
    for (int threads : {2, 3}) {
      const auto many = run_node(OpType::Slice, {x}, a, 1, threads);
      CHECK(many.outputs[0].shape() == one.outputs[0].shape());
      CHECK(values_of(many.outputs[0]) == values_of(one.outputs[0]));
      CHECK(many.run_allocations == 0);
    }
  }
  // The first case against its definition: out[n, c, h, w] = x[n, 32 + c, h, w].
  const auto half = values_of(run_node(OpType::Slice, {x}, cases[0]).outputs[0]);
  int mismatches = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(half.size()); ++i) {
    const int64_t n = i / (32 * 40 * 36), rest = i % (32 * 40 * 36);
    mismatches += half[static_cast<size_t>(i)] != static_cast<float>(n * 64 * 40 * 36 + 32 * 40 * 36 + rest);
  }
  CHECK(mismatches == 0);
}

TEST_CASE("slice: other element types are copied bytewise") {
  const Tensor x = Tensor::from_i64({5}, std::vector<int64_t>{10, 11, 12, 13, 14});
  auto r = run_node(OpType::Slice, {x},
                    attrs({{"starts", std::vector<int64_t>{-1}},
                           {"ends", std::vector<int64_t>{0}},
                           {"steps", std::vector<int64_t>{-2}}}));
  REQUIRE(r.outputs[0].dtype() == DType::I64);
  CHECK(r.outputs[0].i64()[0] == 14);
  CHECK(r.outputs[0].i64()[1] == 12);
  CHECK(r.outputs[0].numel() == 2);
}

TEST_CASE("slice: bad attributes are rejected naming the node") {
  auto err = [](std::initializer_list<std::pair<const char*, vigil::AttrValue>> list) {
    return load_error(OpType::Slice, {{4, 6}}, attrs(list));
  };
  using I = std::vector<int64_t>;
  const std::string empty = err({{"starts", I{3}}, {"ends", I{3}}});
  CHECK(empty.find(kNodeName) != std::string::npos);
  CHECK(empty.find("selects no elements") != std::string::npos);
  CHECK(err({{"starts", I{0}}, {"ends", I{2}}, {"steps", I{-1}}}).find("selects no elements") != std::string::npos);
  CHECK(err({{"starts", I{0}}, {"ends", I{2}}, {"steps", I{0}}}).find("step for axis 0 is 0") != std::string::npos);
  CHECK(err({{"starts", I{0, 0}}, {"ends", I{2}}}).find("'ends' has 1") != std::string::npos);
  CHECK(err({{"starts", I{0}}, {"ends", I{2}}, {"axes", I{2}}}).find("axis 2 is out of range") != std::string::npos);
  CHECK(err({{"starts", I{0, 0}}, {"ends", I{2, 2}}, {"axes", I{1, -1}}}).find("appears twice") != std::string::npos);
  CHECK(err({{"starts", I{0}}, {"ends", I{2}}, {"steps", I{1, 1}}}).find("'steps' has 2") != std::string::npos);
  CHECK(err({{"ends", I{2}}}).find("required") != std::string::npos);
  CHECK(err({{"starts", I{0}}, {"ends", I{2}}, {"axes", I{1}}}) == "");
}
