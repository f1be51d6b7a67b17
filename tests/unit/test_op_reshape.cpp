// Reshape, Flatten, Squeeze, Unsqueeze: output shapes under every attribute rule, the bytes carried over
// unchanged, and the errors.
#include <doctest/doctest.h>

#include "engine/error.h"
#include "h2_op_harness.h"

using namespace h2test;

using I = std::vector<int64_t>;

namespace {

Shape shape_after(OpType op, const Shape& in, const Attributes& a) { return output_shapes(op, {in}, a)[0]; }

}  // namespace

TEST_CASE("reshape: 0 copies a dim, -1 is inferred, the bytes are unchanged") {
  const Shape in{2, 3, 4};
  CHECK(shape_after(OpType::Reshape, in, attrs({{"shape", I{0, -1}}})) == Shape{2, 12});
  CHECK(shape_after(OpType::Reshape, in, attrs({{"shape", I{-1}}})) == Shape{24});
  CHECK(shape_after(OpType::Reshape, in, attrs({{"shape", I{4, 0, 2}}})) == Shape{4, 3, 2});
  CHECK(shape_after(OpType::Reshape, in, attrs({{"shape", I{0, 0, -1, 1}}})) == Shape{2, 3, 4, 1});
  CHECK(shape_after(OpType::Reshape, in, attrs({{"shape", I{1, 1, 1, 2, 3, 4}}})) == Shape{1, 1, 1, 2, 3, 4});
  CHECK(shape_after(OpType::Reshape, in, attrs({{"shape", I{6, 4}}, {"allowzero", int64_t{1}}})) == Shape{6, 4});
  CHECK(shape_after(OpType::Reshape, {1}, attrs({{"shape", I{}}})) == Shape{});  // to a scalar

  const Tensor x = iota_tensor(in);
  auto r = run_node(OpType::Reshape, {x}, attrs({{"shape", I{0, -1}}}));
  CHECK(r.outputs[0].shape() == Shape{2, 12});
  CHECK(values_of(r.outputs[0]) == values_of(x));
  CHECK(r.run_allocations == 0);
}

TEST_CASE("reshape: bad target shapes are rejected naming the node and shapes") {
  const Shape in{2, 3, 4};
  auto err = [&](const Attributes& a) { return load_error(OpType::Reshape, {in}, a); };
  const std::string count = err(attrs({{"shape", I{5, 5}}}));
  CHECK(count.find(kNodeName) != std::string::npos);
  CHECK(count.find("[2,3,4]") != std::string::npos);
  CHECK(count.find("[5,5]") != std::string::npos);
  CHECK(err(attrs({{"shape", I{-1, -1}}})).find("more than one -1") != std::string::npos);
  CHECK(err(attrs({{"shape", I{5, -1}}})).find("not a multiple of 5") != std::string::npos);
  CHECK(err(attrs({{"shape", I{0, 0, 0, 0}}})).find("has only 3 dims") != std::string::npos);
  CHECK(err(attrs({{"shape", I{-2, -12}}})).find("is -2") != std::string::npos);
  CHECK(err(attrs({{"shape", I{0, -1}}, {"allowzero", int64_t{1}}})).find("allowzero") != std::string::npos);
  CHECK(err({}).find("'shape' is required") != std::string::npos);
}

TEST_CASE("flatten: axis splits the dims into two products") {
  const Shape in{2, 3, 4};
  CHECK(shape_after(OpType::Flatten, in, {}) == Shape{2, 12});
  CHECK(shape_after(OpType::Flatten, in, attrs({{"axis", int64_t{0}}})) == Shape{1, 24});
  CHECK(shape_after(OpType::Flatten, in, attrs({{"axis", int64_t{2}}})) == Shape{6, 4});
  CHECK(shape_after(OpType::Flatten, in, attrs({{"axis", int64_t{3}}})) == Shape{24, 1});
  CHECK(shape_after(OpType::Flatten, in, attrs({{"axis", int64_t{-1}}})) == Shape{6, 4});
  CHECK(shape_after(OpType::Flatten, in, attrs({{"axis", int64_t{-3}}})) == Shape{1, 24});
  const std::string e = load_error(OpType::Flatten, {in}, attrs({{"axis", int64_t{4}}}));
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("axis 4") != std::string::npos);
  CHECK(load_error(OpType::Flatten, {in}, attrs({{"axis", int64_t{-4}}})).find(kNodeName) != std::string::npos);

  const Tensor x = iota_tensor({1, 2, 3, 3});
  auto r = run_node(OpType::Flatten, {x});
  CHECK(r.outputs[0].shape() == Shape{1, 18});
  CHECK(values_of(r.outputs[0]) == values_of(x));
}

