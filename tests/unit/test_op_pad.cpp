// The Pad op through the Engine: shapes and values on the reference and the optimised path (which runs
// pad_rows, rows split over 2 threads), no allocation in run(), other element types, and every load-time
// error (pads length, empty outputs, over-cropping, reflect pads too large, unknown mode, scalars, constants
// the type cannot hold).
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "graph_query_support.h"
#include "h2_op_harness.h"

using namespace h2test;
using vigil::test::contains;

namespace {

using V = std::vector<float>;
using I = std::vector<int64_t>;

// load_error for an input of any dtype (h2test::load_error makes f32 inputs).
std::string load_error_of(const Tensor& x, const Attributes& a) {
  try {
    Engine engine(single_node_graph(OpType::Pad, {x}, a, 1));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

Attributes pad_attrs(const I& pads, const char* mode = "constant", float value = 0.0f) {
  return attrs({{"pads", pads}, {"mode", std::string(mode)}, {"value", value}});
}

}  // namespace

TEST_CASE("pad op: every mode on both kernel paths, with the inferred shape") {
  const Tensor x = iota_tensor({2, 3});  // [[0 1 2] [3 4 5]]
  struct Case {
    const char* mode;
    I pads;
    Shape shape;
    V want;
  };
  const Case cases[] = {
      {"constant", {1, -1, 0, 1}, {3, 3}, {9, 9, 9, 1, 2, 9, 4, 5, 9}},
      {"edge", {1, -1, 0, 1}, {3, 3}, {1, 2, 2, 1, 2, 2, 4, 5, 5}},
      {"reflect", {1, 0, 0, 1}, {3, 4}, {3, 4, 5, 4, 0, 1, 2, 1, 3, 4, 5, 4}},
      {"wrap", {0, 2, 1, 0}, {3, 5}, {1, 2, 0, 1, 2, 4, 5, 3, 4, 5, 1, 2, 0, 1, 2}},
  };
  for (const Case& c : cases) {
    for (KernelPath path : {KernelPath::Reference, KernelPath::Scalar}) {
      CAPTURE(c.mode);
      CAPTURE(kernel_path_name(path));
      auto r = run_node(OpType::Pad, {x}, pad_attrs(c.pads, c.mode, 9.0f), 1, 1, path);
      CHECK(r.outputs[0].shape() == c.shape);
      CHECK(values_of(r.outputs[0]) == c.want);
      CHECK(r.run_allocations == 0);
    }
  }
  // Defaults: mode constant, value 0.
  auto r = run_node(OpType::Pad, {x}, attrs({{"pads", I{0, 1, 0, 0}}}));
  CHECK(values_of(r.outputs[0]) == V{0, 0, 1, 2, 0, 3, 4, 5});
}

TEST_CASE("pad op: an NCHW zero pad on the optimised path equals the reference bit for bit") {
  std::mt19937 rng(7);
  const Tensor x = random_tensor({2, 5, 17, 23}, rng);
  for (const char* mode : {"constant", "reflect", "edge", "wrap"}) {
    const Attributes a = pad_attrs({0, 0, 2, 1, 0, 0, 1, 3}, mode, -0.5f);
    const auto ref = run_node(OpType::Pad, {x}, a, 1, 1, KernelPath::Reference);
    const auto fast = run_node(OpType::Pad, {x}, a, 1, 1, KernelPath::Scalar);
    CHECK(ref.outputs[0].shape() == Shape{2, 5, 20, 27});
    CHECK(std::memcmp(ref.outputs[0].data(), fast.outputs[0].data(), ref.outputs[0].bytes()) == 0);
  }
}

TEST_CASE("pad op: rows split over 2 threads equal the reference, for every mode and padded axis") {
  // Big enough to split (>= 16384 outputs); pads on the last axis (many rows), on H only (rows of whole
  // padded planes) and on C only (one row per image), cropping included; no allocation in run().
  std::mt19937 rng(8);
  const Tensor x = random_tensor({2, 7, 41, 37}, rng);
  const std::vector<std::vector<int64_t>> pad_sets = {
      {0, 0, 1, 2, 0, 0, 3, 1}, {0, 0, 2, 0, 0, 0, -1, 0}, {0, 2, 0, 0, 0, 1, 0, 0}, {1, 0, 0, -2, 0, 0, 0, 1}};
  for (const char* mode : {"constant", "reflect", "edge", "wrap"})
    for (const auto& pads : pad_sets) {
      const Attributes a = pad_attrs(pads, mode, 2.5f);
      const auto ref = run_node(OpType::Pad, {x}, a, 1, 1, KernelPath::Reference);
      for (KernelPath path : supported_kernel_paths()) {
        const auto fast = run_node(OpType::Pad, {x}, a, 1, 2, path);
        CAPTURE(mode);
        CAPTURE(pads[2]);
        CHECK(fast.outputs[0].shape() == ref.outputs[0].shape());
        CHECK(std::memcmp(ref.outputs[0].data(), fast.outputs[0].data(), ref.outputs[0].bytes()) == 0);
        CHECK(fast.run_allocations == 0);
      }
    }
}

TEST_CASE("pad op: other element types are copied bytewise, the constant is converted exactly") {
  const std::vector<int64_t> v = {10, -20, 30};
  const Tensor x = Tensor::from_i64({3}, v);
  for (KernelPath path : {KernelPath::Reference, KernelPath::Scalar}) {
    auto c = run_node(OpType::Pad, {x}, pad_attrs({1, 2}, "constant", -7.0f), 1, 1, path);
    REQUIRE(c.outputs[0].dtype() == DType::I64);
    CHECK(std::vector<int64_t>(c.outputs[0].i64(), c.outputs[0].i64() + 6) ==
          std::vector<int64_t>{-7, 10, -20, 30, -7, -7});
    auto e = run_node(OpType::Pad, {x}, pad_attrs({2, 1}, "edge"), 1, 1, path);
    CHECK(std::vector<int64_t>(e.outputs[0].i64(), e.outputs[0].i64() + 6) ==
          std::vector<int64_t>{10, 10, 10, -20, 30, 30});
  }
  // 2^63 rounds from no int64 (the largest double below it is fine).
  CHECK(contains(load_error_of(x, pad_attrs({1, 0}, "constant", 9223372036854775808.0f)), "cannot be represented"));
  CHECK(load_error_of(x, pad_attrs({1, 0}, "constant", -9223372036854775808.0f)).empty());
  // 2.5 is no int64: an error, not a rounded fill.
  try {
    run_node(OpType::Pad, {x}, pad_attrs({1, 0}, "constant", 2.5f));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "Pad 'node_under_test': value 2.5 cannot be represented exactly in the i64 input"));
  }
}

