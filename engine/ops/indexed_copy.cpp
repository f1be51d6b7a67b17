// GatherElements, GatherND, ScatterND and ScatterElements with constant indices (i32 or i64; negative ones count
// from the end): the element offsets are worked out at load (kernels/indexed_copy), where an index out of range is
// an error naming the node, so run() only moves values and cannot go out of bounds.
//   GatherElements: data, indices (same rank; each dim but `axis` at most data's); attribute axis (default 0).
//     Output: indices' shape; out[i..] = data[i.. with the axis coordinate replaced by indices[i..]]. Its indices
//     may also be computed at run time (torch.gather after a topk): the offsets without the axis term are worked
//     out at load, and an index out of range at run time gives 0 (never a read outside data).
//   ScatterND: data, indices [.., k] (k <= rank of data), updates (indices' shape without its last dim, then
//     data's dims from k on); attribute reduction (none | add | mul | max | min). Output: data's shape.
//   GatherND: data (any run-time dtype), indices [.., k]; attribute batch_dims b (default 0): the first b dims of
//     indices and data are equal and walked together, each index tuple addresses data's dims b..b+k-1. Output:
//     indices' shape without its last dim, then data's dims from b+k on; data's dtype.
//   ScatterElements: data, indices (same rank; each dim but `axis` at most data's), updates (indices' shape);
//     attributes axis (default 0), reduction (as ScatterND). Each update goes to its own coordinates with the
//     axis coordinate replaced by its index, in row-major order of updates. Output: data's shape.
#include "kernels/indexed_copy/indexed_copy.h"

#include <vector>

#include "engine/error.h"
#include "engine/ops/elem_type_of.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

// any_data: data of any dtype (its elements are only copied), else f32.
void expect_indices(const Node& node, std::span<const TensorInfo> in, bool any_data = false) {
  if (!any_data && in[0].dtype != DType::F32)
    fail_node(node, concat("data is ", dtype_name(in[0].dtype), ", expected f32"));
  if (in[1].dtype != DType::I32 && in[1].dtype != DType::I64)
    fail_node(node, concat("indices are ", dtype_name(in[1].dtype), ", expected i32 or i64"));
}

// Index k of a constant i32/i64 tensor.
int64_t index_at(const Tensor& t, int64_t k) {
  return t.dtype() == DType::I32 ? static_cast<const int32_t*>(t.data())[k] : t.i64()[k];
}

int64_t checked_index(const Node& node, int64_t v, int64_t dim, int axis) {
  if (v < -dim || v >= dim) fail_node(node, concat("index ", v, " is outside [", -dim, ", ", dim, ") on axis ", axis));
  return v < 0 ? v + dim : v;
}

// GatherElements / ScatterElements: each element of indices (whose coordinates are x's on every axis but `axis`)
// as its offset in x with the axis coordinate left 0; the index then adds index * x.numel(axis + 1, rank).
std::vector<int64_t> offsets_off_axis(const Shape& x, const Shape& idx, int axis) {
  std::vector<int64_t> base(static_cast<size_t>(idx.numel()));
  std::vector<int64_t> coord(static_cast<size_t>(idx.rank), 0);
  for (int64_t i = 0; i < idx.numel(); ++i) {
    int64_t offset = 0;
    for (int d = 0; d < x.rank; ++d) offset = offset * x[d] + (d == axis ? 0 : coord[size_t(d)]);
    base[static_cast<size_t>(i)] = offset;
    for (int d = idx.rank - 1; d >= 0 && ++coord[size_t(d)] == idx[d]; --d) coord[size_t(d)] = 0;
  }
  return base;
}

// Constant indices: base + the checked index times the axis' stride.
std::vector<int64_t> offsets_with_axis(const Node& node, const Shape& x, const Tensor& indices, int axis) {
  std::vector<int64_t> offsets = offsets_off_axis(x, indices.shape(), axis);
  const int64_t stride = x.numel(axis + 1, x.rank);
  for (size_t i = 0; i < offsets.size(); ++i)
    offsets[i] += checked_index(node, index_at(indices, static_cast<int64_t>(i)), x[axis], axis) * stride;
  return offsets;
}

// ---- GatherElements ----

int gather_axis(const Node& node, std::span<const TensorInfo> in, bool any_data = false) {
  expect_indices(node, in, any_data);
  const Shape &x = in[0].shape, &idx = in[1].shape;
  if (x.rank < 1) fail_node(node, "data is a scalar");
  if (idx.rank != x.rank) fail_node(node, concat("indices ", idx.str(), " must have the rank of data ", x.str()));
  const int64_t axis = node.attrs.get_int("axis", 0, node.label());
  if (axis < -x.rank || axis >= x.rank) fail_node(node, concat("axis ", axis, " is out of range for data ", x.str()));
  const int a = static_cast<int>(axis < 0 ? axis + x.rank : axis);
  for (int d = 0; d < x.rank; ++d)
    if (d != a && idx[d] > x[d])
      fail_node(node, concat("indices ", idx.str(), " are larger than data ", x.str(), " on axis ", d));
  return a;
}

