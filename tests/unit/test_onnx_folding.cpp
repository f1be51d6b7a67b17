// The load-time evaluator of ONNX shape arithmetic, op by op, against values worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
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

AttributeProto string_attr(const std::string& name, const std::string& v) {
  AttributeProto a;
  a.name = name;
  a.type = AttributeType::String;
  a.s = v;
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
  CHECK(fold_error(make("Constant", 0, {string_attr("value_string", "hi")}), {})
            .find("'value_string' (strings, sparse tensors) is not supported") != std::string::npos);
}

TEST_CASE("onnx folding: Mod takes the divisor's sign, or the dividend's with fmod") {
  // Python's %: 7 % 3 = 1, -7 % 3 = 2, 7 % -3 = -2, -7 % -3 = -1; broadcasting a scalar divisor.
  const ConstTensor x = i64({4}, {7, -7, 7, -7}), y = i64({4}, {3, 3, -3, -3});
  CHECK(fold1(make("Mod", 2), {&x, &y}).i == std::vector<int64_t>{1, 2, -2, -1});
  // C's fmod: the dividend's sign.
  CHECK(fold1(make("Mod", 2, {int_attr("fmod", 1)}), {&x, &y}).i == std::vector<int64_t>{1, -1, 1, -1});
  // W % window as Swin's padding (w - W % w) % w uses it: 56 % 7 = 0, 30 % 7 = 2, a broadcast scalar divisor.
  const ConstTensor sizes = i64({2}, {56, 30}), seven = i64({}, {7});
  const ConstTensor r = fold1(make("Mod", 2), {&sizes, &seven});
  CHECK(r.dims == std::vector<int64_t>{2});
  CHECK(r.i == std::vector<int64_t>{0, 2});
  const ConstTensor extreme = i64({1}, {std::numeric_limits<int64_t>::min()}), minus_one = i64({1}, {-1});
  CHECK(fold1(make("Mod", 2), {&extreme, &minus_one}).i == std::vector<int64_t>{0});
  const ConstTensor fx = f32({2}, {5.5f, -5.5f}), fy = f32({1}, {2.0f});
  CHECK(fold1(make("Mod", 2, {int_attr("fmod", 1)}), {&fx, &fy}).f == std::vector<float>{1.5f, -1.5f});

  const ConstTensor zero = i64({1}, {0});
  CHECK(fold_error(make("Mod", 2), {&x, &zero}).find("integer modulo by zero") != std::string::npos);
  // Floats with fmod = 0: numpy's %, the divisor's sign, a zero signed like the divisor (opset 28's rule).
  const ConstTensor fz = f32({4}, {5.5f, -5.5f, 4.0f, -4.0f}), fw = f32({4}, {2.0f, 2.0f, -2.0f, 2.0f});
  const std::vector<float> floor_mod = fold1(make("Mod", 2), {&fz, &fw}).f;
  CHECK(floor_mod == std::vector<float>{1.5f, 0.5f, 0.0f, 0.0f});
  CHECK(std::signbit(floor_mod[2]));
  CHECK(!std::signbit(floor_mod[3]));
  CHECK(fold_error(make("Mod", 2, {int_attr("fmod", 2)}), {&x, &y}).find("fmod must be 0 or 1, got 2") !=
        std::string::npos);
  CHECK(fold_error(make("Mod", 2), {&x, &fy}).find("inputs have different types INT64 and FLOAT") != std::string::npos);
}

