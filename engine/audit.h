// Numerical audit of a model: which node computes something other than it should?
//
// Two modes (docs/AUDIT.md):
//  - path vs path: the graph is run once with the baseline kernels (by default the scalar reference
//    kernels), keeping every value; then every node is run again with the candidate path's kernel on the
//    BASELINE values of its inputs, so each node is judged on its own and errors never accumulate.
//  - vs a framework: every value whose name appears in `expected` (for example ONNX Runtime's dump of all
//    intermediates) is compared with what the candidate kernel computes from the framework's own values of
//    the node's inputs (vigil's baseline value stands in for an input the dump does not hold). A node fused
//    at load (conv+bn+act) writes the value of the last node it absorbed, so it is compared at that name.
// Both report, per node output, the max abs error, max rel error, ULP distance at the worst element and
// PASS/FAIL against the op's tolerance (audit_tolerance), and name the first failing node in topological
// order. The audit knows no file format and no command line; apps/vigil/cmd_audit.cpp is the front end.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/kernel_path.h"
#include "engine/op_type.h"

namespace vigil {

class Engine;

// An element passes when |got - want| <= rel * |want| + abs * scale, where scale is the largest |want| of
// the whole output tensor (so `abs` is relative to the tensor's magnitude, not absolute units).
struct AuditTolerance {
  double rel = 0;
  double abs = 0;
  const char* why = "";  // the reason for these numbers (docs/AUDIT.md repeats them)
};

// The tolerance of an op's candidate kernel against the reference kernel (path mode).
AuditTolerance audit_tolerance(OpType op);
// The tolerance against another framework's float32 computation of the same op (framework mode): one
// rounding-order difference per op, never an algorithmic one.
AuditTolerance framework_tolerance(OpType op);

struct AuditOutput {
  int value = -1;
  std::string name;
  Shape shape;
  bool compared = false;  // false: nothing to compare against (the note says why); counts as a pass
  std::string note;
  double scale = 0;          // max |want| over the tensor
  double max_abs_error = 0;  // max |got - want|
  double max_rel_error = 0;  // max |got - want| / max(|want|, kRelFloor * scale)
  int64_t worst_index = -1;  // flat index of the element with the largest error/allowance ratio
  double want_at_worst = 0, got_at_worst = 0;
  double ulps_at_worst = 0;  // float32 ULPs between got and want at the worst element (0 for integer dtypes)
  double worst_ratio = 0;    // error / allowance at the worst element; <= 1 passes
  AuditTolerance tolerance;
  bool pass = true;
};

struct AuditNode {
  size_t node = 0;
  OpType op = OpType::Relu;
  std::string name;
  std::vector<AuditOutput> outputs;
  std::vector<std::string> fused_values;  // source values this node absorbed (attribute "fused_values")
  bool compared = false;                  // at least one output was compared
  bool pass = true;
};

struct AuditReport {
  KernelPath baseline = KernelPath::Reference;
  KernelPath candidate = KernelPath::Reference;
  bool against_framework = false;
  std::vector<AuditNode> nodes;         // topological order
  std::optional<size_t> first_failure;  // index into nodes
  size_t compared_nodes = 0;
  size_t failed_nodes = 0;
  bool passed() const { return !first_failure.has_value(); }
};

// The floor of the relative-error denominator, as a fraction of the tensor's scale: elements much smaller
// than the tensor's largest are judged by the scale-relative part of the tolerance.
inline constexpr double kRelFloor = 1e-3;

struct AuditOptions {
  KernelPath baseline = KernelPath::Reference;
  KernelPath candidate = KernelPath::Reference;
  bool optimize = true;  // run the load-time passes (BN folding, activation fusion) like Engine does
  // Framework mode when not empty: name -> the framework's value.
  std::map<std::string, Tensor> expected;
  // Test hook: called with the candidate engine before the audit runs (to plant a wrong kernel).
  std::function<void(Engine&)> prepare_candidate;
  // When set, receives every non-constant value of the baseline run by name (inputs included).
  std::map<std::string, Tensor>* baseline_values = nullptr;
};

// Runs the audit. `inputs` maps graph input names to tensors of exactly their dtype and shape; in framework
// mode an input not given is taken from `expected` by name. Throws Error for missing or mismatching inputs.
AuditReport audit_graph(Graph graph, const std::map<std::string, Tensor>& inputs, const AuditOptions& options);

// Compares one tensor against its expected value (exposed for tests and tools). Shapes are not checked;
// the element counts must match.
AuditOutput compare_tensors(const TensorView& got, const TensorView& want, const AuditTolerance& tolerance);

}  // namespace vigil
