// ONNX ops on values of other dtypes than f32, computed at run time: Cast and CastLike, the comparisons, Not /
// And / Or / Xor, IsNaN / IsInf, ArgMax / ArgMin and TopK. On constants, Cast, Equal, Less and Greater are
// folded at load time instead (constant_folding.cpp); the others run as nodes on their constant inputs. The
// dtypes each vigil op accepts are checked by its shape inference (engine/ops), whose errors name the node.
#include "engine/error.h"
#include "loaders/onnx/constant_folding.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

namespace {

// The vigil dtype of an input, constant or run-time (constants: as to_vigil_tensor stores them).
DType dtype_of(Importer& im, const NodeInfo& n, int i) {
  const Symbol& s = im.in(n, i);
  if (!s.is_constant()) return s.dtype;
  const ConstTensor& c = *s.constant;
  if (c.is_float()) return DType::F32;
  const DType t = vigil_dtype(c.type);
  return t == DType::Undefined ? DType::I64 : t;
}

// The ONNX type of a vigil run-time dtype.
int32_t onnx_type_of(DType t) {
  switch (t) {
    case DType::I64:
      return static_cast<int32_t>(DataType::Int64);
    case DType::I32:
      return static_cast<int32_t>(DataType::Int32);
    case DType::I8:
      return static_cast<int32_t>(DataType::Int8);
    case DType::U8:
      return static_cast<int32_t>(DataType::Uint8);
    case DType::Bool:
      return static_cast<int32_t>(DataType::Bool);
    default:
      return static_cast<int32_t>(DataType::Float);
  }
}

bool flag(const NodeInfo& n, const char* name, int64_t fallback) {
  const int64_t v = n.get_int(name, fallback);
  if (v != 0 && v != 1) n.fail(concat(name, " must be 0 or 1, got ", v));
  return v == 1;
}

}  // namespace

void map_cast(Importer& im, const NodeInfo& n) {
  // The ONNX target type: attribute `to`, or CastLike's input 1 (opset 15).
  int32_t to;
  if (n.op_type() == "CastLike") {
    n.check_attributes({"saturate"});
    n.expect_inputs(2, 2);
    const Symbol& like = im.in(n, 1);
    if (like.is_constant())
      to = like.constant->type;
    else if (like.held_type != 0)
      to = like.held_type;
    else
      to = onnx_type_of(like.dtype);
  } else {
    n.check_attributes({"to", "saturate"});  // saturate (opset 19) only concerns 8-bit floats
    n.expect_inputs(1, 1);
    if (!n.has_attr("to")) n.fail("attribute 'to' is required");
    to = static_cast<int32_t>(n.get_int("to", 0));
  }
  // FLOAT16 and BFLOAT16 values are held as f32 rounded to that type (a Cast with `via`); DOUBLE as f32 (its
  // precision is not kept: a Cast to DOUBLE of an f32 value is the identity).
  DType target = vigil_dtype(to), via = DType::F32;
  if (to == static_cast<int32_t>(DataType::Float16) || to == static_cast<int32_t>(DataType::BFloat16)) {
    target = DType::F32;
    via = to == static_cast<int32_t>(DataType::Float16) ? DType::F16 : DType::BF16;
  } else if (to == static_cast<int32_t>(DataType::Double)) {
    target = DType::F32;
  }
  if (target == DType::Undefined)
    n.fail(concat("cannot cast to ", data_type_name(to), " at run time: vigil computes FLOAT, INT64, INT32, INT8, ",
                  "UINT8 and BOOL values, and FLOAT16, BFLOAT16 and DOUBLE ones held as FLOAT"));
  const int32_t held_type = target == DType::F32 && to != static_cast<int32_t>(DataType::Float) ? to : 0;
  if (im.in(n, 0).is_constant()) {  // CastLike of a constant to a run-time value's type: known at load time
    im.define_constant(n.output(0), fold_cast(n, *im.in(n, 0).constant, to));
    return;
  }
  if (via == DType::F32 && dtype_of(im, n, 0) == target) {  // a no-op: the output is the input
    im.alias(n.output(0), n.input(0), held_type);
    return;
  }
  Attributes a;
  a.set("to", static_cast<int64_t>(target));
  if (via != DType::F32) a.set("via", static_cast<int64_t>(via));
  im.emit1(n, OpType::Cast, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
  im.set_held_type(n.output(0), held_type);
}

void map_compare(Importer& im, const NodeInfo& n) {
  static const std::pair<const char*, OpType> ops[] = {{"Equal", OpType::Equal},
                                                       {"Less", OpType::Less},
                                                       {"Greater", OpType::Greater},
                                                       {"LessOrEqual", OpType::LessOrEqual},
                                                       {"GreaterOrEqual", OpType::GreaterOrEqual},
                                                       {"And", OpType::And},
                                                       {"Or", OpType::Or},
                                                       {"Xor", OpType::Xor}};
  for (const auto& [name, op] : ops) {
    if (n.op_type() != name) continue;
    n.check_attributes({});
    n.expect_inputs(2, 2);
    const DType a = dtype_of(im, n, 0), b = dtype_of(im, n, 1);
    if (a != b)  // ONNX requires one type (exporters insert a Cast); vigil does not promote
      n.fail(concat("its inputs '", n.input(0), "' (", dtype_name(a), ") and '", n.input(1), "' (", dtype_name(b),
                    ") must have one dtype"));
    im.emit1(n, op, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0));
    return;
  }
  n.fail("is not a comparison or logical op");
}