TEST_CASE("onnx folding: ScatterND replaces or combines the addressed slices in order") {
  // A 3x4 mask filled block by block, as Swin's shifted-window mask is built by slice assignment.
  const ConstTensor data = f32({3, 4}, std::vector<float>(12, 0.0f));
  const ConstTensor rows = i64({2, 1}, {2, 0}), row_updates = f32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  ConstTensor r = fold1(make("ScatterND", 3), {&data, &rows, &row_updates});
  CHECK(r.dims == std::vector<int64_t>{3, 4});
  CHECK(r.f == std::vector<float>{5, 6, 7, 8, 0, 0, 0, 0, 1, 2, 3, 4});
  // Single elements, a negative index, and a repeated index: the later update wins.
  const ConstTensor cells = i64({3, 2}, {1, -1, 0, 0, 1, 3}), cell_updates = f32({3}, {9, 7, 4});
  r = fold1(make("ScatterND", 3), {&data, &cells, &cell_updates});
  CHECK(r.f == std::vector<float>{7, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0});
  // reduction add (opset 16): repeated indices accumulate; integers too.
  const AttributeProto add = string_attr("reduction", "add");
  const ConstTensor ones = i64({2, 2}, {1, 1, 1, 1}), twice = i64({2, 1}, {1, 1}), inc = i64({2, 2}, {10, 20, 30, 40});
  r = fold1(make("ScatterND", 3, {add}), {&ones, &twice, &inc}, 16);
  CHECK(r.i == std::vector<int64_t>{1, 1, 41, 61});

  CHECK(fold_error(make("ScatterND", 3), {&data, &rows, &cell_updates})
            .find("updates have shape [3]; data [3,4] and "
                  "indices [2,1] need [2,4]") != std::string::npos);
  const ConstTensor far = i64({1, 1}, {3}), one_row = f32({1, 4}, {1, 1, 1, 1});
  CHECK(fold_error(make("ScatterND", 3), {&data, &far, &one_row}).find("index 3 is out of range for dim 0 of size 3") !=
        std::string::npos);
  CHECK(fold_error(make("ScatterND", 3, {string_attr("reduction", "sum")}), {&data, &rows, &row_updates}, 16)
            .find("reduction 'sum' is not one of") != std::string::npos);
}

TEST_CASE("onnx folding: LessOrEqual, GreaterOrEqual and the logic ops on shape values") {
  // As ONNX's expanded Attention computes its head grouping from shapes: Not(Equal) And Equal(Mod, 0).
  const ConstTensor a = i64({3}, {1, 2, 3}), b = i64({1}, {2});
  CHECK(fold1(make("LessOrEqual", 2), {&a, &b}).i == std::vector<int64_t>{1, 1, 0});
  CHECK(fold1(make("GreaterOrEqual", 2), {&a, &b}).i == std::vector<int64_t>{0, 1, 1});
  const ConstTensor fa = f32({2}, {0.5f, 2.0f}), fb = f32({2}, {0.5f, 1.0f});
  const ConstTensor le = fold1(make("LessOrEqual", 2), {&fa, &fb});
  CHECK(le.type == static_cast<int32_t>(DataType::Bool));
  CHECK(le.i == std::vector<int64_t>{1, 0});
  const ConstTensor p = ConstTensor::ints({4}, {0, 0, 1, 1}, DataType::Bool);
  const ConstTensor q = ConstTensor::ints({4}, {0, 1, 0, 1}, DataType::Bool);
  CHECK(fold1(make("And", 2), {&p, &q}).i == std::vector<int64_t>{0, 0, 0, 1});
  CHECK(fold1(make("Or", 2), {&p, &q}).i == std::vector<int64_t>{0, 1, 1, 1});
  CHECK(fold1(make("Xor", 2), {&p, &q}).i == std::vector<int64_t>{0, 1, 1, 0});
  const ConstTensor n = fold1(make("Not", 1), {&p});
  CHECK(n.type == static_cast<int32_t>(DataType::Bool));
  CHECK(n.i == std::vector<int64_t>{1, 1, 0, 0});
  CHECK(fold_error(make("And", 2), {&a, &b}).find("takes BOOL inputs, got INT64") != std::string::npos);
  CHECK(fold_error(make("Not", 1), {&fa}).find("takes BOOL inputs, got FLOAT") != std::string::npos);
}

