// ReverseSequence through the engine: the spec's two examples by hand, 120 random shapes (time- and batch-major,
// odd sizes, lengths 0..time, i64 and f32 data) against a loop from the definition (output step t of entry b reads
// step lens[b] - 1 - t when t < lens[b], else step t), run-time lengths out of range clamped (never out of
// bounds), the errors (naming the node) and the ONNX mapping.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "graph_query_support.h"
#include "h2_op_harness.h"
#include "index_op_support.h"
#include "onnx_import_support.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::test;

namespace {

using V = std::vector<float>;
using Ints = std::vector<int64_t>;

Tensor reverse(const Tensor& x, const Ints& lens, int64_t time_axis, int64_t batch_axis, bool runtime_lens = false,
               KernelPath path = KernelPath::Reference) {
  return run_one(OpType::ReverseSequence, {x, i64s({int64_t(lens.size())}, lens)},
                 h2test::attrs({{"time_axis", time_axis}, {"batch_axis", batch_axis}}), path, {true, runtime_lens});
}

}  // namespace

TEST_CASE("ReverseSequence: the spec's examples, every path, run-time lengths") {
  // The spec's inputs: example 1 holds t + 4 * b at [t, b] (time_axis 0), example 2 4 * b + t at [b, t].
  V by_column(16), by_row(16);
  for (size_t i = 0; i < 16; ++i) by_column[i] = float(i / 4 + 4 * (i % 4)), by_row[i] = float(i);
  const Tensor t1 = Tensor::from_f32({4, 4}, by_column), t = Tensor::from_f32({4, 4}, by_row);
  for (KernelPath path : supported_kernel_paths()) {
    CAPTURE(kernel_path_name(path));
    for (bool runtime : {false, true}) {
      CHECK(values_as<float>(reverse(t1, {4, 3, 2, 1}, 0, 1, runtime, path)) ==
            V{3, 6, 9, 12, 2, 5, 8, 13, 1, 4, 10, 14, 0, 7, 11, 15});
      CHECK(values_as<float>(reverse(t, {1, 2, 3, 4}, 1, 0, runtime, path)) ==
            V{0, 1, 2, 3, 5, 4, 6, 7, 10, 9, 8, 11, 15, 14, 13, 12});
    }
  }
  // Run-time lengths outside [0, time] are clamped: -3 reverses nothing, 99 the whole sequence.
  CHECK(values_as<float>(reverse(t, {-3, 99, 0, 4}, 1, 0, true)) ==
        V{0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11, 15, 14, 13, 12});
}

TEST_CASE("ReverseSequence matches the definition on 120 random shapes") {
  std::mt19937 rng(23);
  for (int index = 0; index < 120; ++index) {
    Shape s;
    s.rank = int(rng() % 3) + 2;
    for (int d = 0; d < s.rank; ++d) s[d] = int64_t(rng() % 6) + 1;
    const bool time_major = index % 2;
    const int64_t time = s[time_major ? 0 : 1], batch = s[time_major ? 1 : 0];
    Ints lens(static_cast<size_t>(batch));
    for (auto& l : lens) l = int64_t(rng() % uint64_t(time + 1));
    Ints x(size_t(s.numel()));
    for (auto& v : x) v = int64_t(rng());
    Ints want(x.size());
    for (int64_t i = 0; i < s.numel(); ++i) {
      Ints c = h2test::unravel(i, s);
      int64_t& step = c[time_major ? 0 : 1];
      const int64_t len = lens[size_t(c[time_major ? 1 : 0])];
      if (step < len) step = len - 1 - step;
      want[size_t(i)] = x[size_t(h2test::ravel(c, s))];
    }
    CAPTURE(s.str());
    CAPTURE(time_major);
    const int64_t ta = time_major ? 0 : 1;
    CHECK(values_as<int64_t>(reverse(i64s(s, x), lens, ta, 1 - ta, index % 3 == 0, best_kernel_path())) == want);
    V fx(x.begin(), x.end()), fwant(want.begin(), want.end());
    CHECK(values_as<float>(reverse(Tensor::from_f32(s, fx), lens, ta, 1 - ta)) == fwant);
  }
}

TEST_CASE("ReverseSequence errors name the node") {
  const Tensor x = Tensor::from_f32({3, 2}, V(6, 1.0f));
  auto err = [&](const Tensor& data, const Tensor& lens, int64_t ta, int64_t ba) {
    return run_error(OpType::ReverseSequence, {data, lens}, h2test::attrs({{"time_axis", ta}, {"batch_axis", ba}}));
  };
  std::string e = err(x, i64s({2}, {1, 4}), 0, 1);
  CHECK(contains(e, "ReverseSequence 'node'"));
  CHECK(contains(e, "sequence_lens[1] = 4 is outside [0, 3]"));
  CHECK(contains(err(x, i64s({2}, {1, -1}), 0, 1), "sequence_lens[1] = -1 is outside [0, 3]"));
  CHECK(contains(err(x, i64s({3}, {1, 1, 1}), 0, 1), "sequence_lens [3] must have shape [2]"));
  CHECK(contains(err(x, i64s({2}, {1, 1}), 0, 0), "time_axis and batch_axis must be 0 and 1 in either order"));
  CHECK(contains(err(x, i64s({2}, {1, 1}), 2, 1), "time_axis and batch_axis must be 0 and 1 in either order"));
  CHECK(contains(err(x, i32s({2}, {1, 1}), 0, 1), "sequence_lens are i32, expected i64"));
  CHECK(contains(err(Tensor::from_f32({3}, V{1, 2, 3}), i64s({1}, {1}), 0, 1), "must have rank >= 2"));
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {4, 2, 3}));
  g.initializers.push_back(tensor_i64("lens", {2}, {4, 2}));
  g.outputs.push_back(value_info("y", kFloat, {4, 2, 3}));
  g.nodes.push_back(node("ReverseSequence", {"x", "lens"}, {"y"}, "my_rev", {attr_i("batch_axis", 1)}));
  const Graph imported = import(g, 10);
  const Node& n = only_node(imported, OpType::ReverseSequence);
  CHECK(n.attrs.get_int("time_axis", -1, "") == 0);
  CHECK(n.attrs.get_int("batch_axis", -1, "") == 1);
  g.nodes[0] = node("ReverseSequence", {"x", "lens"}, {"y"}, "my_rev", {attr_i("batch_axis", 0)});
  e = import_error(g, 10);
  CHECK(contains(e, "my_rev"));
  CHECK(contains(e, "must be 0 and 1 in either order"));
}
