// Conv2d bound to Winograd F(4,3) or F(2,3) (kernels/conv2d_winograd): weights transformed and packed at load.
#include "kernels/conv2d_winograd/conv2d_winograd.h"

#include "engine/ops/conv2d_fast.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/parallel_for_adapter.h"

namespace vigil::ops {

namespace {

class Conv2dWinogradKernel final : public OpKernel {
 public:
  Conv2dWinogradKernel(const kernels::Conv2dParams& p, kernels::KernelIsa isa, kernels::WinogradTile tile,
                       const float* weights, int max_threads)
      : p_(p), isa_(isa), tile_(tile), max_threads_(max_threads) {
    const int64_t floats = kernels::conv2d_winograd_packed_floats(isa, tile, p);
    packed_ = allocate_aligned(static_cast<size_t>(floats) * sizeof(float));
    kernels::conv2d_winograd_pack(isa, tile, p, weights, reinterpret_cast<float*>(packed_.get()));
  }
  size_t workspace_bytes() const override {
    return static_cast<size_t>(kernels::conv2d_winograd_workspace_bytes(isa_, tile_, p_, max_threads_));
  }
  bool accepts_batch_strides() const override { return true; }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    kernels::WinogradThreading threading{pool_parallel_for, rc.pool, rc.pool->size()};
    kernels::Conv2dParams p = kernel_params(p_);
    p.in_image_stride = in[0].batch_stride;
    p.out_image_stride = out[0].batch_stride;
    kernels::conv2d_winograd(isa_, tile_, p, in[0].f32(), reinterpret_cast<const float*>(packed_.get()), bias,
                             out[0].f32(), rc.workspace, threading);
    finish_conv_residual(p_, isa_, in, out[0]);  // the Winograd output transform has no residual operand
  }

 private:
  kernels::Conv2dParams p_;
  kernels::KernelIsa isa_;
  kernels::WinogradTile tile_;
  int max_threads_;
  AlignedBytes packed_;
};

}  // namespace

std::unique_ptr<OpKernel> make_conv2d_winograd(const BindContext& ctx, const kernels::Conv2dParams& p,
                                               kernels::WinogradTile tile) {
  const auto isa = kernel_isa(ctx.path);
  if (!isa || !ctx.constants[1] || !kernels::conv2d_winograd_supported(p)) return nullptr;
  return std::make_unique<Conv2dWinogradKernel>(p, *isa, tile, ctx.constants[1]->f32(), ctx.max_threads);
}

}  // namespace vigil::ops