TEST_CASE("squeeze: named axes or every 1-dim") {
  const Shape in{1, 3, 1, 2};
  CHECK(shape_after(OpType::Squeeze, in, {}) == Shape{3, 2});
  CHECK(shape_after(OpType::Squeeze, in, attrs({{"axes", I{-2}}})) == Shape{1, 3, 2});
  CHECK(shape_after(OpType::Squeeze, in, attrs({{"axes", I{2, 0}}})) == Shape{3, 2});
  CHECK(shape_after(OpType::Squeeze, {1, 1}, {}) == Shape{});
  const std::string e = load_error(OpType::Squeeze, {in}, attrs({{"axes", I{1}}}));
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("cannot squeeze dim 1 of input shape [1,3,1,2]") != std::string::npos);
  CHECK(load_error(OpType::Squeeze, {in}, attrs({{"axes", I{4}}})).find("out of range") != std::string::npos);
  CHECK(load_error(OpType::Squeeze, {in}, attrs({{"axes", I{0, -4}}})).find("appears twice") != std::string::npos);

  const Tensor x = iota_tensor(in);
  auto r = run_node(OpType::Squeeze, {x});
  CHECK(r.outputs[0].shape() == Shape{3, 2});
  CHECK(values_of(r.outputs[0]) == values_of(x));
}

TEST_CASE("unsqueeze: axes are positions in the output") {
  const Shape in{3, 2};
  CHECK(shape_after(OpType::Unsqueeze, in, attrs({{"axes", I{0}}})) == Shape{1, 3, 2});
  CHECK(shape_after(OpType::Unsqueeze, in, attrs({{"axes", I{1}}})) == Shape{3, 1, 2});
  CHECK(shape_after(OpType::Unsqueeze, in, attrs({{"axes", I{-1}}})) == Shape{3, 2, 1});
  CHECK(shape_after(OpType::Unsqueeze, in, attrs({{"axes", I{0, -1}}})) == Shape{1, 3, 2, 1});
  CHECK(shape_after(OpType::Unsqueeze, in, attrs({{"axes", I{3, 1}}})) == Shape{3, 1, 2, 1});
  CHECK(shape_after(OpType::Unsqueeze, {}, attrs({{"axes", I{0}}})) == Shape{1});
  const std::string e = load_error(OpType::Unsqueeze, {in}, attrs({{"axes", I{4}}}));
  CHECK(e.find(kNodeName) != std::string::npos);
  CHECK(e.find("axis 4 is out of range for output rank 3") != std::string::npos);
  CHECK(load_error(OpType::Unsqueeze, {in}, attrs({{"axes", I{1, -3}}})).find("appears twice") != std::string::npos);
  CHECK(load_error(OpType::Unsqueeze, {in}, {}).find("'axes' is required") != std::string::npos);
  CHECK(load_error(OpType::Unsqueeze, {{2, 2, 2, 2, 2}}, attrs({{"axes", I{0, 1}}})).find("more than 6") !=
        std::string::npos);

  const Tensor x = iota_tensor(in);
  auto r = run_node(OpType::Unsqueeze, {x}, attrs({{"axes", I{0}}}));
  CHECK(r.outputs[0].shape() == Shape{1, 3, 2});
  CHECK(values_of(r.outputs[0]) == values_of(x));
}
