// Softmax and LogSoftmax along one axis (ONNX opset-13 semantics): attribute axis (default -1, negative
// counts from the end). Output has the input's shape.
#include <algorithm>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/softmax/softmax_fast.h"

namespace vigil::ops {

namespace {

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  expect_f32(node, in);
  axis_attr(node, in[0].shape);
  out[0] = in[0];
}

// The reference path runs the double reference; the AVX2 / AVX-512 paths the same formulas on double vectors
// (kernels/softmax/softmax_fast.h), outer slices split over the threads when the tensor is large.
class SoftmaxKernel final : public OpKernel {
 public:
  SoftmaxKernel(bool log, int64_t outer, int64_t axis_len, int64_t inner, std::optional<kernels::KernelIsa> isa)
      : log_(log), outer_(outer), axis_len_(axis_len), inner_(inner), isa_(isa) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    float* y = out[0].f32();
    if (!isa_) {
      if (log_)
        kernels::log_softmax_reference(outer_, axis_len_, inner_, x, y);
      else
        kernels::softmax_reference(outer_, axis_len_, inner_, x, y);
      return;
    }
    const int threads = in[0].numel() >= kMinParallelElements ? rc.pool->size() : 1;
    if (outer_ < threads && inner_ > 1 && *isa_ != kernels::KernelIsa::Scalar) {
      // Fewer outer slices than threads (a softmax over one image's channels): split each slice's rows, in
      // whole vectors of 16 (columns of the strided axis, one row per lane).
      const int64_t chunks = (inner_ + 15) / 16, tasks = outer_ * threads;
      rc.pool->parallel_for(tasks, [&](int64_t t_begin, int64_t t_end) {
        for (int64_t t = t_begin; t < t_end; ++t) {
          const int64_t o = t / threads, part = t % threads, slice = o * axis_len_ * inner_;
          const int64_t begin = chunks * part / threads * 16,
                        end = std::min(inner_, chunks * (part + 1) / threads * 16);
          if (begin < end)
            kernels::softmax_fast_columns(*isa_, log_, axis_len_, inner_, x + slice, y + slice, begin, end);
        }
      });
      return;
    }
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t)
        kernels::softmax_fast(*isa_, log_, axis_len_, inner_, x, y, outer_ * t / threads, outer_ * (t + 1) / threads);
    });
  }

 private:
  bool log_;
  int64_t outer_, axis_len_, inner_;
  std::optional<kernels::KernelIsa> isa_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const int axis = axis_attr(ctx.node, x);
  return std::make_unique<SoftmaxKernel>(ctx.node.op == OpType::LogSoftmax, x.numel(0, axis), x[axis],
                                         x.numel(axis + 1, x.rank), kernel_isa(ctx.path));
}

// max, subtract, exp, sum, divide: about 5 operations per element.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo>) {
  return 5.0 * static_cast<double>(in[0].shape.numel());
}

}  // namespace

const OpDef kSoftmaxOp{OpType::Softmax, infer, bind, flops};
const OpDef kLogSoftmaxOp{OpType::LogSoftmax, infer, bind, flops};

}  // namespace vigil::ops
