// The load-time evaluator of ONNX shape arithmetic, op by op, against values worked out by hand.
#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "engine/error.h"
#include "loaders/onnx/constant_folding.h"

using namespace vigil;
using namespace vigil::onnx;

namespace {

AttributeProto ints_attr(const std::string& name, std::vector<int64_t> v) {
  AttributeProto a;
  a.name = name;
  a.type = AttributeType::Ints;
  a.ints = std::move(v);
  return a;
}

AttributeProto int_attr(const std::string& name, int64_t v) {
  AttributeProto a;
  a.name = name;
  a.type = AttributeType::Int;
  a.i = v;
  return a;
}

NodeProto make(const std::string& op, int inputs, std::vector<AttributeProto> attrs = {}) {
  NodeProto n;
  n.op_type = op;
  n.name = "n";
  for (int k = 0; k < inputs; ++k) n.inputs.push_back("in" + std::to_string(k));
  n.outputs = {"out"};
  n.attributes = std::move(attrs);
  return n;
}

ConstTensor fold1(const NodeProto& proto, std::vector<const ConstTensor*> in, int64_t opset = 13) {
  NodeInfo n(proto, 0, opset);
  auto out = fold_node(n, in);
  REQUIRE(out.size() == 1);
  return out[0];
}

std::string fold_error(const NodeProto& proto, std::vector<const ConstTensor*> in, int64_t opset = 13) {
  try {
    fold1(proto, in, opset);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

ConstTensor i64(std::vector<int64_t> dims, std::vector<int64_t> v) { return ConstTensor::ints(dims, v); }
ConstTensor f32(std::vector<int64_t> dims, std::vector<float> v) { return ConstTensor::floats(dims, v); }

}  // namespace

TEST_CASE("onnx folding: Gather with negative indices and a matrix of indices") {
  const ConstTensor data = i64({3, 2}, {10, 11, 20, 21, 30, 31});
  const ConstTensor idx = i64({2, 2}, {-1, 0, 1, 2});
  ConstTensor out = fold1(make("Gather", 2, {int_attr("axis", 0)}), {&data, &idx});
  CHECK(out.dims == std::vector<int64_t>{2, 2, 2});
  CHECK(out.i == std::vector<int64_t>{30, 31, 10, 11, 20, 21, 30, 31});
  const ConstTensor col = i64({}, {1});
  out = fold1(make("Gather", 2, {int_attr("axis", -1)}), {&data, &col});
  CHECK(out.dims == std::vector<int64_t>{3});
  CHECK(out.i == std::vector<int64_t>{11, 21, 31});
  const ConstTensor bad = i64({1}, {3});
  CHECK(fold_error(make("Gather", 2), {&data, &bad}).find("index 3 is out of range for axis 0 of size 3") !=
        std::string::npos);
}

TEST_CASE("onnx folding: Slice clamps like ONNX, including negative steps and INT64 extremes") {
  const ConstTensor data = i64({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const ConstTensor starts = i64({1}, {-1}), ends = i64({1}, {std::numeric_limits<int64_t>::min()});
  const ConstTensor axes = i64({1}, {1}), steps = i64({1}, {-2});
  ConstTensor out = fold1(make("Slice", 5), {&data, &starts, &ends, &axes, &steps});
  CHECK(out.dims == std::vector<int64_t>{2, 3});
  CHECK(out.i == std::vector<int64_t>{4, 2, 0, 9, 7, 5});
  const ConstTensor s2 = i64({2}, {1, 1}), e2 = i64({2}, {100, std::numeric_limits<int64_t>::max()});
  out = fold1(make("Slice", 3), {&data, &s2, &e2});
  CHECK(out.dims == std::vector<int64_t>{1, 4});
  CHECK(out.i == std::vector<int64_t>{6, 7, 8, 9});
  // Opset 9: attributes.
  out =
      fold1(make("Slice", 1, {ints_attr("starts", {2}), ints_attr("ends", {-1}), ints_attr("axes", {1})}), {&data}, 9);
  CHECK(out.i == std::vector<int64_t>{2, 3, 7, 8});
}

TEST_CASE("onnx folding: Concat, Unsqueeze, Squeeze, Reshape, Flatten and Transpose move data right") {
  const ConstTensor a = i64({1}, {7}), b = i64({2}, {-1, 4});
  ConstTensor out = fold1(make("Concat", 2, {int_attr("axis", 0)}), {&a, &b});
  CHECK(out.i == std::vector<int64_t>{7, -1, 4});

  const ConstTensor m = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  const ConstTensor m2 = f32({2, 1}, {9, 8});
  out = fold1(make("Concat", 2, {int_attr("axis", -1)}), {&m, &m2});
  CHECK(out.dims == std::vector<int64_t>{2, 4});
  CHECK(out.f == std::vector<float>{1, 2, 3, 9, 4, 5, 6, 8});

  const ConstTensor axes = i64({2}, {0, -1});
  out = fold1(make("Unsqueeze", 2), {&m, &axes});
  CHECK(out.dims == std::vector<int64_t>{1, 2, 3, 1});
  out = fold1(make("Squeeze", 1), {&out});
  CHECK(out.dims == std::vector<int64_t>{2, 3});

  const ConstTensor shape = i64({3}, {0, -1, 1});
  out = fold1(make("Reshape", 2), {&m, &shape});
  CHECK(out.dims == std::vector<int64_t>{2, 3, 1});
  const ConstTensor bad_shape = i64({2}, {4, -1});
  CHECK(fold_error(make("Reshape", 2), {&m, &bad_shape}).find("cannot reshape [2,3] to [4,-1]") != std::string::npos);

  out = fold1(make("Flatten", 1, {int_attr("axis", 0)}), {&m});
  CHECK(out.dims == std::vector<int64_t>{1, 6});

  out = fold1(make("Transpose", 1), {&m});
  CHECK(out.dims == std::vector<int64_t>{3, 2});
  CHECK(out.f == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("onnx folding: ConstantOfShape, Expand, Tile and Range") {
  const ConstTensor shape = i64({2}, {2, 3});
  ConstTensor out = fold1(make("ConstantOfShape", 1), {&shape});
  CHECK(out.dims == std::vector<int64_t>{2, 3});
  CHECK(out.type == static_cast<int32_t>(DataType::Float));
  CHECK(out.f == std::vector<float>(6, 0.0f));

  const ConstTensor row = i64({3}, {1, 2, 3});
  const ConstTensor target = i64({2}, {2, 1});
  out = fold1(make("Expand", 2), {&row, &target});
  CHECK(out.dims == std::vector<int64_t>{2, 3});
  CHECK(out.i == std::vector<int64_t>{1, 2, 3, 1, 2, 3});
  const ConstTensor bad = i64({1}, {2});
  CHECK(fold_error(make("Expand", 2), {&row, &bad}).find("shapes [3] and [2] do not broadcast") != std::string::npos);

  const ConstTensor m = i64({1, 2}, {5, 6}), reps = i64({2}, {2, 2});
  out = fold1(make("Tile", 2), {&m, &reps});
  CHECK(out.dims == std::vector<int64_t>{2, 4});
  CHECK(out.i == std::vector<int64_t>{5, 6, 5, 6, 5, 6, 5, 6});

  const ConstTensor start = i64({}, {10}), limit = i64({}, {3}), delta = i64({}, {-3});
  out = fold1(make("Range", 3), {&start, &limit, &delta});
  CHECK(out.i == std::vector<int64_t>{10, 7, 4});
  const ConstTensor fs = f32({}, {0.5f}), fl = f32({}, {2.0f}), fd = f32({}, {0.5f});
  out = fold1(make("Range", 3), {&fs, &fl, &fd});
  CHECK(out.f == std::vector<float>{0.5f, 1.0f, 1.5f});

  // A memory bomb is refused before any allocation.
  const ConstTensor huge = i64({3}, {1 << 20, 1 << 20, 1 << 20});
  CHECK(fold_error(make("ConstantOfShape", 1), {&huge}).find("more than 16777216 elements") != std::string::npos);
}

TEST_CASE("onnx folding: Cast truncates toward zero and wraps like C, arithmetic broadcasts") {
  const ConstTensor x = f32({4}, {-2.7f, -0.5f, 0.5f, 300.9f});
  ConstTensor out = fold1(make("Cast", 1, {int_attr("to", static_cast<int64_t>(DataType::Int64))}), {&x});
  CHECK(out.i == std::vector<int64_t>{-2, 0, 0, 300});
  out = fold1(make("Cast", 1, {int_attr("to", static_cast<int64_t>(DataType::Uint8))}), {&x});
  CHECK(out.i == std::vector<int64_t>{254, 0, 0, 44});
  out = fold1(make("Cast", 1, {int_attr("to", static_cast<int64_t>(DataType::Bool))}), {&x});
  CHECK(out.i == std::vector<int64_t>{1, 1, 1, 1});

  const ConstTensor a = i64({2, 1}, {7, -7}), b = i64({2}, {2, -2});
  out = fold1(make("Div", 2), {&a, &b});
  CHECK(out.dims == std::vector<int64_t>{2, 2});
  CHECK(out.i == std::vector<int64_t>{3, -3, -3, 3});
  const ConstTensor zero = i64({}, {0});
  CHECK(fold_error(make("Div", 2), {&a, &zero}).find("integer division by zero") != std::string::npos);
  out = fold1(make("Mul", 2), {&a, &b});
  CHECK(out.i == std::vector<int64_t>{14, -14, -14, 14});

  const ConstTensor c = i64({3}, {1, 2, 3}), d = i64({3}, {1, 0, 3});
  const ConstTensor eq = fold1(make("Equal", 2), {&c, &d});
  CHECK(eq.type == static_cast<int32_t>(DataType::Bool));
  CHECK(eq.i == std::vector<int64_t>{1, 0, 1});
  const ConstTensor minus = i64({}, {-1});
  out = fold1(make("Where", 3), {&eq, &c, &minus});
  CHECK(out.i == std::vector<int64_t>{1, -1, 3});

  const ConstTensor mixed = f32({}, {1.0f});
  CHECK(fold_error(make("Add", 2), {&c, &mixed}).find("inputs have different types INT64 and FLOAT") !=
        std::string::npos);
}

TEST_CASE("onnx folding: Shape honours opset-15 start and end") {
  NodeProto p = make("Shape", 1, {int_attr("start", 1), int_attr("end", -1)});
  NodeInfo n(p, 0, 15);
  CHECK(fold_shape(n, {2, 3, 4, 5}).i == std::vector<int64_t>{3, 4});
  NodeProto q = make("Shape", 1, {int_attr("start", -10)});
  NodeInfo m(q, 0, 15);
  CHECK(fold_shape(m, {2, 3}).i == std::vector<int64_t>{2, 3});
}

TEST_CASE("onnx folding: Constant attributes of every kind") {
  NodeProto p = make("Constant", 0, {ints_attr("value_ints", {4, 5})});
  ConstTensor out = fold1(p, {});
  CHECK(out.dims == std::vector<int64_t>{2});
  CHECK(out.i == std::vector<int64_t>{4, 5});
  AttributeProto f;
  f.name = "value_float";
  f.type = AttributeType::Float;
  f.f = 1.5f;
  out = fold1(make("Constant", 0, {f}), {});
  CHECK(out.dims.empty());
  CHECK(out.f == std::vector<float>{1.5f});
  AttributeProto s;
  s.name = "value_string";
  s.type = AttributeType::String;
  s.s = "hi";
  CHECK(fold_error(make("Constant", 0, {s}), {}).find("'value_string' (strings, sparse tensors) is not supported") !=
        std::string::npos);
}
