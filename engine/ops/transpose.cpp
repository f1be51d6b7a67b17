// Transpose: perm (default: reversed dims) must be a permutation of 0..rank-1; output dim d is input dim
// perm[d]. Any element type, rank up to 6.
#include "kernels/transpose/transpose.h"

#include <vector>

#include "engine/error.h"
#include "engine/ops/kernel_isa.h"
#include "engine/ops/op_defs.h"
#include "engine/ops/parallel_for_adapter.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

static_assert(kernels::kTransposeMaxRank == kMaxRank);

kernels::TransposeParams transpose_params(const Node& node, const TensorInfo& input) {
  const Shape& s = input.shape;
  kernels::TransposeParams p;
  p.rank = s.rank;
  p.elem_size = dtype_size(input.dtype);
  for (int d = 0; d < s.rank; ++d) p.in_dims[d] = s[d];
  if (!node.attrs.has("perm")) {
    for (int d = 0; d < s.rank; ++d) p.perm[d] = s.rank - 1 - d;
    return p;
  }
  const std::vector<int64_t> perm = node.attrs.get_ints("perm", {}, node.label());
  if (perm.size() != static_cast<size_t>(s.rank))
    fail_node(node, concat("'perm' has ", perm.size(), " entries but the input shape ", s.str(), " has rank ", s.rank));
  bool used[kMaxRank] = {};
  for (int d = 0; d < s.rank; ++d) {
    const int64_t v = perm[static_cast<size_t>(d)];
    if (v < 0 || v >= s.rank || used[v])
      fail_node(node, concat("'perm' is not a permutation of 0..", s.rank - 1, " (entry ", d, " is ", v, ")"));
    used[v] = true;
    p.perm[d] = static_cast<int>(v);
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::TransposeParams p = transpose_params(node, in[0]);
  Shape s;
  s.rank = p.rank;
  for (int d = 0; d < p.rank; ++d) s[d] = p.in_dims[p.perm[d]];
  out[0] = {in[0].dtype, s};
}

class TransposeKernel final : public OpKernel {
 public:
  explicit TransposeKernel(const kernels::TransposeParams& p) : p_(p) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    // A transpose that only moves size-1 dims keeps the byte order: the memory plan then makes the output
    // a view of the input (engine/value_alias.h).
    if (in[0].data == out[0].data) return;
    kernels::transpose_reference(p_, in[0].data, out[0].data);
  }

 private:
  kernels::TransposeParams p_;
};

// On the optimised paths: typed row copies or 8x8 tiles (transpose_fast), work units split over the threads.
class TransposeFastKernel final : public OpKernel {
 public:
  TransposeFastKernel(const kernels::TransposeParams& p, kernels::KernelIsa isa)
      : p_(p), isa_(isa), units_(kernels::transpose_units(p)) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    if (in[0].data == out[0].data) return;  // a view of the input (see TransposeKernel)
    const void* x = in[0].data;
    void* y = out[0].data;
    if (out[0].numel() < kMinParallelElements)
      kernels::transpose_fast(p_, x, y, 0, units_, isa_);
    else
      rc.pool->parallel_for(units_,
                            [&](int64_t begin, int64_t end) { kernels::transpose_fast(p_, x, y, begin, end, isa_); });
  }

 private:
  kernels::TransposeParams p_;
  kernels::KernelIsa isa_;
  int64_t units_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const kernels::TransposeParams p = transpose_params(ctx.node, ctx.inputs[0]);
  const auto isa = kernel_isa(ctx.path);
  if (isa && kernels::transpose_fast_supported(p)) return std::make_unique<TransposeFastKernel>(p, *isa);
  return std::make_unique<TransposeKernel>(p);
}

}  // namespace

const OpDef kTransposeOp{OpType::Transpose, infer, bind, nullptr};

}  // namespace vigil::ops
