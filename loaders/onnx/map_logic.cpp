// ONNX ops on values of other dtypes than f32, computed at run time: Cast and CastLike, the comparisons, Not /
// And / Or / Xor, IsNaN / IsInf, ArgMax / ArgMin and TopK. On constants, Cast, Equal, Less and Greater are
// folded at load time instead (constant_folding.cpp); the others run as nodes on their constant inputs. The
// dtypes each vigil op accepts are checked by its shape inference (engine/ops), whose errors name the node.
#include "engine/error.h"
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

bool flag(const NodeInfo& n, const char* name, int64_t fallback) {
  const int64_t v = n.get_int(name, fallback);
  if (v != 0 && v != 1) n.fail(concat(name, " must be 0 or 1, got ", v));
  return v == 1;
}

}  // namespace

void map_cast(Importer& im, const NodeInfo& n) {
  DType target;
  std::string target_name;
  if (n.op_type() == "CastLike") {  // opset 15: the dtype of input 1
    n.check_attributes({"saturate"});
    n.expect_inputs(2, 2);
    const Symbol& like = im.in(n, 1);
    if (like.is_constant()) {
      target = vigil_dtype(like.constant->type);
      target_name = data_type_name(like.constant->type);
    } else {
      target = like.dtype;
      target_name = dtype_name(like.dtype);
    }
  } else {
    n.check_attributes({"to", "saturate"});  // saturate (opset 19) only concerns 8-bit floats
    n.expect_inputs(1, 1);
    if (!n.has_attr("to")) n.fail("attribute 'to' is required");
    const int64_t to = n.get_int("to", 0);
    target = vigil_dtype(static_cast<int32_t>(to));
    target_name = data_type_name(static_cast<int32_t>(to));
  }
  if (target == DType::Undefined)
    n.fail(concat("cannot cast to ", target_name, " at run time: vigil computes FLOAT, INT64, INT32, INT8, UINT8 and ",
                  "BOOL values"));
  if (dtype_of(im, n, 0) == target) {  // a no-op: the output is the input
    im.alias(n.output(0), n.input(0));
    return;
  }
  Attributes a;
  a.set("to", static_cast<int64_t>(target));
  im.emit1(n, OpType::Cast, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
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
