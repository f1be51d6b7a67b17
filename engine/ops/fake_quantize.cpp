// FakeQuantize: f32 in, f32 out, same shape. ONNX's QuantizeLinear -> DequantizeLinear pair on a run-time
// value (kernels/fake_quantize/fake_quantize.h has the formula). Attributes:
//   scales      floats: one (per-tensor) or one per index of `axis` (per-channel); finite, non-zero;
//   zero_points ints, as many as scales, each in [qmin, qmax];
//   qmin, qmax  ints: the integer type's range (int8: -128, 127; uint8: 0, 255...);
//   axis        int (default 1, negative counts from the end): the channel axis of per-channel scales.
#include "kernels/fake_quantize/fake_quantize.h"

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"
#include "kernels/fake_quantize/fake_quantize_fast.h"

namespace vigil::ops {

namespace {

struct Quantization {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  int32_t qmin = 0, qmax = 0;
  int axis = 0;  // meaningful when scales.size() > 1
};

Quantization parse(const Node& node, const Shape& x) {
  Quantization q;
  q.scales = node.attrs.get_floats("scales", {}, node.label());
  const std::vector<int64_t> zps = node.attrs.get_ints("zero_points", {}, node.label());
  if (q.scales.empty()) fail_node(node, "attribute 'scales' is required (one value, or one per channel)");
  if (zps.size() != q.scales.size())
    fail_node(node, concat("'zero_points' has ", zps.size(), " values but 'scales' has ", q.scales.size()));
  if (!node.attrs.has("qmin") || !node.attrs.has("qmax")) fail_node(node, "attributes 'qmin' and 'qmax' are required");
  const int64_t qmin = node.attrs.get_int("qmin", 0, node.label());
  const int64_t qmax = node.attrs.get_int("qmax", 0, node.label());
  constexpr int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  if (qmin > qmax || qmin < lo || qmax > hi)
    fail_node(node, concat("the integer range [", qmin, ", ", qmax, "] is empty or wider than int32"));
  q.qmin = static_cast<int32_t>(qmin);
  q.qmax = static_cast<int32_t>(qmax);
  for (size_t c = 0; c < q.scales.size(); ++c) {
    if (!std::isfinite(q.scales[c]) || q.scales[c] == 0.0f)
      fail_node(node, concat("scale ", q.scales[c], " (index ", c, ") must be finite and non-zero"));
    if (zps[c] < qmin || zps[c] > qmax)
      fail_node(node, concat("zero point ", zps[c], " (index ", c, ") is outside [", qmin, ", ", qmax, "]"));
    q.zero_points.push_back(static_cast<int32_t>(zps[c]));
  }
  if (q.scales.size() > 1) {
    const int64_t axis = node.attrs.get_int("axis", 1, node.label());
    if (axis < -x.rank || axis >= x.rank)
      fail_node(node, concat("axis ", axis, " is out of range for input shape ", x.str()));
    q.axis = static_cast<int>(axis < 0 ? axis + x.rank : axis);
    if (x[q.axis] != static_cast<int64_t>(q.scales.size()))
      fail_node(node, concat(q.scales.size(), " per-channel scales but axis ", q.axis, " of input shape ", x.str(),
                             " has length ", x[q.axis]));
  }
  return q;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  parse(node, in[0].shape);
  out[0] = in[0];
}

// The reference path runs fake_quantize_reference; the others fake_quantize_fast (bit-identical), the
// elements split over the threads in chunks of 64.
class FakeQuantizeKernel final : public OpKernel {
 public:
  FakeQuantizeKernel(Quantization q, const Shape& x, std::optional<kernels::KernelIsa> isa)
      : q_(std::move(q)), isa_(isa) {
    p_.scales = q_.scales.data();
    p_.zero_points = q_.zero_points.data();
    p_.qmin = q_.qmin;
    p_.qmax = q_.qmax;
    if (q_.scales.size() > 1) {
      for (int d = 0; d < q_.axis; ++d) p_.outer *= x[d];
      p_.channels = x[q_.axis];
      for (int d = q_.axis + 1; d < x.rank; ++d) p_.inner *= x[d];
    } else {
      p_.inner = x.numel();
    }
    if (isa_ && !kernels::fake_quantize_fast_supported(p_)) isa_.reset();
  }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    if (!isa_) {
      kernels::fake_quantize_reference(p_, in[0].f32(), out[0].f32());
      return;
    }
    const float* x = in[0].f32();
    float* y = out[0].f32();
    parallel_elements(*rc.pool, in[0].numel(),
                      [&](int64_t begin, int64_t end) { kernels::fake_quantize_fast(*isa_, p_, x, y, begin, end); });
  }

 private:
  Quantization q_;  // owns what p_ points to
  kernels::FakeQuantizeParams p_;
  std::optional<kernels::KernelIsa> isa_;  // nullopt: the reference kernel
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<FakeQuantizeKernel>(parse(ctx.node, ctx.inputs[0].shape), ctx.inputs[0].shape,
                                              kernel_isa(ctx.path));
}

double flops(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return 2.0 * static_cast<double>(out[0].shape.numel());  // a division and a multiplication per element
}

}  // namespace

const OpDef kFakeQuantizeOp{OpType::FakeQuantize, infer, bind, flops};

}  // namespace vigil::ops
