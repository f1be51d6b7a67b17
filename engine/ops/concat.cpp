// Concat: joins its inputs along `axis` (negative counts from the end). All inputs share dtype and rank,
// and every dim but the axis. Any element type (a byte copy).
#include "kernels/concat/concat.h"

#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

// The normalised axis, checking every input against the first.
int concat_axis(const Node& node, std::span<const TensorInfo> in) {
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i].present()) fail_node(node, concat("input ", i, " is absent; every Concat input is required"));
  const Shape& first = in[0].shape;
  const int rank = first.rank;
  if (rank == 0) fail_node(node, "cannot concatenate scalars (rank-0 inputs)");
  const int64_t axis_attr = node.attrs.get_int("axis", 0, node.label());
  if (!node.attrs.has("axis")) fail_node(node, "attribute 'axis' is required");
  if (axis_attr < -rank || axis_attr >= rank)
    fail_node(node, concat("axis ", axis_attr, " is out of range for rank ", rank, " (input shape ", first.str(), ")"));
  const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + rank : axis_attr);
  for (size_t i = 1; i < in.size(); ++i) {
    const Shape& s = in[i].shape;
    if (in[i].dtype != in[0].dtype)
      fail_node(node,
                concat("input ", i, " is ", dtype_name(in[i].dtype), " but input 0 is ", dtype_name(in[0].dtype)));
    bool ok = s.rank == rank;
    for (int d = 0; ok && d < rank; ++d) ok = d == axis || s[d] == first[d];
    if (!ok)
      fail_node(node, concat("input ", i, " has shape ", s.str(), " which does not match input 0's ", first.str(),
                             " outside axis ", axis));
  }
  return axis;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const int axis = concat_axis(node, in);
  Shape s = in[0].shape;
  s[axis] = 0;
  for (const TensorInfo& t : in) s[axis] += t.shape[axis];
  out[0] = {in[0].dtype, s};
}

class ConcatKernel final : public OpKernel {
 public:
  explicit ConcatKernel(std::vector<kernels::ConcatPart> parts) : parts_(std::move(parts)) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    const int64_t outer = parts_.empty() ? 1 : parts_[0].outer;  // the same for every part
    const int threads = rc.pool->size();
    // Large copies (a batch of images concatenated along channels) split over the threads by outer rows.
    const int64_t tasks = threads > 1 && outer >= 2 && outer * parts_[0].row_bytes >= kParallelMinBytes ? threads : 1;
    rc.pool->parallel_for(tasks, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) copy_rows(in, out[0].data, outer * t / tasks, outer * (t + 1) / tasks);
    });
  }

 private:
  static constexpr size_t kParallelMinBytes = size_t{1} << 20;

  // Outer rows [o0, o1) of every input.
  void copy_rows(std::span<const TensorView> in, void* out, int64_t o0, int64_t o1) const {
    for (size_t i = 0; i < parts_.size(); ++i) {
      // The memory plan may have placed this input in its part of the output already (engine/value_alias.h:
      // the part's bytes, or for a batch of images the part's channels of every image, a strided view).
      if (in[i].data == static_cast<std::byte*>(out) + parts_[i].offset_bytes) continue;
      if (o0 >= o1) continue;
      kernels::ConcatPart rows = parts_[i];
      rows.outer = o1 - o0;
      kernels::concat_part_reference(rows, static_cast<const std::byte*>(in[i].data) + o0 * rows.chunk_bytes,
                                     static_cast<std::byte*>(out) + o0 * rows.row_bytes);
    }
  }

  std::vector<kernels::ConcatPart> parts_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const int axis = concat_axis(ctx.node, ctx.inputs);
  const Shape& out = ctx.outputs[0].shape;
  const size_t es = dtype_size(ctx.inputs[0].dtype);
  const size_t inner_bytes = static_cast<size_t>(out.numel(axis + 1, out.rank)) * es;
  std::vector<kernels::ConcatPart> parts;
  size_t offset = 0;
  for (const TensorInfo& t : ctx.inputs) {
    kernels::ConcatPart p;
    p.outer = out.numel(0, axis);
    p.chunk_bytes = static_cast<size_t>(t.shape[axis]) * inner_bytes;
    p.row_bytes = static_cast<size_t>(out[axis]) * inner_bytes;
    p.offset_bytes = offset;
    offset += p.chunk_bytes;
    parts.push_back(p);
  }
  return std::make_unique<ConcatKernel>(std::move(parts));
}

}  // namespace

const OpDef kConcatOp{OpType::Concat, infer, bind, nullptr};

}  // namespace vigil::ops
