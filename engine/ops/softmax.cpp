// Softmax and LogSoftmax along one axis (ONNX opset-13 semantics): attribute axis (default -1, negative
// counts from the end). Output has the input's shape.
#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "kernels/softmax/softmax.h"

namespace vigil::ops {

namespace {

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  axis_attr(node, in[0].shape);
  out[0] = in[0];
}

class SoftmaxKernel final : public OpKernel {
 public:
  SoftmaxKernel(bool log, int64_t outer, int64_t axis_len, int64_t inner)
      : log_(log), outer_(outer), axis_len_(axis_len), inner_(inner) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    if (log_)
      kernels::log_softmax_reference(outer_, axis_len_, inner_, in[0].f32(), out[0].f32());
    else
      kernels::softmax_reference(outer_, axis_len_, inner_, in[0].f32(), out[0].f32());
  }

 private:
  bool log_;
  int64_t outer_, axis_len_, inner_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const int axis = axis_attr(ctx.node, x);
  return std::make_unique<SoftmaxKernel>(ctx.node.op == OpType::LogSoftmax, x.numel(0, axis), x[axis],
                                         x.numel(axis + 1, x.rank));
}

// max, subtract, exp, sum, divide: about 5 operations per element.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return 5.0 * static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kSoftmaxOp{OpType::Softmax, infer, bind, flops};
const OpDef kLogSoftmaxOp{OpType::LogSoftmax, infer, bind, flops};

}  // namespace vigil::ops
