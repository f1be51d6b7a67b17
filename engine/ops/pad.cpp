// Pad: attributes pads (2*rank ints, all begins then all ends, ONNX order; a negative pad crops), mode
// (constant | reflect | edge | wrap, default constant) and value (float, default 0; constant mode only).
// Cropping happens before padding, as in onnxruntime, so edge/reflect/wrap read only the cropped part and
// reflect pads must be smaller than the cropped axis (onnxruntime's rule). Any element type: a constant is
// converted to the element type and must be exactly representable there.
#include "kernels/pad/pad.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/float16/float16.h"

namespace vigil::ops {

namespace {

static_assert(kernels::kPadMaxRank == kMaxRank);

// Larger pads could overflow the shape arithmetic; no valid output (at most 2^32 elements) needs them.
constexpr int64_t kMaxPad = int64_t{1} << 32;

kernels::PadMode pad_mode(const Node& node) {
  const std::string mode = node.attrs.get_string("mode", "constant", node.label());
  if (mode == "constant") return kernels::PadMode::Constant;
  if (mode == "reflect") return kernels::PadMode::Reflect;
  if (mode == "edge") return kernels::PadMode::Edge;
  if (mode == "wrap") return kernels::PadMode::Wrap;
  fail_node(node, concat("mode '", mode, "' is not one of constant, reflect, edge, wrap"));
}

template <typename T>
void store(unsigned char* bytes, T v) {
  std::memcpy(bytes, &v, sizeof v);
}

// The constant's bytes in the element type; a value the type cannot hold exactly is an error rather than
// a silent rounding.
void fill_value(const Node& node, DType dtype, float value, unsigned char* bytes) {
  const double v = value;
  // An integer in [lo, end): `end` exclusive, since 2^63 - 1 has no double of its own (it rounds to 2^63).
  auto integral_in = [&](double lo, double end) {
    if (!(std::isfinite(v) && std::trunc(v) == v && v >= lo && v < end))
      fail_node(node, concat("value ", value, " cannot be represented exactly in the ", dtype_name(dtype), " input"));
  };
  switch (dtype) {
    case DType::F32:
      store(bytes, value);
      return;
    case DType::I64:
      integral_in(-9223372036854775808.0, 9223372036854775808.0);
      store(bytes, static_cast<int64_t>(v));
      return;
    case DType::I32:
      integral_in(-2147483648.0, 2147483648.0);
      store(bytes, static_cast<int32_t>(v));
      return;
    case DType::I8:
      integral_in(-128, 128);
      store(bytes, static_cast<int8_t>(v));
      return;
    case DType::U8:
      integral_in(0, 256);
      store(bytes, static_cast<uint8_t>(v));
      return;
    case DType::Bool:
      integral_in(0, 2);
      store(bytes, static_cast<uint8_t>(v));
      return;
    case DType::F16:
      if (!std::isnan(value) && kernels::round_to_f16(value) != value)
        fail_node(node, concat("value ", value, " cannot be represented exactly in the f16 input"));
      store(bytes, kernels::f32_to_f16_bits(value));
      return;
    case DType::BF16:
      if (!std::isnan(value) && kernels::round_to_bf16(value) != value)
        fail_node(node, concat("value ", value, " cannot be represented exactly in the bf16 input"));
      store(bytes, kernels::f32_to_bf16_bits(value));
      return;
    case DType::F64:
      store(bytes, static_cast<double>(value));
      return;
    case DType::Undefined:
      break;
  }
  fail_node(node, concat("cannot pad an input of dtype ", dtype_name(dtype)));
}

kernels::PadParams pad_params(const Node& node, const TensorInfo& input) {
  const Shape& s = input.shape;
  kernels::PadParams p;
  p.rank = s.rank;
  p.elem_size = dtype_size(input.dtype);
  p.mode = pad_mode(node);
  if (s.rank == 0) fail_node(node, "cannot pad a scalar (rank-0 input)");
  if (!node.attrs.has("pads")) fail_node(node, "attribute 'pads' is required");
  const std::vector<int64_t> pads = node.attrs.get_ints("pads", {}, node.label());
  if (pads.size() != 2 * static_cast<size_t>(s.rank))
    fail_node(node, concat("'pads' has ", pads.size(), " values but the input shape ", s.str(), " of rank ", s.rank,
                           " needs ", 2 * s.rank, " (all begins, then all ends)"));
  const float value = node.attrs.get_float("value", 0.0f, node.label());
  if (p.mode == kernels::PadMode::Constant) fill_value(node, input.dtype, value, p.value);
  const char* mode_name = p.mode == kernels::PadMode::Constant  ? "constant"
                          : p.mode == kernels::PadMode::Reflect ? "reflect"
                          : p.mode == kernels::PadMode::Edge    ? "edge"
                                                                : "wrap";
  for (int d = 0; d < s.rank; ++d) {
    const int64_t begin = pads[static_cast<size_t>(d)], end = pads[static_cast<size_t>(d + s.rank)];
    const std::string where =
        concat("axis ", d, " of input shape ", s.str(), " with pads ", begin, " (begin) and ", end, " (end)");
    if (begin < -kMaxPad || begin > kMaxPad || end < -kMaxPad || end > kMaxPad)
      fail_node(node, concat(where, ": a pad is out of range"));
    p.in_dims[d] = s[d];
    p.pads_begin[d] = begin;
    p.pads_end[d] = end;
    const int64_t out = s[d] + begin + end;
    const int64_t extent = s[d] - (begin < 0 ? -begin : 0) - (end < 0 ? -end : 0);  // after cropping
    if (out <= 0)
      fail_node(node, concat(where, ": the output would have length ", out, " (vigil has no empty tensors)"));
    if (extent < 0) fail_node(node, concat(where, ": the negative pads crop more than the axis holds"));
    if (extent == 0 && p.mode != kernels::PadMode::Constant)
      fail_node(node, concat(where, ": mode '", mode_name, "' needs at least one element left after cropping"));
    if (p.mode == kernels::PadMode::Reflect && (begin >= extent || end >= extent))
      fail_node(node, concat(where, ": reflect padding must be smaller than the axis length ", extent,
                             (extent != s[d] ? " (after cropping)" : ""), ", as in onnxruntime"));
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::PadParams p = pad_params(node, in[0]);
  Shape s;
  s.rank = p.rank;
  for (int d = 0; d < p.rank; ++d) s[d] = kernels::pad_out_dim(p, d);
  out[0] = {in[0].dtype, s};
}

class PadKernel final : public OpKernel {
 public:
  PadKernel(const kernels::PadParams& p, bool reference) : p_(p), reference_(reference) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    if (reference_) {
      kernels::pad_reference(p_, in[0].data, out[0].data);
      return;
    }
    // Output rows split evenly over the threads (a row is a memcpy plus its short pads, so rows cost alike).
    const int64_t rows = kernels::pad_rows_count(p_);
    const int threads = out[0].shape.numel() >= kMinParallelElements ? rc.pool->size() : 1;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::pad_rows(p_, in[0].data, out[0].data, rows * t / threads, rows * (t + 1) / threads);
    });
  }

 private:
  kernels::PadParams p_;
  bool reference_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<PadKernel>(pad_params(ctx.node, ctx.inputs[0]), ctx.path == KernelPath::Reference);
}

}  // namespace

const OpDef kPadOp{OpType::Pad, infer, bind, nullptr};

}  // namespace vigil::ops
