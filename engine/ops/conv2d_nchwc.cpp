// Conv2dNchwc: Conv2d in the blocked channel layout (kernels/nchwc/nchwc_layout.h), made at load by
// use_nchwc_layout for runs of depthwise and pointwise convs. Same attributes and formula as Conv2d, plus
//   block:  b, the lanes per channel block of Y and R (and of X);
//   x_plain: 1 when X is a plain NCHW tensor [N,C,H,W] (the first conv of a run reads it without a reorder;
//           group 1 only); 0 (default) when X is [N,ceil(C/b),H,W,b].
// W [M, C/group, kh, kw] stays in its NCHW form (the kernels pack it at bind); group is 1 or C == M
// (depthwise). Y [N,ceil(M/b),OH,OW,b]; R, when present, has Y's shape.
#include "kernels/nchwc/conv2d_nchwc.h"

#include <algorithm>
#include <cstring>

#include "engine/error.h"
#include "engine/ops/conv2d_fast.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/thread_pool.h"
#include "kernels/nchwc/depthwise_nchwc.h"
#include "kernels/nchwc/nchwc_layout.h"

namespace vigil::ops {

namespace {

// Below this many multiply-adds a conv runs on the calling thread (a pool handoff costs a few microseconds):
// the squeeze-and-excitation convs on one pixel, for instance.
constexpr double kMinParallelMacs = 1 << 18;

struct NchwcConv {
  kernels::Conv2dParams conv;
  int64_t block = 1;
  bool x_plain = false;
  bool depthwise = false;
};

// X's and R's blocked shapes translated to NCHW for conv2d_node_params, which checks everything else.
NchwcConv nchwc_conv_params(const Node& node, std::span<const TensorInfo> in) {
  NchwcConv c;
  c.block = node.attrs.get_int("block", 0, node.label());
  if (c.block < 1 || c.block > kernels::kNchwcMaxBlock)
    fail_node(node, concat("block ", c.block, " must be in 1..", kernels::kNchwcMaxBlock));
  const int64_t x_plain = node.attrs.get_int("x_plain", 0, node.label());
  if (x_plain != 0 && x_plain != 1) fail_node(node, concat("x_plain must be 0 or 1, got ", x_plain));
  c.x_plain = x_plain == 1;
  expect_f32(node, in);
  expect_rank(node, in[1], 4, "weight W");
  const int64_t group = node.attrs.get_int("group", 1, node.label());
  const Shape& w = in[1].shape;
  const int64_t channels = w[1] * group, outputs = w[0];
  std::vector<TensorInfo> nchw(in.begin(), in.end());
  if (!c.x_plain) {
    expect_rank(node, in[0], 5, "input X");
    const Shape& x = in[0].shape;
    if (x[4] != c.block || x[1] != kernels::nchwc_blocks(channels, c.block))
      fail_node(node, concat("input X ", x.str(), " is not ", channels, " channels (weight W ", w.str(), ", group ",
                             group, ") in blocks of ", c.block));
    nchw[0].shape = Shape{x[0], channels, x[2], x[3]};
  }
  if (in.size() > 3 && in[3].present()) {
    expect_rank(node, in[3], 5, "residual R");
    const Shape& r = in[3].shape;
    if (r[4] == c.block && r[1] == kernels::nchwc_blocks(outputs, c.block))
      nchw[3].shape = Shape{r[0], outputs, r[2], r[3]};
  }
  c.conv = conv2d_node_params(node, nchw);
  c.depthwise = group > 1;  // (a 1-channel depthwise conv, group 1, is also a dense one)
  if (group != 1 && !(group == channels && group == outputs))
    fail_node(node, concat("group ", group, " is neither 1 nor depthwise (", channels, " input and ", outputs,
                           " output channels)"));
  if (c.x_plain && group != 1) fail_node(node, "x_plain = 1 needs group 1");
  return c;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const NchwcConv c = nchwc_conv_params(node, in);
  out[0] = {DType::F32, Shape{c.conv.batch, kernels::nchwc_blocks(c.conv.out_channels, c.block), c.conv.out_h,
                              c.conv.out_w, c.block}};
}

class Conv2dNchwcKernel final : public OpKernel {
 public:
  Conv2dNchwcKernel(const NchwcConv& c, kernels::KernelIsa isa, AlignedBytes packed)
      : c_(c), isa_(isa), packed_(std::move(packed)) {
    const double macs = static_cast<double>(c.conv.batch * c.conv.out_channels * c.conv.out_h * c.conv.out_w) *
                        static_cast<double>(c.depthwise ? 1 : c.conv.in_channels) *
                        static_cast<double>(c.conv.kernel_h * c.conv.kernel_w);
    parallel_ = macs >= kMinParallelMacs;
    rows_ = c.depthwise ? kernels::depthwise_nchwc_rows(depthwise()) : kernels::conv2d_nchwc_rows(dense());
  }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    const float* r = in.size() > 3 && in[3].present() ? in[3].f32() : nullptr;
    float* y = out[0].f32();
    const auto* packed = reinterpret_cast<const float*>(packed_.get());
    const int threads = parallel_ ? rc.pool->size() : 1;
    const auto compute = [&](int64_t r0, int64_t r1) {
      if (c_.depthwise)
        kernels::depthwise_nchwc(isa_, depthwise(), x, packed, r, y, r0, r1);
      else
        kernels::conv2d_nchwc(isa_, dense(), x, packed, r, y, r0, r1);
    };
    // Rows are (n, output block, oh). A dense conv with few output blocks per thread splits each block's rows
    // instead, so that every thread reads only its part of X: split by blocks, MobileNetV2's 96 -> 24
    // projection (two blocks at 56x56) had each thread read all of X and ran slower on 2 threads than on 1.
    const int64_t planes = rows_ / c_.conv.out_h;
    const bool by_rows = threads > 1 && !c_.depthwise && planes < 4 * threads && c_.conv.out_h >= threads;
    rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
      for (int64_t t = t_begin; t < t_end; ++t) {
        if (by_rows) {
          const int64_t oh0 = c_.conv.out_h * t / threads, oh1 = c_.conv.out_h * (t + 1) / threads;
          for (int64_t plane = 0; plane < planes; ++plane)
            if (oh0 < oh1) compute(plane * c_.conv.out_h + oh0, plane * c_.conv.out_h + oh1);
          continue;
        }
        const int64_t r0 = rows_ * t / threads, r1 = rows_ * (t + 1) / threads;
        if (r0 < r1) compute(r0, r1);
      }
    });
  }

 private:
  kernels::Conv2dNchwcParams dense() const { return {c_.conv, c_.block, c_.x_plain}; }
  kernels::DepthwiseNchwcParams depthwise() const { return {c_.conv, c_.block}; }

  NchwcConv c_;
  kernels::KernelIsa isa_;
  AlignedBytes packed_;
  bool parallel_ = false;
  int64_t rows_ = 0;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const NchwcConv c = nchwc_conv_params(ctx.node, ctx.inputs);
  const Tensor* w = ctx.constants[1];
  const bool has_bias = ctx.inputs.size() > 2 && ctx.inputs[2].present();
  const Tensor* b = has_bias ? ctx.constants[2] : nullptr;
  if (!w || (has_bias && !b)) fail_node(ctx.node, "needs constant weights and bias (the layout pass only moves those)");
  // A block that is not the path's own vector width runs the plain loops (the supported() checks below).
  kernels::KernelIsa isa = kernel_isa(ctx.path).value_or(kernels::KernelIsa::Scalar);
  const float* bias = b ? b->view().f32() : nullptr;
  AlignedBytes packed;
  if (c.depthwise) {
    const kernels::DepthwiseNchwcParams p{c.conv, c.block};
    if (!kernels::depthwise_nchwc_supported(isa, p)) isa = kernels::KernelIsa::Scalar;
    packed = allocate_aligned(static_cast<size_t>(kernels::depthwise_nchwc_packed_floats(p)) * sizeof(float));
    kernels::depthwise_nchwc_pack(p, w->view().f32(), bias, reinterpret_cast<float*>(packed.get()));
  } else {
    const kernels::Conv2dNchwcParams p{c.conv, c.block, c.x_plain};
    if (!kernels::conv2d_nchwc_supported(isa, p)) isa = kernels::KernelIsa::Scalar;
    packed = allocate_aligned(static_cast<size_t>(kernels::conv2d_nchwc_packed_floats(p)) * sizeof(float));
    kernels::conv2d_nchwc_pack(p, w->view().f32(), bias, reinterpret_cast<float*>(packed.get()));
  }
  return std::make_unique<Conv2dNchwcKernel>(c, isa, std::move(packed));
}

// As Conv2d: 2 * N * M * OH * OW * (C/group) * kh * kw.
double flops(const Node&, std::span<const TensorInfo> in, std::span<const TensorInfo> out) {
  const Shape& w = in[1].shape;
  const Shape& y = out[0].shape;
  return 2.0 * static_cast<double>(y[0] * w[0] * y[2] * y[3]) * static_cast<double>(w[1] * w[2] * w[3]);
}

}  // namespace

const OpDef kConv2dNchwcOp{OpType::Conv2dNchwc, infer, bind, flops};

}  // namespace vigil::ops
