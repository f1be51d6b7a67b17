// Ops whose output is laid out by index arithmetic on constant arguments: Trilu (a triangle of each matrix), OneHot
// (a row of `depth` values per index), EyeLike (a diagonal of ones) and ReverseSequence (reversed time steps). Their
// shape-like arguments (Trilu's k, OneHot's depth) must be constants, folded into attributes, so that vigil's shapes
// stay static; a run-time one is an error naming the node.
#include "engine/error.h"
#include "loaders/onnx/const_tensor.h"
#include "loaders/onnx/op_mapping.h"

namespace vigil::onnx {

namespace {

// The single value of a constant scalar (or one-element) input, as an integer (floats truncated toward zero, as
// the spec's cast to int64 does).
int64_t const_scalar(Importer& im, const NodeInfo& n, int i, const char* what) {
  if (!im.is_const(n, i))
    n.fail(concat(what, " is only known at run time; vigil needs it at load (the output shape depends on it)"));
  const ConstTensor& c = *im.in(n, i).constant;
  if (c.numel() != 1) n.fail(concat(what, " must hold one value, got ", c.numel()));
  if (!c.is_float()) return c.i[0];
  const float v = c.f[0];
  if (!(v > -9.2e18f && v < 9.2e18f)) n.fail(concat(what, " ", v, " is not a usable integer"));
  return static_cast<int64_t>(v);
}

}  // namespace

// Trilu (opset 14): attribute upper; the optional k input (default 0) must be a constant.
void map_trilu(Importer& im, const NodeInfo& n) {
  n.check_attributes({"upper"});
  n.expect_inputs(1, 2);
  const int64_t upper = n.get_int("upper", 1);
  if (upper != 0 && upper != 1) n.fail(concat("upper must be 0 or 1, got ", upper));
  Attributes a;
  a.set("upper", upper);
  a.set("k", n.has_input(1) ? const_scalar(im, n, 1, "k") : int64_t{0});
  im.emit1(n, OpType::Trilu, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
}

// OneHot (opset 9/11): indices, depth (a constant: it is the size of the new dim), values [off_value, on_value];
// attribute axis (default -1).
void map_one_hot(Importer& im, const NodeInfo& n) {
  n.check_attributes({"axis"});
  n.expect_inputs(3, 3);
  const int64_t depth = const_scalar(im, n, 1, "depth");
  if (depth < 1) n.fail(concat("depth must be >= 1, got ", depth));
  Attributes a;
  a.set("depth", depth);
  a.set("axis", n.get_int("axis", -1));
  im.emit1(n, OpType::OneHot, n.name(), {im.value(n, 0), im.value(n, 2)}, n.output(0), std::move(a));
}

// EyeLike (opset 9/22): the input's shape (rank 2); attribute dtype (default: the input's type), k. FLOAT16,
// BFLOAT16 and DOUBLE outputs are held as f32 like every value of those types (ones and zeros are exact in all).
void map_eye_like(Importer& im, const NodeInfo& n) {
  n.check_attributes({"dtype", "k"});
  n.expect_inputs(1, 1);
  const Symbol& x = im.in(n, 0);
  int32_t onnx_type = 0;
  if (n.has_attr("dtype"))
    onnx_type = static_cast<int32_t>(n.get_int("dtype", 0));
  else if (x.is_constant())
    onnx_type = x.constant->type;
  DType dtype = x.is_constant() ? DType::Undefined : x.dtype;
  int32_t held_type = n.has_attr("dtype") || x.is_constant() ? 0 : x.held_type;
  if (onnx_type != 0) {
    dtype = vigil_dtype(onnx_type);
    if (onnx_type == static_cast<int32_t>(DataType::Float16) || onnx_type == static_cast<int32_t>(DataType::BFloat16) ||
        onnx_type == static_cast<int32_t>(DataType::Double)) {
      dtype = DType::F32;
      held_type = onnx_type;
    }
  }
  if (dtype == DType::Undefined)
    n.fail(concat("cannot make an EyeLike of ", data_type_name(onnx_type),
                  ": vigil computes FLOAT, INT64, INT32, INT8, UINT8 and BOOL (FLOAT16, BFLOAT16, DOUBLE as FLOAT)"));
  Attributes a;
  a.set("dtype", static_cast<int64_t>(dtype));
  a.set("k", n.get_int("k", 0));
  im.emit1(n, OpType::EyeLike, n.name(), {im.value(n, 0)}, n.output(0), std::move(a));
  im.set_held_type(n.output(0), held_type);
}

// ReverseSequence (opset 10): X, sequence_lens (constant or run-time INT64); time_axis, batch_axis.
void map_reverse_sequence(Importer& im, const NodeInfo& n) {
  n.check_attributes({"time_axis", "batch_axis"});
  n.expect_inputs(2, 2);
  Attributes a;
  a.set("time_axis", n.get_int("time_axis", 0));
  a.set("batch_axis", n.get_int("batch_axis", 1));
  im.emit1(n, OpType::ReverseSequence, n.name(), {im.value(n, 0), im.value(n, 1)}, n.output(0), std::move(a));
}

}  // namespace vigil::onnx