TEST_CASE("pad op: load-time errors name the node and the offending pads") {
  auto err = [](const Shape& s, const Attributes& a) { return load_error(OpType::Pad, {s}, a); };
  CHECK(contains(err({2, 3}, attrs({{"mode", std::string("edge")}})),
                 "Pad 'node_under_test': attribute 'pads' is required"));
  CHECK(contains(err({2, 3}, pad_attrs({1, 1})),
                 "'pads' has 2 values but the input shape [2,3] of rank 2 needs 4 (all begins, then all ends)"));
  CHECK(contains(err({2, 3}, pad_attrs({0, -2, 0, -1})),
                 "axis 1 of input shape [2,3] with pads -2 (begin) and -1 (end): the output would have length 0"));
  CHECK(contains(err({2, 3}, pad_attrs({0, -4, 0, 2})), "the negative pads crop more than the axis holds"));
  CHECK(contains(err({2, 3}, pad_attrs({0, 3, 0, 0}, "reflect")),
                 "axis 1 of input shape [2,3] with pads 3 (begin) and 0 (end): reflect padding must be smaller than "
                 "the axis length 3, as in onnxruntime"));
  CHECK(contains(err({2, 6}, pad_attrs({0, -2, 0, 4}, "reflect")),
                 "reflect padding must be smaller than the axis length 4 (after cropping)"));
  CHECK(contains(err({1, 3}, pad_attrs({1, 0, 0, 0}, "reflect")), "smaller than the axis length 1"));
  CHECK(contains(err({2, 3}, pad_attrs({0, -3, 0, 1}, "edge")),
                 "mode 'edge' needs at least one element left after cropping"));
  CHECK(contains(err({2, 3}, pad_attrs({0, 1, 0, 0}, "symmetric")),
                 "mode 'symmetric' is not one of constant, reflect, edge, wrap"));
  CHECK(contains(err({}, pad_attrs({})), "cannot pad a scalar (rank-0 input)"));
  CHECK(contains(err({2, 3}, pad_attrs({0, int64_t{1} << 40, 0, 0})), "a pad is out of range"));
  CHECK(contains(err({2, 3}, pad_attrs({0, int64_t{1} << 31, 0, int64_t{1} << 31})), "more than 2^32 elements"));
  // Large pads that are still fine in wrap and edge modes.
  CHECK(err({2, 3}, pad_attrs({0, 7, 0, 11}, "wrap")).empty());
  CHECK(err({2, 3}, pad_attrs({0, 7, 0, 11}, "edge")).empty());
  // Cropping an axis away entirely is fine in constant mode while there is padding left.
  CHECK(output_shapes(OpType::Pad, {{2, 3}}, pad_attrs({0, -3, 0, 2}))[0] == Shape{2, 2});
}
