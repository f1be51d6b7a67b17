// Split: cuts the input along `axis` (default 0, negative counts from the end) into consecutive pieces, one
// per output. Sizes come from the `split` attribute (one positive size per output, summing to the axis
// length); without it, the axis is divided equally among the outputs (an uneven division is an error),
// unless `num_outputs` (ONNX 18) is given: then every piece has ceil(len / n) elements and the last one
// what remains. Each output is a step-1 slice of the input (kernels/slice). Any element type.
#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"
#include "kernels/slice/slice.h"

namespace vigil::ops {

namespace {

struct SplitPlan {
  int axis = 0;
  std::vector<int64_t> sizes;  // one per output
};

SplitPlan split_plan(const Node& node, const TensorInfo& input) {
  const std::string who = node.label();
  const Shape& s = input.shape;
  if (s.rank == 0) fail_node(node, "cannot split a scalar");
  const int64_t axis_attr = node.attrs.get_int("axis", 0, who);
  if (axis_attr < -s.rank || axis_attr >= s.rank)
    fail_node(node, concat("axis ", axis_attr, " is out of range for input shape ", s.str()));
  SplitPlan plan;
  plan.axis = static_cast<int>(axis_attr < 0 ? axis_attr + s.rank : axis_attr);
  const int64_t len = s[plan.axis];
  const int64_t n = static_cast<int64_t>(node.outputs.size());
  if (node.attrs.has("split")) {
    plan.sizes = node.attrs.get_ints("split", {}, who);
    if (static_cast<int64_t>(plan.sizes.size()) != n)
      fail_node(node, concat("'split' has ", plan.sizes.size(), " sizes but the node has ", n, " outputs"));
    int64_t sum = 0;
    for (int64_t v : plan.sizes) {
      if (v <= 0) fail_node(node, concat("split size ", v, " is not positive (zero-length dims are not supported)"));
      sum += v;
    }
    if (sum != len)
      fail_node(node, concat("split sizes sum to ", sum, " but axis ", plan.axis, " of input shape ", s.str(),
                             " has length ", len));
  } else if (node.attrs.has("num_outputs")) {
    const int64_t num = node.attrs.get_int("num_outputs", 0, who);
    if (num != n) fail_node(node, concat("'num_outputs' is ", num, " but the node has ", n, " outputs"));
    const int64_t chunk = (len + n - 1) / n;
    const int64_t last = len - chunk * (n - 1);
    if (last <= 0)
      fail_node(node, concat("axis ", plan.axis, " of input shape ", s.str(), " (length ", len, ") cannot give ", n,
                             " non-empty pieces of ", chunk));
    plan.sizes.assign(static_cast<size_t>(n), chunk);
    plan.sizes.back() = last;
  } else {
    if (len % n != 0)
      fail_node(node, concat("axis ", plan.axis, " of input shape ", s.str(), " (length ", len,
                             ") does not divide into ", n, " equal parts; give 'split' sizes"));
    plan.sizes.assign(static_cast<size_t>(n), len / n);
  }
  return plan;
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  const SplitPlan plan = split_plan(node, in[0]);
  for (size_t i = 0; i < out.size(); ++i) {
    Shape s = in[0].shape;
    s[plan.axis] = plan.sizes[i];
    out[i] = {in[0].dtype, s};
  }
}

class SplitKernel final : public OpKernel {
 public:
  explicit SplitKernel(std::vector<kernels::SliceParams> pieces) : pieces_(std::move(pieces)) {}
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    for (size_t i = 0; i < pieces_.size(); ++i)
      if (out[i].present()) kernels::slice_reference(pieces_[i], in[0].data, out[i].data);
  }

 private:
  std::vector<kernels::SliceParams> pieces_;
};

std::unique_ptr<OpKernel> bind(const BindContext& ctx) {
  const TensorInfo& input = ctx.inputs[0];
  const SplitPlan plan = split_plan(ctx.node, input);
  std::vector<kernels::SliceParams> pieces;
  int64_t start = 0;
  for (int64_t size : plan.sizes) {
    kernels::SliceParams p;
    p.rank = input.shape.rank;
    p.elem_size = dtype_size(input.dtype);
    for (int d = 0; d < p.rank; ++d) {
      p.in_dims[d] = p.out_dims[d] = input.shape[d];
      p.starts[d] = 0;
      p.steps[d] = 1;
    }
    p.starts[plan.axis] = start;
    p.out_dims[plan.axis] = size;
    start += size;
    pieces.push_back(p);
  }
  return std::make_unique<SplitKernel>(std::move(pieces));
}

}  // namespace

const OpDef kSplitOp{OpType::Split, infer, bind, nullptr};

}  // namespace vigil::ops