void infer_gather(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  gather_axis(node, in);
  out[0] = {DType::F32, in[1].shape};
}

class GatherOffsetsKernel final : public OpKernel {
 public:
  explicit GatherOffsetsKernel(std::vector<int64_t> source) : source_(std::move(source)) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::gather_offsets_reference(source_.data(), static_cast<int64_t>(source_.size()), in[0].f32(), out[0].f32());
  }

 private:
  std::vector<int64_t> source_;
};

// Run-time indices: each output's offset without the axis term is worked out at load; run() adds index * the
// axis' stride, or writes 0 for an index out of range.
class GatherElementsRuntimeKernel final : public OpKernel {
 public:
  GatherElementsRuntimeKernel(std::vector<int64_t> base, bool indices_i32, int64_t axis_size, int64_t axis_stride)
      : base_(std::move(base)), indices_i32_(indices_i32), axis_size_(axis_size), axis_stride_(axis_stride) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::gather_elements_runtime_reference(base_.data(), static_cast<int64_t>(base_.size()), in[1].data,
                                               indices_i32_, axis_size_, axis_stride_, in[0].f32(), out[0].f32());
  }

 private:
  std::vector<int64_t> base_;
  bool indices_i32_;
  int64_t axis_size_, axis_stride_;
};

std::unique_ptr<OpKernel> bind_gather(const BindContext& ctx) {
  const int axis = gather_axis(ctx.node, ctx.inputs);
  const Tensor* indices = ctx.constants[1];
  const Shape &x = ctx.inputs[0].shape, &idx = ctx.inputs[1].shape;
  if (!indices)
    return std::make_unique<GatherElementsRuntimeKernel>(
        offsets_off_axis(x, idx, axis), ctx.inputs[1].dtype == DType::I32, x[axis], x.numel(axis + 1, x.rank));
  return std::make_unique<GatherOffsetsKernel>(offsets_with_axis(ctx.node, x, *indices, axis));
}

// ---- ScatterND ----

kernels::ScatterReduction reduction_attr(const Node& node) {
  const std::string r = node.attrs.get_string("reduction", "none", node.label());
  if (r == "none") return kernels::ScatterReduction::None;
  if (r == "add") return kernels::ScatterReduction::Add;
  if (r == "mul") return kernels::ScatterReduction::Mul;
  if (r == "max") return kernels::ScatterReduction::Max;
  if (r == "min") return kernels::ScatterReduction::Min;
  fail_node(node, concat("reduction must be none, add, mul, max or min, got '", r, "'"));
}

kernels::ScatterReduction scatter_plan(const Node& node, std::span<const TensorInfo> in) {
  expect_indices(node, in);
  if (in[2].dtype != DType::F32) fail_node(node, concat("updates are ", dtype_name(in[2].dtype), ", expected f32"));
  const Shape &x = in[0].shape, &idx = in[1].shape, &u = in[2].shape;
  if (x.rank < 1 || idx.rank < 1) fail_node(node, "data and indices must have rank >= 1");
  const int64_t k = idx[idx.rank - 1];
  if (k < 1 || k > x.rank)
    fail_node(node,
              concat("the last dim of indices ", idx.str(), " must be in [1, ", x.rank, "] (data ", x.str(), ")"));
  Shape want;
  for (int d = 0; d < idx.rank - 1; ++d) want.dims[size_t(want.rank++)] = idx[d];
  for (int d = static_cast<int>(k); d < x.rank; ++d) want.dims[size_t(want.rank++)] = x[d];
  if (want.rank > kMaxRank || !(u == want))
    fail_node(node, concat("updates must have shape ", want.str(), " (indices ", idx.str(), ", data ", x.str(),
                           "), got ", u.str()));
  return reduction_attr(node);
}

void infer_scatter(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  scatter_plan(node, in);
  out[0] = in[0];
}

class ScatterSlicesKernel final : public OpKernel {
 public:
  ScatterSlicesKernel(kernels::ScatterReduction r, std::vector<int64_t> target, int64_t slice_len)
      : r_(r), target_(std::move(target)), slice_len_(slice_len) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::scatter_slices_reference(r_, in[0].f32(), in[0].numel(), target_.data(),
                                      static_cast<int64_t>(target_.size()), slice_len_, in[2].f32(), out[0].f32());
  }

 private:
  kernels::ScatterReduction r_;
  std::vector<int64_t> target_;
  int64_t slice_len_;
};

