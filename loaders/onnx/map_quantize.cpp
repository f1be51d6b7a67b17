#include "loaders/onnx/map_quantize.h"

#include <cmath>

#include "engine/error.h"
#include "kernels/fake_quantize/fake_quantize.h"

namespace vigil::onnx {

namespace {

using Params = QuantizationImporter::Params;

// The integer types vigil quantizes to, with their ranges. INT32 only as DequantizeLinear's input (biases).
bool integer_range(int32_t type, bool quantize, int64_t& qmin, int64_t& qmax) {
  switch (static_cast<DataType>(type)) {
    case DataType::Int8:
      qmin = -128, qmax = 127;
      return true;
    case DataType::Uint8:
      qmin = 0, qmax = 255;
      return true;
    case DataType::Int16:
      qmin = -32768, qmax = 32767;
      return true;
    case DataType::Uint16:
      qmin = 0, qmax = 65535;
      return true;
    case DataType::Int32:
      qmin = -2147483648LL, qmax = 2147483647LL;
      return !quantize;
    default:
      return false;
  }
}

// Scale, zero point and attributes of a QuantizeLinear (quantize) or DequantizeLinear node whose data
// input has dims `x_dims`; `x_type` is the integer type of a DequantizeLinear's input.
Params read_params(const Importer& im, const NodeInfo& n, const std::vector<int64_t>& x_dims, bool quantize,
                   int32_t x_type) {
  if (quantize)
    n.check_attributes({"axis", "block_size", "output_dtype", "precision", "saturate"});
  else
    n.check_attributes({"axis", "block_size", "output_dtype"});
  n.expect_inputs(2, 3);
  const int64_t block_size = n.get_int("block_size", 0);
  if (block_size != 0)
    n.fail(concat("block quantization (block_size ", block_size, ") is not supported; only per-tensor and per-axis"));
  if (quantize) {
    const int64_t precision = n.get_int("precision", 0);
    if (precision != 0 && precision != static_cast<int64_t>(DataType::Float))
      n.fail(concat("precision ", data_type_name(static_cast<int32_t>(precision)),
                    " is not supported; vigil divides in FLOAT"));
  } else {
    const int64_t out_type = n.get_int("output_dtype", 0);
    if (out_type != 0 && out_type != static_cast<int64_t>(DataType::Float))
      n.fail(concat("output_dtype ", data_type_name(static_cast<int32_t>(out_type)),
                    " is not supported; vigil computes FLOAT"));
  }

  Params p;
  const ConstTensor& scale = im.require_const(n, 1, "scale");
  if (!scale.is_float()) n.fail(concat("the scale must be a floating-point tensor, got ", data_type_name(scale.type)));
  const ConstTensor* zero_point = n.has_input(2) ? &im.require_const(n, 2, "zero point") : nullptr;

  // The integer type: DequantizeLinear's input; QuantizeLinear's zero point, else output_dtype, else UINT8.
  if (quantize) {
    const int64_t out_type = n.get_int("output_dtype", 0);
    p.int_type = zero_point      ? zero_point->type
                 : out_type != 0 ? static_cast<int32_t>(out_type)
                                 : static_cast<int32_t>(DataType::Uint8);
    if (zero_point && out_type != 0 && out_type != zero_point->type)
      n.fail(concat("output_dtype ", data_type_name(static_cast<int32_t>(out_type)),
                    " differs from the zero point's type ", data_type_name(zero_point->type)));
  } else {
    p.int_type = x_type;
    if (zero_point && zero_point->type != x_type)
      n.fail(
          concat("the zero point is ", data_type_name(zero_point->type), " but the input is ", data_type_name(x_type)));
  }
  if (!integer_range(p.int_type, quantize, p.qmin, p.qmax))
    n.fail(concat(
        "integer type ", data_type_name(p.int_type), " is not supported; vigil ",
        quantize ? "quantizes to INT8, UINT8, INT16 and UINT16" : "dequantizes INT8, UINT8, INT16, UINT16 and INT32"));

  // Per-tensor (a scalar or one value) or per-axis (a 1-D tensor along `axis`).
  const int64_t count = scale.numel();
  if (scale.rank() > 1)
    n.fail(concat("the scale has shape ", dims_str(scale.dims), "; vigil supports a scalar or a 1-D per-axis scale"));
  if (count < 1) n.fail("the scale is empty");
  if (zero_point && (zero_point->dims != scale.dims))
    n.fail(concat("the zero point has shape ", dims_str(zero_point->dims), " but the scale ", dims_str(scale.dims)));
  if (count > 1) {
    if (n.opset() < 13) n.fail("a per-axis (1-D) scale needs opset 13 or later");
    const int rank = static_cast<int>(x_dims.size());
    if (rank < 1) n.fail("a per-axis scale needs an input of rank >= 1");
    p.axis = normalize_axis(n, n.get_int("axis", 1), rank, "axis");
    if (x_dims[static_cast<size_t>(p.axis)] != count)
      n.fail(concat("the per-axis scale has ", count, " values but axis ", p.axis, " of the input ", dims_str(x_dims),
                    " has length ", x_dims[static_cast<size_t>(p.axis)]));
  }
  for (int64_t c = 0; c < count; ++c) {
    const float s = scale.f[static_cast<size_t>(c)];
    const int64_t z = zero_point ? zero_point->i[static_cast<size_t>(c)] : 0;
    if (!std::isfinite(s) || (quantize && s == 0.0f))
      n.fail(concat("scale ", s, " (index ", c, ") must be finite", quantize ? " and non-zero" : ""));
    p.scales.push_back(s);
    p.zero_points.push_back(z);
  }
  return p;
}

// The channel of flat element k of a tensor with these dims (0 for per-tensor).
struct ChannelOf {
  int64_t channels = 1, inner = 1;
  ChannelOf(const Params& p, const std::vector<int64_t>& dims) {
    if (p.axis < 0) return;
    channels = dims[static_cast<size_t>(p.axis)];
    for (size_t d = static_cast<size_t>(p.axis) + 1; d < dims.size(); ++d) inner *= dims[d];
  }
  size_t operator()(int64_t k) const { return static_cast<size_t>((k / inner) % channels); }
};

}  // namespace

void QuantizationImporter::import(const NodeInfo& n) {
  if (n.op_type() == "QuantizeLinear")
    import_quantize(n);
  else
    import_dequantize(n);
}

// A run-time QuantizeLinear's integer output exists only inside the FakeQuantize vigil makes of it with
// its DequantizeLinear: nothing else may read it.
void QuantizationImporter::check_consumers(const NodeInfo& n) const {
  const std::string& q = n.output(0);
  const std::string why =
      "vigil computes f32 at run time and runs QuantizeLinear only fused with the "
      "DequantizeLinear that reads it (QDQ format)";
  for (const auto& o : graph_.outputs)
    if (o.name == q) n.fail(concat("its integer output '", q, "' is a graph output; ", why));
  for (size_t k = 0; k < graph_.nodes.size(); ++k) {
    if (!live_[k]) continue;
    const NodeProto& c = graph_.nodes[k];
    for (size_t i = 0; i < c.inputs.size(); ++i)
      if (c.inputs[i] == q &&
          (c.op_type != "DequantizeLinear" || i != 0 || !(c.domain.empty() || c.domain == "ai.onnx")))
        n.fail(concat("its integer output '", q, "' is read by ", c.op_type, " node '",
                      c.name.empty() ? c.outputs.empty() ? std::string("?") : c.outputs[0] : c.name, "' (input ", i,
                      "); ", why));
  }
}

void QuantizationImporter::import_quantize(const NodeInfo& n) {
  if (n.num_outputs() != 1) n.fail("QuantizeLinear has one output");
  const Symbol& x = im_.in(n, 0);
  const std::vector<int64_t> dims = im_.dims_of(n, 0);
  const Params p = read_params(im_, n, dims, true, 0);
  const ChannelOf channel(p, dims);
  if (x.is_constant()) {
    const ConstTensor& c = *x.constant;
    if (!c.is_float()) n.fail(concat("the input must be a floating-point tensor, got ", data_type_name(c.type)));
    ConstTensor out = ConstTensor::zeros(p.int_type, c.dims);
    for (int64_t k = 0; k < c.numel(); ++k) {
      const size_t ch = channel(k);
      out.i[static_cast<size_t>(k)] =
          kernels::quantize_value(c.f[static_cast<size_t>(k)], p.scales[ch], static_cast<int32_t>(p.zero_points[ch]),
                                  static_cast<int32_t>(p.qmin), static_cast<int32_t>(p.qmax));
    }
    im_.define_constant(n.output(0), std::move(out));
    return;
  }
  if (x.dtype != DType::F32)
    n.fail(concat("the input '", n.input(0), "' is ", dtype_name(x.dtype), "; vigil quantizes f32 values"));
  check_consumers(n);
  pending_[n.output(0)] = {n.input(0), p, ""};
}

void QuantizationImporter::import_dequantize(const NodeInfo& n) {
  if (n.num_outputs() != 1) n.fail("DequantizeLinear has one output");
  n.expect_inputs(2, 3);
  auto pending = pending_.find(n.input(0));
  if (pending != pending_.end()) {  // the DQ half of a QDQ pair on a run-time value
    PendingQuantize& q = pending->second;
    const Symbol& x = im_.symbol(q.input);
    std::vector<int64_t> dims(x.shape.span().begin(), x.shape.span().end());
    const Params p = read_params(im_, n, dims, false, q.params.int_type);
    if (!(p == q.params))
      n.fail(concat("its scale, zero point or axis differ from those of the QuantizeLinear producing '", n.input(0),
                    "'; vigil runs a QuantizeLinear -> DequantizeLinear pair only when both use the same ones"));
    if (!q.dequantized.empty()) {  // a second DequantizeLinear of the same value computes the same thing
      im_.alias(n.output(0), q.dequantized);
      return;
    }
    Attributes a;
    a.set("scales", p.scales);
    a.set("zero_points", p.zero_points);
    a.set("qmin", p.qmin);
    a.set("qmax", p.qmax);
    if (p.axis >= 0) a.set("axis", static_cast<int64_t>(p.axis));
    im_.emit1(n, OpType::FakeQuantize, n.name(), {im_.value_of_name(q.input, n)}, n.output(0), std::move(a));
    q.dequantized = n.output(0);
    return;
  }
  const Symbol& x = im_.in(n, 0);
  if (!x.is_constant())
    n.fail(concat("its input '", n.input(0), "' is a ", dtype_name(x.dtype),
                  " tensor computed at run time; vigil computes f32 at run time and dequantizes only constants "
                  "(weights) and the outputs of QuantizeLinear (QDQ pairs)"));
  const ConstTensor& c = *x.constant;
  if (c.is_float()) n.fail(concat("the input must be an integer tensor, got ", data_type_name(c.type)));
  const Params p = read_params(im_, n, c.dims, false, c.type);
  const ChannelOf channel(p, c.dims);
  ConstTensor out = ConstTensor::zeros(static_cast<int32_t>(DataType::Float), c.dims);
  for (int64_t k = 0; k < c.numel(); ++k) {
    const size_t ch = channel(k);
    // The spec's order: the integer difference, then one f32 multiplication (as onnxruntime computes it).
    const int64_t centered = c.i[static_cast<size_t>(k)] - p.zero_points[ch];
    out.f[static_cast<size_t>(k)] = static_cast<float>(centered) * p.scales[ch];
  }
  im_.define_constant(n.output(0), std::move(out));
}

}  // namespace vigil::onnx
