// Reshape, Flatten, Squeeze, Unsqueeze: the same bytes under a new shape. The memory plan normally makes
// the output a view of the input (engine/value_alias.h) and run() does nothing; when it could not (a
// constant input), run() copies.
// Any element type.
#include <cstring>
#include <vector>

#include "engine/error.h"
#include "engine/ops/op_defs.h"

namespace vigil::ops {

namespace {

// Reshape: `shape` (required) with ONNX allowzero=0 semantics: 0 copies the input dim at the same index,
// one -1 is inferred from the element count. allowzero=1 is accepted only when no entry is 0 (a literal
// zero-length dim is unsupported).
Shape reshape_shape(const Node& node, const Shape& in) {
  const std::string who = node.label();
  if (!node.attrs.has("shape")) fail_node(node, "attribute 'shape' is required");
  const std::vector<int64_t> target = node.attrs.get_ints("shape", {}, who);
  const bool allow_zero = node.attrs.get_int("allowzero", 0, who) != 0;
  if (target.size() > static_cast<size_t>(kMaxRank))
    fail_node(node, concat("target shape has rank ", target.size(), ", more than ", kMaxRank));
  Shape out;
  out.rank = static_cast<int>(target.size());
  int infer_at = -1;
  int64_t known = 1;
  for (int d = 0; d < out.rank; ++d) {
    int64_t v = target[static_cast<size_t>(d)];
    if (v == 0) {
      if (allow_zero) fail_node(node, "allowzero=1 with a 0 in 'shape' would make a zero-length dim");
      if (d >= in.rank)
        fail_node(node, concat("'shape' entry ", d, " is 0 (copy the input dim) but the input ", in.str(), " has only ",
                               in.rank, " dims"));
      v = in[d];
    } else if (v == -1) {
      if (infer_at >= 0) fail_node(node, "'shape' has more than one -1");
      infer_at = d;
      continue;
    } else if (v < 0) {
      fail_node(node, concat("'shape' entry ", d, " is ", v));
    }
    out[d] = v;
    known *= v;
    if (known > kMaxElements) fail_node(node, "target shape has more than 2^32 elements");
  }
  const int64_t n = in.numel();
  if (infer_at >= 0) {
    if (n % known != 0)
      fail_node(node, concat("cannot infer the -1 in target shape: ", n, " elements of input ", in.str(),
                             " are not a multiple of ", known));
    out[infer_at] = n / known;
    known *= out[infer_at];
  }
  if (known != n)
    fail_node(node,
              concat("input ", in.str(), " has ", n, " elements but the target shape ", out.str(), " has ", known));
  return out;
}

// Flatten: axis (default 1, in [-rank, rank]) -> [prod(dims before axis), prod(dims from axis)].
Shape flatten_shape(const Node& node, const Shape& in) {
  const int64_t a = node.attrs.get_int("axis", 1, node.label());
  if (a < -in.rank || a > in.rank) fail_node(node, concat("axis ", a, " is out of range for input shape ", in.str()));
  const int axis = static_cast<int>(a < 0 ? a + in.rank : a);
  return Shape{in.numel(0, axis), in.numel(axis, in.rank)};
}

// Squeeze: axes (negative counts from the end); absent = every dim of size 1. Each named dim must be 1.
Shape squeeze_shape(const Node& node, const Shape& in) {
  bool drop[kMaxRank] = {};
  if (node.attrs.has("axes")) {
    for (int64_t a : node.attrs.get_ints("axes", {}, node.label())) {
      if (a < -in.rank || a >= in.rank)
        fail_node(node, concat("axis ", a, " is out of range for input shape ", in.str()));
      const int d = static_cast<int>(a < 0 ? a + in.rank : a);
      if (drop[d]) fail_node(node, concat("axis ", d, " appears twice in 'axes'"));
      if (in[d] != 1) fail_node(node, concat("cannot squeeze dim ", d, " of input shape ", in.str(), ": it is not 1"));
      drop[d] = true;
    }
  } else {
    for (int d = 0; d < in.rank; ++d) drop[d] = in[d] == 1;
  }
  Shape out;
  for (int d = 0; d < in.rank; ++d)
    if (!drop[d]) out[out.rank++] = in[d];
  return out;
}

// Unsqueeze: axes (required) are positions in the output (rank = input rank + number of axes), negative
// counting from the output's end; inserted dims are 1, the input dims fill the rest in order.
Shape unsqueeze_shape(const Node& node, const Shape& in) {
  if (!node.attrs.has("axes")) fail_node(node, "attribute 'axes' is required");
  const std::vector<int64_t> axes = node.attrs.get_ints("axes", {}, node.label());
  const int64_t out_rank = in.rank + static_cast<int64_t>(axes.size());
  if (out_rank > kMaxRank)
    fail_node(node, concat("unsqueezing ", in.str(), " at ", axes.size(), " axes gives rank ", out_rank, ", more than ",
                           kMaxRank));
  bool insert[kMaxRank] = {};
  for (int64_t a : axes) {
    if (a < -out_rank || a >= out_rank)
      fail_node(node, concat("axis ", a, " is out of range for output rank ", out_rank));
    const int d = static_cast<int>(a < 0 ? a + out_rank : a);
    if (insert[d]) fail_node(node, concat("axis ", d, " appears twice in 'axes'"));
    insert[d] = true;
  }
  Shape out;
  out.rank = static_cast<int>(out_rank);
  int next = 0;
  for (int d = 0; d < out.rank; ++d) out[d] = insert[d] ? 1 : in[next++];
  return out;
}

Shape new_shape(const Node& node, const Shape& in) {
  switch (node.op) {
    case OpType::Reshape:
      return reshape_shape(node, in);
    case OpType::Flatten:
      return flatten_shape(node, in);
    case OpType::Squeeze:
      return squeeze_shape(node, in);
    case OpType::Unsqueeze:
      return unsqueeze_shape(node, in);
    default:
      fail_node(node, "is not a reshaping op");
  }
}

void infer(const Node& node, std::span<const TensorInfo> in, std::span<TensorInfo> out) {
  out[0] = {in[0].dtype, new_shape(node, in[0].shape)};
}

class CopyKernel final : public OpKernel {
 public:
  void run(std::span<const TensorView> in, std::span<const TensorView> out, const RunContext&) const override {
    if (in[0].data != out[0].data) std::memcpy(out[0].data, in[0].data, in[0].bytes());
  }
};

std::unique_ptr<OpKernel> bind(const BindContext&) { return std::make_unique<CopyKernel>(); }

}  // namespace

const OpDef kReshapeOp{OpType::Reshape, infer, bind, nullptr};
const OpDef kFlattenOp{OpType::Flatten, infer, bind, nullptr};
const OpDef kSqueezeOp{OpType::Squeeze, infer, bind, nullptr};
const OpDef kUnsqueezeOp{OpType::Unsqueeze, infer, bind, nullptr};

}  // namespace vigil::ops