void map_unary_predicate(Importer& im, const NodeInfo& n) {
  n.expect_inputs(1, 1);
  Attributes a;
  OpType op;
  if (n.op_type() == "Not") {
    n.check_attributes({});
    op = OpType::Not;
  } else if (n.op_type() == "IsNaN") {
    n.check_attributes({});
    op = OpType::IsNaN;
  } else if (n.op_type() == "IsInf") {
    n.check_attributes({"detect_positive", "detect_negative"});
    a.set("detect_positive", static_cast<int64_t>(flag(n, "detect_positive", 1)));
    a.set("detect_negative", static_cast<int64_t>(flag(n, "detect_negative", 1)));
    op = OpType::IsInf;
  } else {
    n.fail("is not Not, IsNaN or IsInf");
  }
  im.emit1(n, op, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

void map_arg_reduce(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis", "keepdims", "select_last_index"});  // select_last_index: opset 12
  n.expect_inputs(1, 1);
  const int rank = im.rank_of(n, 0);
  if (rank < 1) n.fail("the input must have rank >= 1");
  Attributes a;
  a.set("axis", static_cast<int64_t>(normalize_axis(n, n.get_int("axis", 0), rank, "axis")));
  a.set("keepdims", static_cast<int64_t>(flag(n, "keepdims", 1)));
  a.set("select_last_index", static_cast<int64_t>(flag(n, "select_last_index", 0)));
  im.emit1(n, n.op_type() == "ArgMax" ? OpType::ArgMax : OpType::ArgMin, n.name(), {im.value(n, 0)}, n.output(0),
           std::move(a));
}

void map_topk(Importer& im, const NodeInfo& n) {
  int64_t k;
  if (n.opset() < 10) {  // K was an attribute
    n.check_attributes({"axis", "k"});
    n.expect_inputs(1, 1);
    if (!n.has_attr("k")) n.fail("attribute 'k' is required");
    k = n.get_int("k", 0);
  } else {
    n.check_attributes({"axis", "largest", "sorted"});
    n.expect_inputs(2, 2);
    if (!im.is_const(n, 1))
      n.fail(concat("K ('", n.input(1), "') is computed at run time; vigil's shapes are static, so K must be a ",
                    "constant known at load time"));
    const std::vector<int64_t> ks = im.const_ints(n, 1, "K");
    if (ks.size() != 1) n.fail(concat("K must hold one value, got ", ks.size()));
    k = ks[0];
  }
  const int rank = im.rank_of(n, 0);
  if (rank < 1) n.fail("the input must have rank >= 1");
  const int axis = normalize_axis(n, n.get_int("axis", -1), rank, "axis");
  const int64_t len = im.shape_of(n, 0)[axis];
  if (k < 1 || k > len)
    n.fail(
        concat("K = ", k, " must lie in [1, ", len, "] (the length of axis ", axis, "; vigil values are never empty)"));
  Attributes a;
  a.set("k", k);
  a.set("axis", static_cast<int64_t>(axis));
  a.set("largest", static_cast<int64_t>(flag(n, "largest", 1)));
  a.set("sorted", static_cast<int64_t>(flag(n, "sorted", 1)));
  std::vector<std::string> outputs;
  for (int o = 0; o < 2; ++o)
    outputs.push_back(n.has_output(o) ? n.output(o) : im.fresh_name(n.name(), o == 0 ? "values" : "indices"));
  im.emit(n, OpType::TopK, n.name(), {im.value(n, 0)}, outputs, std::move(a));
}

}  // namespace vigil::onnx
