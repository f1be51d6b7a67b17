// How an operator plugs into the engine. Each entry of VIGIL_OPS has one OpDef, defined in
// engine/ops/<op>.cpp, that the engine uses in three phases:
//   1. infer: at load, check attributes and input shapes, compute output shapes (throwing an Error that
//      names the node and the mismatching shapes);
//   2. bind: at load, parse attributes into a kernel object (allocation allowed here: pre-packed weights,
//      parsed parameters, workspace size);
//   3. run: per inference, OpKernel::run does math on buffers - no allocation, no exceptions.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "engine/dtype.h"
#include "engine/graph.h"
#include "engine/kernel_path.h"
#include "engine/op_type.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace vigil {

class ThreadPool;

// What a kernel gets besides its tensors.
struct RunContext {
  void* workspace = nullptr;   // workspace_bytes() of scratch, 64-byte aligned; null when it asked for none
  ThreadPool* pool = nullptr;  // the execution context's threads (never null; size 1 means run inline)
};

struct TensorInfo {
  DType dtype = DType::Undefined;
  Shape shape;
  bool present() const { return dtype != DType::Undefined; }
};

// A node bound to an implementation. Shared by every execution context, so run() must be const and keep
// no per-call state outside the workspace it is given.
class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // Scratch bytes run() needs; the memory plan reserves them in the arena for this node's lifetime.
  virtual size_t workspace_bytes() const { return 0; }
  // True when run() honours TensorView::batch_stride on input 0 and output 0 (and needs dense views for
  // the rest): the memory plan may then place a batch of images it produces or reads inside a channel
  // Concat's output, image by image, instead of copying them there.
  virtual bool accepts_batch_strides() const { return false; }
  virtual void run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
                   const RunContext& context) const = 0;
};

struct BindContext {
  const Node& node;
  std::span<const TensorInfo> inputs;  // absent optional inputs are !present()
  std::span<const TensorInfo> outputs;
  std::span<const Tensor* const> constants;  // per input: the constant tensor, or nullptr
  KernelPath path = KernelPath::Reference;
  int max_threads = 1;  // the most threads any execution context will run this kernel with
};

struct OpDef {
  OpType type;
  void (*infer)(const Node& node, std::span<const TensorInfo> inputs, std::span<TensorInfo> outputs);
  std::unique_ptr<OpKernel> (*bind)(const BindContext& ctx);
  // Work in floating-point operations (2 per multiply-add), for `vigil info` and benchmarks. May be null.
  double (*flops)(const Node& node, std::span<const TensorInfo> inputs, std::span<const TensorInfo> outputs);
};

// The OpDef of every op, indexed by OpType.
const OpDef& op_def(OpType t);

// Helpers for the ops' infer functions, so every op reports errors the same way.
[[noreturn]] void fail_node(const Node& node, const std::string& why);
void expect_f32(const Node& node, std::span<const TensorInfo> inputs);  // every present input is f32
void expect_rank(const Node& node, const TensorInfo& t, int rank, const char* which);
// The node's `axis` attribute (default -1; negative counts from the end) as an axis of x, checked: x must
// have rank >= 1 and the axis must lie in [-rank, rank). Softmax, LogSoftmax, LayerNorm.
int axis_attr(const Node& node, const Shape& x);
// The numpy broadcast of two shapes (dims aligned at the right, each pair equal or one of them 1), or an error
// naming the node and both shapes. Binary elementwise ops, comparisons, And/Or/Xor.
Shape broadcast_shape(const Node& node, const Shape& a, const Shape& b);
// An ints attribute (or `fallback`) that must have exactly `count` entries, each >= `min_value`.
std::vector<int64_t> ints_attr(const Node& node, const char* name, std::vector<int64_t> fallback, size_t count,
                               int64_t min_value);
// A 0/1 attribute (or `fallback`) as a bool; any other value is an error naming it.
bool flag_attr(const Node& node, const char* name, int64_t fallback);
// Convolutions and pools: `auto_pad` must be absent or NOTSET (importers resolve it into pads).
void expect_explicit_pads(const Node& node);
// A grouped convolution's channels: group >= 1 divides C (X [N, C, ...]) and M (W [M, C/group, ...]), and W's
// second dim times group is C. Conv2d, Conv3d.
void expect_grouped_channels(const Node& node, const Shape& x, const Shape& w, int64_t group);

}  // namespace vigil