TEST_CASE("onnx folding: Split by sizes, in equal parts and by num_outputs, on any axis") {
  auto split = [](const NodeProto& proto, std::vector<const ConstTensor*> in, int64_t opset) {
    NodeInfo n(proto, 0, opset);
    return fold_node(n, in);
  };
  NodeProto p = make("Split", 2, {int_attr("axis", 1)});
  p.outputs = {"a", "b"};
  const ConstTensor m = i64({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const ConstTensor sizes = i64({2}, {2, 3});
  auto out = split(p, {&m, &sizes}, 13);
  REQUIRE(out.size() == 2);
  CHECK(out[0].dims == std::vector<int64_t>{2, 2});
  CHECK(out[0].i == std::vector<int64_t>{0, 1, 5, 6});
  CHECK(out[1].dims == std::vector<int64_t>{2, 3});
  CHECK(out[1].i == std::vector<int64_t>{2, 3, 4, 7, 8, 9});
  // Equal parts along axis 0 (no sizes), floats.
  NodeProto e = make("Split", 1);
  e.outputs = {"a", "b"};
  const ConstTensor f = f32({2, 2}, {1, 2, 3, 4});
  out = split(e, {&f}, 13);
  CHECK(out[1].f == std::vector<float>{3, 4});
  // Opset 18 num_outputs: ceil-sized parts, the last smaller (5 -> 2, 2, 1).
  NodeProto k = make("Split", 1, {int_attr("axis", -1), int_attr("num_outputs", 3)});
  k.outputs = {"a", "b", "c"};
  out = split(k, {&m}, 18);
  REQUIRE(out.size() == 3);
  CHECK(out[2].i == std::vector<int64_t>{4, 9});
  // Opset 11: sizes as an attribute.
  NodeProto old = make("Split", 1, {int_attr("axis", 1), ints_attr("split", {4, 1})});
  old.outputs = {"a", "b"};
  CHECK(split(old, {&m}, 11)[0].i == std::vector<int64_t>{0, 1, 2, 3, 5, 6, 7, 8});
  // Bad sizes are errors naming what is wrong.
  const ConstTensor wrong = i64({2}, {2, 2});
  std::string err;
  try {
    split(p, {&m, &wrong}, 13);
  } catch (const Error& x) {
    err = x.what();
  }
  CHECK(err.find("split [2,2] sums to 4 but axis 1 has 5") != std::string::npos);
}

TEST_CASE("onnx folding: unary math on constants (T5's relative-position buckets) as the run-time reference") {
  const ConstTensor ints = i64({4}, {-3, 0, 5, std::numeric_limits<int64_t>::min()});
  CHECK(fold1(make("Abs", 1), {&ints}).i ==
        std::vector<int64_t>{3, 0, 5, std::numeric_limits<int64_t>::min()});  // wraps like numpy
  CHECK(fold1(make("Sign", 1), {&ints}).i == std::vector<int64_t>{-1, 0, 1, -1});
  CHECK(fold_error(make("Log", 1), {&ints}).find("Log of integers is not defined") != std::string::npos);
  const ConstTensor f = f32({5}, {0.25f, 2.5f, -1.5f, 8.0f, -0.0f});
  auto each = [&](const char* op, double (*fn)(double)) {
    const ConstTensor out = fold1(make(op, 1), {&f});
    REQUIRE(out.f.size() == 5);
    for (size_t k = 0; k < 5; ++k) {
      CAPTURE(op);
      CAPTURE(k);
      const float want = static_cast<float>(fn(f.f[k]));  // double, rounded once
      CHECK((std::isnan(want) ? std::isnan(out.f[k]) : out.f[k] == want));
    }
  };
  each("Abs", [](double v) { return std::fabs(v); });
  each("Log", [](double v) { return std::log(v); });
  each("Exp", [](double v) { return std::exp(v); });
  each("Floor", [](double v) { return std::floor(v); });
  each("Ceil", [](double v) { return std::ceil(v); });
  each("Reciprocal", [](double v) { return 1.0 / v; });
  CHECK(fold1(make("Sign", 1), {&f}).f == std::vector<float>{1, 1, -1, 1, -0.0f});
  CHECK(std::signbit(fold1(make("Sign", 1), {&f}).f[4]));
}
