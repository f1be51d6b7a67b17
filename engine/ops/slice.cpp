// Slice: attributes starts, ends (required, same length), axes (default 0..n-1, negative counts from the
// end, no repeats) and steps (default 1, never 0), with ONNX's clamping rules (kernels/slice/slice.h).
// A slice that selects nothing is an error: vigil has no zero-length dims. Any element type.
#include "kernels/slice/slice.h"

#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "engine/thread_pool.h"

namespace vigil::ops {

namespace {

static_assert(kernels::kSliceMaxRank == kMaxRank);

kernels::SliceParams slice_params(const Node& node, const TensorInfo& input) {
  const std::string who = node.label();
  const Shape& s = input.shape;
  if (!node.attrs.has("starts") || !node.attrs.has("ends"))
    fail_node(node, "attributes 'starts' and 'ends' are required");
  const std::vector<int64_t> starts = node.attrs.get_ints("starts", {}, who);
  const std::vector<int64_t> ends = node.attrs.get_ints("ends", {}, who);
  std::vector<int64_t> axes = node.attrs.get_ints("axes", {}, who);
  std::vector<int64_t> steps = node.attrs.get_ints("steps", {}, who);
  const size_t n = starts.size();
  if (n == 0) fail_node(node, "'starts' is empty");
  if (ends.size() != n) fail_node(node, concat("'starts' has ", n, " entries but 'ends' has ", ends.size()));
  if (!node.attrs.has("axes"))
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  if (!node.attrs.has("steps")) steps.assign(n, 1);
  if (axes.size() != n) fail_node(node, concat("'starts' has ", n, " entries but 'axes' has ", axes.size()));
  if (steps.size() != n) fail_node(node, concat("'starts' has ", n, " entries but 'steps' has ", steps.size()));

  kernels::SliceParams p;
  p.rank = s.rank;
  p.elem_size = dtype_size(input.dtype);
  for (int d = 0; d < s.rank; ++d) {  // untouched dims: everything, step 1
    p.in_dims[d] = p.out_dims[d] = s[d];
    p.starts[d] = 0;
    p.steps[d] = 1;
  }
  bool seen[kMaxRank] = {};
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = axes[i];
    if (axis < -s.rank || axis >= s.rank)
      fail_node(node, concat("axis ", axis, " is out of range for input shape ", s.str()));
    if (axis < 0) axis += s.rank;
    const int d = static_cast<int>(axis);
    if (seen[d]) fail_node(node, concat("axis ", d, " appears twice in 'axes'"));
    seen[d] = true;
    if (steps[i] == 0) fail_node(node, concat("step for axis ", d, " is 0"));
    int64_t start = 0;
    const int64_t count = kernels::resolve_slice_axis(s[d], starts[i], ends[i], steps[i], &start);
    if (count == 0)
      fail_node(node,
                concat("slicing axis ", d, " of input shape ", s.str(), " with start ", starts[i], ", end ", ends[i],
                       ", step ", steps[i], " selects no elements (zero-length dims are not supported)"));
    p.starts[d] = start;
    p.steps[d] = steps[i];
    p.out_dims[d] = count;
  }
  return p;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const kernels::SliceParams p = slice_params(node, in[0]);
  Shape s;
  s.rank = p.rank;
  for (int d = 0; d < p.rank; ++d) s[d] = p.out_dims[d];
  out[0] = {in[0].dtype, s};
}

class SliceKernel final : public OpKernel {
 public:
  explicit SliceKernel(const kernels::SliceParams& p) : p_(p) {
    int64_t stride = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      first_byte_ += p.starts[d] * stride * static_cast<int64_t>(p.elem_size);
      stride *= p.in_dims[d];
    }
  }
  // Batches of images read from or written into a channel Concat's output (engine/value_alias.h).
  bool accepts_batch_strides() const override { return true; }
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext& rc) const override {
    // A contiguous slice, or a channel slice of a batch, may already be a view of its input
    // (engine/value_alias.h): input and output are both alive here, so the addresses coincide only then.
    if (out[0].data == static_cast<const std::byte*>(in[0].data) + first_byte_) return;
    kernels::SliceParams params = in[0].batch_stride || out[0].batch_stride ? merged_keeping_dim0_ : merged_;
    params.in_stride0 = in[0].batch_stride;
    const int64_t rows = params.rank > 0 ? params.out_dims[0] : 1;
    if (out[0].batch_stride != 0) {  // produced into a channel Concat's output: one image at a time
      const int64_t out_stride_bytes = out[0].batch_stride * static_cast<int64_t>(p_.elem_size);
      for (int64_t n = 0; n < rows; ++n)
        kernels::slice_reference(kernels::slice_outer_range(params, n, n + 1), in[0].data,
                                 static_cast<std::byte*>(out[0].data) + n * out_stride_bytes);
      return;
    }
    if (rc.pool->size() == 1 || rows < 2 || out_bytes_ < kParallelMinBytes) {
      kernels::slice_reference(params, in[0].data, out[0].data);
      return;
    }
    // Large copies (the channel slices of a batch of images) split over the threads by outer rows.
    const int64_t row_bytes = out_bytes_ / rows;
    rc.pool->parallel_for(rc.pool->size(), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t b = rows * t / rc.pool->size(), e = rows * (t + 1) / rc.pool->size();
        if (b < e)
          kernels::slice_reference(kernels::slice_outer_range(params, b, e), in[0].data,
                                   static_cast<std::byte*>(out[0].data) + b * row_bytes);
      }
    });
  }

 private:
  static constexpr int64_t kParallelMinBytes = int64_t{1} << 20;
  kernels::SliceParams p_;
  kernels::SliceParams merged_ = kernels::slice_merge_whole_inner_dims(p_);
  // For a strided input: merged the same way but never into dim 0 (whose stride the view sets per run).
  kernels::SliceParams merged_keeping_dim0_ = [this] {
    kernels::SliceParams q = p_;
    q.in_stride0 = 1;
    return kernels::slice_merge_whole_inner_dims(q);
  }();
  int64_t out_bytes_ = [this] {
    int64_t n = static_cast<int64_t>(p_.elem_size);
    for (int d = 0; d < p_.rank; ++d) n *= p_.out_dims[d];
    return n;
  }();
  int64_t first_byte_ = 0;  // where the first selected element sits in the input
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  return std::make_unique<SliceKernel>(slice_params(ctx.node, ctx.inputs[0]));
}

}  // namespace

const OpDef kSliceOp{OpType::Slice, infer, bind, nullptr};

}  // namespace vigil::ops