std::unique_ptr<OpKernel> bind_scatter(const BindContext& ctx) {
  const kernels::ScatterReduction r = scatter_plan(ctx.node, ctx.inputs);
  const Tensor* indices = ctx.constants[1];
  if (!indices) fail_node(ctx.node, "indices must be a constant (known at load)");
  const Shape &x = ctx.inputs[0].shape, &idx = ctx.inputs[1].shape;
  const int k = static_cast<int>(idx[idx.rank - 1]);
  const int64_t slices = idx.numel() / k, slice_len = x.numel(k, x.rank);
  std::vector<int64_t> target(static_cast<size_t>(slices));
  for (int64_t s = 0; s < slices; ++s) {
    int64_t offset = 0;
    for (int d = 0; d < k; ++d)
      offset = offset * x[d] + checked_index(ctx.node, index_at(*indices, s * k + d), x[d], d);
    target[static_cast<size_t>(s)] = offset * slice_len;
  }
  return std::make_unique<ScatterSlicesKernel>(r, std::move(target), slice_len);
}

// ---- GatherND ----

struct GatherNdPlan {
  int batch_dims = 0;
  int k = 0;  // indices' last dim: how many dims of data each index tuple addresses
  Shape out;
};

GatherNdPlan gather_nd_plan(const Node& node, std::span<const TensorInfo> in) {
  if (!elem_type_of(in[0].dtype))
    fail_node(node, concat("data is ", dtype_name(in[0].dtype), ", expected f32, i64, i32, i8, u8 or bool"));
  if (in[1].dtype != DType::I32 && in[1].dtype != DType::I64)
    fail_node(node, concat("indices are ", dtype_name(in[1].dtype), ", expected i32 or i64"));
  const Shape &x = in[0].shape, &idx = in[1].shape;
  if (x.rank < 1 || idx.rank < 1)
    fail_node(node, concat("data ", x.str(), " and indices ", idx.str(), " must have rank >= 1"));
  GatherNdPlan p;
  const int64_t b = node.attrs.get_int("batch_dims", 0, node.label());
  if (b < 0 || b >= std::min(x.rank, idx.rank))
    fail_node(node, concat("batch_dims ", b, " must be in [0, ", std::min(x.rank, idx.rank), ") for data ", x.str(),
                           " and indices ", idx.str()));
  p.batch_dims = static_cast<int>(b);
  for (int d = 0; d < p.batch_dims; ++d)
    if (x[d] != idx[d])
      fail_node(node, concat("the batch dims of data ", x.str(), " and indices ", idx.str(), " differ at dim ", d));
  const int64_t k = idx[idx.rank - 1];
  if (k < 1 || k > x.rank - b)
    fail_node(node, concat("the last dim of indices ", idx.str(), " must be in [1, ", x.rank - b, "] (data ", x.str(),
                           ", batch_dims ", b, ")"));
  p.k = static_cast<int>(k);
  for (int d = 0; d < idx.rank - 1; ++d) p.out.dims[size_t(p.out.rank++)] = idx[d];
  for (int d = p.batch_dims + p.k; d < x.rank; ++d) {
    if (p.out.rank == kMaxRank) fail_node(node, concat("the output would have rank > ", kMaxRank));
    p.out.dims[size_t(p.out.rank++)] = x[d];
  }
  return p;
}

void infer_gather_nd(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {in[0].dtype, gather_nd_plan(node, in).out};
}

class GatherSlicesKernel final : public OpKernel {
 public:
  GatherSlicesKernel(std::vector<int64_t> source, int64_t slice_len, size_t elem_bytes)
      : source_(std::move(source)), slice_len_(slice_len), elem_bytes_(elem_bytes) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    kernels::gather_slices_reference(source_.data(), static_cast<int64_t>(source_.size()), slice_len_, elem_bytes_,
                                     in[0].data, out[0].data);
  }

 private:
  std::vector<int64_t> source_;
  int64_t slice_len_;
  size_t elem_bytes_;
};

std::unique_ptr<OpKernel> bind_gather_nd(const BindContext& ctx) {
  const GatherNdPlan p = gather_nd_plan(ctx.node, ctx.inputs);
  const Tensor* indices = ctx.constants[1];
  if (!indices) fail_node(ctx.node, "indices must be a constant (known at load)");
  const Shape &x = ctx.inputs[0].shape, &idx = ctx.inputs[1].shape;
  // Index tuple t lies in batch t / per_batch (the batch dims of indices, flattened, equal data's).
  const int64_t tuples = idx.numel() / p.k, batches = x.numel(0, p.batch_dims);
  const int64_t per_batch = tuples / batches, batch_len = x.numel(p.batch_dims, x.rank);
  const int64_t slice_len = x.numel(p.batch_dims + p.k, x.rank);
  std::vector<int64_t> source(static_cast<size_t>(tuples));
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = 0;
    for (int j = 0; j < p.k; ++j) {
      const int d = p.batch_dims + j;
      offset = offset * x[d] + checked_index(ctx.node, index_at(*indices, t * p.k + j), x[d], d);
    }
    source[static_cast<size_t>(t)] = (t / per_batch) * batch_len + offset * slice_len;
  }
  return std::make_unique<GatherSlicesKernel>(std::move(source), slice_len, dtype_size(ctx.inputs[0].dtype));
}

