// Pointwise ops: activations, Clip, the four arithmetic ops, and the nodes that vanish (Identity,
// inference-mode Dropout).
#include <limits>
#include <tuple>

#include "engine/error.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

using Ints = std::vector<int64_t>;

void map_activation(Importer& im, const NodeInfo& n) {
  n.expect_inputs(1, 1);
  const std::string& op = n.op_type();
  Attributes a;
  OpType type;
  if (op == "Relu") {
    n.check_attributes({});
    type = OpType::Relu;
  } else if (op == "LeakyRelu") {
    n.check_attributes({"alpha"});
    type = OpType::LeakyRelu;
    a.set("alpha", n.get_float("alpha", 0.01f));
  } else if (op == "Sigmoid") {
    n.check_attributes({});
    type = OpType::Sigmoid;
  } else if (op == "Tanh") {
    n.check_attributes({});
    type = OpType::Tanh;
  } else if (op == "HardSigmoid") {
    n.check_attributes({"alpha", "beta"});
    type = OpType::HardSigmoid;
    a.set("alpha", n.get_float("alpha", 0.2f));
    a.set("beta", n.get_float("beta", 0.5f));
  } else if (op == "HardSwish") {
    n.check_attributes({});
    type = OpType::HardSwish;
  } else if (op == "Swish") {
    // x * sigmoid(alpha * x): vigil's Silu is the alpha = 1 case; other alphas are spelled out.
    n.check_attributes({"alpha"});
    const float alpha = n.get_float("alpha", 1.0f);
    type = OpType::Silu;
    if (alpha != 1.0f) {
      const std::string out = n.output(0);
      const int x = im.value(n, 0);
      const int a = im.emit_constant(im.fresh_name(out, "alpha"), ConstTensor::floats({}, {alpha}), n);
      const int ax = im.emit1(n, OpType::Mul, n.name() + "/scale", {x, a}, im.fresh_name(out, "alpha_x"));
      const int gate = im.emit1(n, OpType::Sigmoid, n.name() + "/gate", {ax}, im.fresh_name(out, "gate"));
      im.emit1(n, OpType::Mul, n.name(), {x, gate}, out);
      return;
    }
  } else if (op == "Mish") {
    n.check_attributes({});
    type = OpType::Mish;
  } else {
    n.fail("is not an activation");
  }
  im.emit1(n, type, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

// Clip of integers (opset 12+: a clamp of indices or lengths): Max with the lower bound, then Min with the upper
// one, on the integer binary ops. The bounds are the node's own constant inputs (of the input's dtype, as ONNX
// requires; another dtype is the binary op's error).
void map_integer_clip(Importer& im, const NodeInfo& n) {
  int v = im.value(n, 0);
  for (const auto& [i, op, name] : {std::tuple{1, OpType::Max, "min"}, std::tuple{2, OpType::Min, "max"}}) {
    if (!n.has_input(i)) continue;
    if (const size_t count = im.const_ints(n, i, name).size(); count != 1)
      n.fail(concat("the ", name, " input must hold one value, got ", count));
    const bool last = i == 2 || !n.has_input(2);
    v = im.emit1(n, op, last ? n.name() : concat(n.name(), "/", name), {v, im.value(n, i)},
                 last ? n.output(0) : im.fresh_name(n.output(0), name));
  }
  if (!n.has_input(1) && !n.has_input(2)) im.alias(n.output(0), n.input(0));
}

void map_clip(Importer& im, const NodeInfo& n) {
  const DType dtype = im.in(n, 0).dtype;
  if (n.opset() >= 12 && (dtype == DType::I64 || dtype == DType::I32 || dtype == DType::I8 || dtype == DType::U8)) {
    n.check_attributes({});
    n.expect_inputs(1, 3);
    return map_integer_clip(im, n);
  }
  Attributes a;
  if (n.opset() < 11) {
    n.check_attributes({"min", "max"});
    n.expect_inputs(1, 1);
    if (n.has_attr("min")) a.set("min", n.get_float("min", 0));
    if (n.has_attr("max")) a.set("max", n.get_float("max", 0));
  } else {
    n.check_attributes({});
    n.expect_inputs(1, 3);
    auto bound = [&](int i, const char* name) {
      if (!n.has_input(i)) return;
      std::vector<float> v = im.const_floats(n, i, name);
      if (v.size() != 1) n.fail(concat("the ", name, " input must hold one value, got ", v.size()));
      a.set(name, v[0]);
    };
    bound(1, "min");
    bound(2, "max");
  }
  im.emit1(n, OpType::Clip, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_binary(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(2, 2);
  const std::string& op = n.op_type();
  const OpType type = op == "Add"   ? OpType::Add
                      : op == "Sub" ? OpType::Sub
                      : op == "Mul" ? OpType::Mul
                      : op == "Div" ? OpType::Div
                      : op == "Pow" ? OpType::Pow
                                    : OpType::PRelu;
  int exponent = kNoValue;
  if (type == OpType::Pow && im.is_const(n, 1) && !im.in(n, 1).constant->is_float()) {
    // Pow's exponent may be an integer tensor (opset 12+); vigil computes in float, where integers up to
    // 2^24 are exact, so the constant becomes an f32 one.
    const ConstTensor& c = *im.in(n, 1).constant;
    std::vector<float> values;
    for (size_t k = 0; k < c.i.size(); ++k) {
      if (c.i[k] > (int64_t{1} << 24) || c.i[k] < -(int64_t{1} << 24))
        n.fail(concat("integer exponent ", c.i[k], " is not exact in float"));
      values.push_back(static_cast<float>(c.i[k]));
    }
    exponent = im.emit_constant(n.input(1) + "/as_float", ConstTensor::floats(c.dims, values), n);
  } else {
    exponent = im.value(n, 1);
  }
  im.emit1(n, type, n.name(), {im.value(n, 0), exponent}, n.output(0));
}

// Mod (opset 10/13): A, B of one dtype with broadcasting; fmod 0 (the divisor's sign) or 1 (the dividend's). Floats
// with fmod = 0 (allowed from opset 28) are computed as numpy's %, at any opset.
void map_mod(Importer& im, const NodeInfo& n) {
  n.check_attributes({"fmod"});
  n.expect_inputs(2, 2);
  const int64_t fmod = n.get_int("fmod", 0);
  if (fmod != 0 && fmod != 1) n.fail(concat("fmod must be 0 or 1, got ", fmod));
  Attributes a;
  a.set("fmod", fmod);
  im.emit1(n, OpType::Mod, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
}

// Sum, Max, Min, Mean of 1..N inputs with multidirectional broadcasting (opset 8+, the oldest vigil reads is 9;
// 12 and 13 only add integer and bf16 types): a left-to-right chain of the binary op, ((x0 op x1) op x2) ..., which is
// how onnxruntime accumulates them; the chain's broadcasts compose to the broadcast of all inputs. Mean is the Add
// chain divided once by N at the end, as the spec writes it. One input is the identity.
void map_variadic(Importer& im, const NodeInfo& n) {
  const std::string& op = n.op_type();
  n.check_attributes({});
  n.expect_inputs(1, 4096);
  const int count = n.num_inputs();
  for (int i = 0; i < count; ++i)
    if (!n.has_input(i)) n.fail(concat("input ", i, " is empty; every input of ", op, " is required"));
  if (count == 1) {
    im.alias(n.output(0), n.input(0));
    return;
  }
  const OpType type = op == "Max" ? OpType::Max : op == "Min" ? OpType::Min : OpType::Add;
  const std::string out = n.output(0);
  const bool divide = op == "Mean";
  int acc = im.value(n, 0);
  for (int i = 1; i < count; ++i) {
    const bool last = i == count - 1 && !divide;
    const std::string name = last ? out : im.fresh_name(out, concat("partial", i));
    acc = im.emit1(n, type, last ? n.name() : concat(n.name(), "/", i), {acc, im.value(n, i)}, name);
  }
  if (divide) {
    const int divisor =
        im.emit_constant(im.fresh_name(out, "count"), ConstTensor::floats({}, {static_cast<float>(count)}), n);
    im.emit1(n, OpType::Div, n.name(), {acc, divisor}, out);
  }
}

// Where (opset 9+; 16 only adds bf16) with a bool condition, constant or computed at run time (a comparison),
// and X / Y of one dtype (all constant: folded): vigil's Where, three-way broadcasting, condition ? X : Y copied.
void map_where(Importer& im, const NodeInfo& n) {
  n.check_attributes({});
  n.expect_inputs(3, 3);
  for (int i = 0; i < 3; ++i)
    if (!n.has_input(i)) n.fail(concat("input ", i, " (condition, X, Y) is required"));
  const Symbol& cond = im.in(n, 0);
  if (cond.is_constant() ? vigil_dtype(cond.constant->type) != DType::Bool : cond.dtype != DType::Bool)
    n.fail(concat("the condition must be bool, got ",
                  cond.is_constant() ? data_type_name(cond.constant->type) : std::string(dtype_name(cond.dtype))));
  im.emit1(n, OpType::Where, n.name(), {im.value(n, 0), im.value(n, 1), im.value(n, 2)}, n.output(0));
}

void map_identity(Importer& im, const NodeInfo& n) {
  const std::string& op = n.op_type();
  if (op == "Identity") {
    n.check_attributes({});
    n.expect_inputs(1, 1);
  } else if (op == "Dropout") {
    n.check_attributes({"ratio", "seed", "is_test"});
    n.expect_inputs(1, 3);
    // Inference mode: the output is the input and the mask is all true. training_mode=true drops values
    // at random unless the ratio is 0.
    if (n.has_input(2)) {
      const ConstTensor& t = im.require_const(n, 2, "training_mode");
      if (t.numel() != 1) n.fail("training_mode must hold one value");
      const float ratio = n.has_input(1) ? im.const_floats(n, 1, "ratio").at(0) : 0.5f;
      if (t.as_int(0) != 0 && ratio != 0.0f)
        n.fail("training_mode=true with a non-zero ratio drops values at random; vigil runs inference only");
    }
    // The mask of an inference-mode Dropout is all true. PyTorch's eval-mode exports often name the output
    // without reading it; when something does read it, it is a constant.
    if (n.has_output(1) && im.is_read(n.output(1))) {
      const std::vector<int64_t> dims = im.dims_of(n, 0);
      int64_t count = 1;
      for (int64_t d : dims) count *= d;
      im.define_constant(n.output(1),
                         ConstTensor::ints(dims, std::vector<int64_t>(static_cast<size_t>(count), 1), DataType::Bool));
    }
  } else {
    n.fail("cannot be removed");
  }
  im.alias(n.output(0), n.input(0));
}

}  // namespace vigil::onnx
