#include "engine/ops/conv2d_fast.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/conv2d_gemm/conv2d_gemm.h"

namespace vigil::ops {

namespace {

using kernels::KernelIsa;

// Through conv2d_gemm, which runs the packed GEMM on an implicit im2col view, or for short-K wide convs
// (a network's first layer) the direct kernel on the same packed weights (kernels/conv2d_direct).
class Conv2dPackedKernel final : public OpKernel {
 public:
  Conv2dPackedKernel(const kernels::Conv2dParams& p, KernelIsa isa, const float* weights, int max_threads)
      : p_(p), isa_(isa), max_threads_(max_threads) {
    packed_ = allocate_aligned(static_cast<size_t>(kernels::conv2d_gemm_packed_weights_floats(isa, p)) * sizeof(float));
    kernels::conv2d_gemm_pack_weights(isa, p, weights, reinterpret_cast<float*>(packed_.get()));
  }

  size_t workspace_bytes() const override {
    return static_cast<size_t>(kernels::conv2d_gemm_workspace_bytes(isa_, p_, max_threads_));
  }

  bool accepts_batch_strides() const override { return true; }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    const kernels::GemmThreading threading{pool_parallel_for, rc.pool, rc.pool->size()};
    kernels::Conv2dParams p = p_;
    p.in_image_stride = in[0].batch_stride;
    p.out_image_stride = out[0].batch_stride;
    // The residual (dense: only input 0 and output 0 are ever strided views) is added in the epilogue.
    const float* residual = in.size() > 3 && in[3].present() ? in[3].f32() : nullptr;
    kernels::conv2d_gemm(isa_, p, in[0].f32(), reinterpret_cast<const float*>(packed_.get()), bias, residual,
                         out[0].f32(), rc.workspace, threading);
  }

 private:
  kernels::Conv2dParams p_;
  KernelIsa isa_;
  int max_threads_;
  AlignedBytes packed_;
};

}  // namespace

std::unique_ptr<OpKernel> make_conv2d_packed(const BindContext& ctx, const kernels::Conv2dParams& p) {
  if (!ctx.constants[1] || ctx.constants[1]->dtype() != DType::F32) return nullptr;
  const auto isa = kernel_isa(ctx.path);
  if (!isa) return nullptr;  // the reference path
  return std::make_unique<Conv2dPackedKernel>(p, *isa, ctx.constants[1]->f32(), ctx.max_threads);
}

}  // namespace vigil::ops