// ---- ScatterElements ----

struct ScatterElementsPlan {
  int axis = 0;
  kernels::ScatterReduction reduction = kernels::ScatterReduction::None;
};

ScatterElementsPlan scatter_elements_plan(const Node& node, std::span<const TensorInfo> in) {
  ScatterElementsPlan p;
  p.reduction = reduction_attr(node);
  // The same rules for data, indices and axis as GatherElements; without a reduction the elements are only copied,
  // so data may be of any dtype (an int64 permutation being inverted).
  const bool copies = p.reduction == kernels::ScatterReduction::None;
  p.axis = gather_axis(node, in, copies);
  if (in[2].dtype != in[0].dtype)
    fail_node(node, concat("updates are ", dtype_name(in[2].dtype), ", expected data's ", dtype_name(in[0].dtype)));
  if (!(in[2].shape == in[1].shape))
    fail_node(node, concat("updates ", in[2].shape.str(), " must have the shape of indices ", in[1].shape.str()));
  return p;
}

void infer_scatter_elements(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  scatter_elements_plan(node, in);
  out[0] = in[0];
}

// Indices read at run time (computed then, or a constant under non-f32 data): as GatherElementsRuntimeKernel, an
// index out of range skips its update. elem_bytes 0: f32 with the reduction, else elements of that size copied.
class ScatterElementsRuntimeKernel final : public OpKernel {
 public:
  ScatterElementsRuntimeKernel(kernels::ScatterReduction r, size_t elem_bytes, std::vector<int64_t> base,
                               bool indices_i32, int64_t axis_size, int64_t axis_stride)
      : r_(r),
        elem_bytes_(elem_bytes),
        base_(std::move(base)),
        indices_i32_(indices_i32),
        axis_size_(axis_size),
        axis_stride_(axis_stride) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    const auto n = static_cast<int64_t>(base_.size());
    if (elem_bytes_ == 0)
      kernels::scatter_elements_runtime_reference(r_, in[0].f32(), in[0].numel(), base_.data(), n, in[1].data,
                                                  indices_i32_, axis_size_, axis_stride_, in[2].f32(), out[0].f32());
    else
      kernels::scatter_elements_copy_reference(in[0].data, in[0].numel(), elem_bytes_, base_.data(), n, in[1].data,
                                               indices_i32_, axis_size_, axis_stride_, in[2].data, out[0].data);
  }

 private:
  kernels::ScatterReduction r_;
  size_t elem_bytes_;
  std::vector<int64_t> base_;
  bool indices_i32_;
  int64_t axis_size_, axis_stride_;
};

std::unique_ptr<OpKernel> bind_scatter_elements(const BindContext& ctx) {
  const ScatterElementsPlan p = scatter_elements_plan(ctx.node, ctx.inputs);
  const Tensor* indices = ctx.constants[1];
  const Shape &x = ctx.inputs[0].shape, &idx = ctx.inputs[1].shape;
  const bool f32 = ctx.inputs[0].dtype == DType::F32;
  if (indices && !f32) offsets_with_axis(ctx.node, x, *indices, p.axis);  // constant indices are checked at load
  if (!indices || !f32)
    return std::make_unique<ScatterElementsRuntimeKernel>(
        p.reduction, f32 ? 0 : dtype_size(ctx.inputs[0].dtype), offsets_off_axis(x, idx, p.axis),
        ctx.inputs[1].dtype == DType::I32, x[p.axis], x.numel(p.axis + 1, x.rank));
  // One element per update: ScatterND's kernel with slices of length 1.
  return std::make_unique<ScatterSlicesKernel>(p.reduction, offsets_with_axis(ctx.node, x, *indices, p.axis), 1);
}

double flops_moves(const Node&, std::span<const TensorInfo>, std::span<const TensorInfo> out) {
  return static_cast<double>(out[0].shape.numel());
}

}  // namespace

const OpDef kGatherElementsOp{OpType::GatherElements, infer_gather, bind_gather, flops_moves};
const OpDef kScatterNdOp{OpType::ScatterNd, infer_scatter, bind_scatter, flops_moves};
const OpDef kGatherNdOp{OpType::GatherNd, infer_gather_nd, bind_gather_nd, flops_moves};
const OpDef kScatterElementsOp{OpType::ScatterElements, infer_scatter_elements, bind_scatter_elements, flops_moves};

}  // namespace vigil::ops
