// Conv2d bound to a kernel whose groups are independent: the depthwise kernels (kernels/depthwise_conv,
// a group per channel) and the grouped kernels (kernels/grouped_conv, groups of up to 8 channels). Each
// thread takes a contiguous range of groups with its own workspace slot and calls the kernel on it, as a
// conv of that many groups from the range's first channels.
#include "engine/ops/conv2d_fast.h"
#include "engine/ops/kernel_isa.h"
#include "engine/thread_pool.h"
#include "kernels/depthwise_conv/depthwise_conv.h"
#include "kernels/grouped_conv/grouped_conv.h"

namespace vigil::ops {

namespace {

// Both kernel families share this signature (DepthwiseConvFn, GroupedConvFn).
using GroupsConvFn = void (*)(const kernels::Conv2dParams& p, const float* x, const float* w, const float* bias,
                              float* y, void* workspace);
using WorkspaceBytesFn = int64_t (*)(const kernels::Conv2dParams& p);

// Kind: Depthwise or Grouped, so that each binding says which kernel family it runs (tests and `vigil info`
// read the type's name).
struct Depthwise {};
struct Grouped {};

template <class Kind>
class Conv2dGroupsKernel final : public OpKernel {
 public:
  Conv2dGroupsKernel(const kernels::Conv2dParams& p, kernels::KernelIsa isa, GroupsConvFn fn,
                     WorkspaceBytesFn workspace_bytes, int max_threads)
      : p_(p), isa_(isa), fn_(fn), max_threads_(max_threads) {
    slot_bytes_ = (static_cast<size_t>(workspace_bytes(p)) + 63) / 64 * 64;
  }
  size_t workspace_bytes() const override { return slot_bytes_ * static_cast<size_t>(max_threads_); }

  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const float* x = in[0].f32();
    const float* w = in[1].f32();
    const float* bias = in.size() > 2 && in[2].present() ? in[2].f32() : nullptr;
    float* y = out[0].f32();
    const int64_t groups = p_.group, cin_g = p_.in_channels / groups, cout_g = p_.out_channels / groups;
    const int64_t in_plane = p_.in_h * p_.in_w, out_plane = p_.out_h * p_.out_w;
    const int64_t w_group = cout_g * cin_g * p_.kernel_h * p_.kernel_w;
    const int threads = rc.pool->size();
    auto* workspace = static_cast<std::byte*>(rc.workspace);
    for (int64_t n = 0; n < p_.batch; ++n) {
      const float* xn = x + n * p_.in_channels * in_plane;
      float* yn = y + n * p_.out_channels * out_plane;
      // One task per thread, each a contiguous group range using workspace slot `t`.
      rc.pool->parallel_for(threads, [&](int64_t t_begin, int64_t t_end) {
        for (int64_t t = t_begin; t < t_end; ++t) {
          const int64_t g0 = groups * t / threads, g1 = groups * (t + 1) / threads;
          if (g0 == g1) continue;
          kernels::Conv2dParams part = kernel_params(p_);
          part.batch = 1;
          part.group = g1 - g0;
          part.in_channels = part.group * cin_g;
          part.out_channels = part.group * cout_g;
          fn_(part, xn + g0 * cin_g * in_plane, w + g0 * w_group, bias ? bias + g0 * cout_g : nullptr,
              yn + g0 * cout_g * out_plane, workspace + static_cast<size_t>(t) * slot_bytes_);
        }
      });
    }
    finish_conv_residual(p_, isa_, in, out[0]);
  }

 private:
  kernels::Conv2dParams p_;
  kernels::KernelIsa isa_;
  GroupsConvFn fn_;
  int max_threads_;
  size_t slot_bytes_ = 0;
};

}  // namespace

std::unique_ptr<OpKernel> make_conv2d_depthwise(const BindContext& ctx, const kernels::Conv2dParams& p) {
  const auto isa = kernel_isa(ctx.path);
  if (!isa || !kernels::depthwise_conv_supported(p)) return nullptr;
  return std::make_unique<Conv2dGroupsKernel<Depthwise>>(p, *isa, kernels::select_depthwise_conv(*isa),
                                                         kernels::depthwise_conv_workspace_bytes, ctx.max_threads);
}

std::unique_ptr<OpKernel> make_conv2d_grouped(const BindContext& ctx, const kernels::Conv2dParams& p) {
  const auto isa = kernel_isa(ctx.path);
  if (!isa || !kernels::grouped_conv_preferred(*isa, p)) return nullptr;
  return std::make_unique<Conv2dGroupsKernel<Grouped>>(p, *isa, kernels::select_grouped_conv(*isa),
                                                       kernels::grouped_conv_workspace_bytes, ctx.max_threads);
}

}  // namespace vigil::ops
