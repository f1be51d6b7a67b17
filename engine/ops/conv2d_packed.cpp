#include "engine/ops/conv2d_fast.h"

#include <vector>

#include "engine/ops/kernel_isa.h"
#include "engine/ops/parallel_for_adapter.h"
#include "kernels/gemm_packed/gemm_packed.h"

namespace vigil::ops {

namespace {

using kernels::KernelIsa;

class Conv2dPackedKernel final : public OpKernel {
 public:
  Conv2dPackedKernel(const kernels::Conv2dParams& p, KernelIsa isa, const float* weights, int max_threads)
      : p_(p), isa_(isa), max_threads_(max_threads) {
    m_ = p.out_channels / p.group;
    k_ = p.in_channels / p.group * p.kernel_h * p.kernel_w;
    n_ = p.out_h * p.out_w;
    direct_ = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
              p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w;
    const int64_t per_group = kernels::gemm_packed_a_floats(isa, m_, k_);
    packed_ = allocate_aligned(static_cast<size_t>(per_group * p.group) * sizeof(float));
    float* dst = reinterpret_cast<float*>(packed_.get());
    for (int64_t g = 0; g < p.group; ++g)
      kernels::gemm_pack_a(isa, m_, k_, weights + g * m_ * k_, k_, dst + g * per_group);
    packed_per_group_ = per_group;
    geometry_ = {p.in_channels / p.group, p.in_h, p.in_w, p.kernel_h, p.kernel_w, p.stride_h, p.stride_w,
                 p.dilation_h, p.dilation_w, p.pad_top, p.pad_left, p.out_h, p.out_w};
  }

  size_t workspace_bytes() const override {
    return static_cast<size_t>(kernels::gemm_packed_workspace_bytes(isa_, m_, n_, k_, max_threads_));
  }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    float* y = out[0].f32();
    const int64_t cg = p_.in_channels / p_.group;
    const float* packed = reinterpret_cast<const float*>(packed_.get());
    kernels::GemmThreading threading{pool_parallel_for, rc.pool, rc.pool->size()};
    for (int64_t n = 0; n < p_.batch; ++n)
      for (int64_t g = 0; g < p_.group; ++g) {
        const float* image = x + (n * p_.in_channels + g * cg) * p_.in_h * p_.in_w;
        kernels::GemmPackedParams gp;
        gp.m = m_;
        gp.n = n_;
        gp.k = k_;
        gp.packed_a = packed + g * packed_per_group_;
        gp.b.data = image;
        gp.b.ld = n_;
        gp.b.im2col = direct_ ? nullptr : &geometry_;
        gp.c = y + (n * p_.out_channels + g * m_) * n_;
        gp.ldc = n_;
        gp.bias = bias ? bias + g * m_ : nullptr;
        gp.activation = p_.activation;
        kernels::gemm_packed(isa_, gp, rc.workspace, threading);
      }
  }

 private:
  kernels::Conv2dParams p_;
  KernelIsa isa_;
  int max_threads_;
  int64_t m_ = 0, n_ = 0, k_ = 0;
  bool direct_ = false;
  AlignedBytes packed_;
  int64_t packed_per_group_ = 0;
  kernels::Im2colGeometry geometry_;
};

}  // namespace

std::unique_ptr<OpKernel> make_conv2d_packed(const BindContext& ctx, const kernels::Conv2dParams& p) {
  if (!ctx.constants[1] || ctx.constants[1]->dtype() != DType::F32) return nullptr;
  const auto isa = kernel_isa(ctx.path);
  if (!isa) return nullptr;  // the reference path
  return std::make_unique<Conv2dPackedKernel>(p, *isa, ctx.constants[1]->f32(), ctx.max_threads);
}

}  // namespace vigil::ops
