// Internals of the ONNX importer shared by its files: a view of one ONNX node (attributes with ONNX
// defaults, error messages naming the node) and the importer's state (what every ONNX value name is: a
// constant known at load time or a vigil value computed at run time, with its dtype and shape).
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/graph_builder.h"
#include "loaders/onnx/const_tensor.h"
#include "loaders/onnx/onnx_proto.h"

namespace vigil::onnx {

class NodeInfo {
 public:
  NodeInfo(const NodeProto& proto, int index, int64_t opset) : proto_(proto), index_(index), opset_(opset) {}

  const NodeProto& proto() const { return proto_; }
  const std::string& op_type() const { return proto_.op_type; }
  int64_t opset() const { return opset_; }
  // ONNX node names are optional: unnamed nodes are called after their first output.
  std::string name() const;
  // "node 'conv1' (Conv, opset 11)" - every importer error starts with it.
  std::string label() const;
  [[noreturn]] void fail(const std::string& why) const;

  // Inputs: "" marks an absent optional input; a missing trailing input is absent too.
  int num_inputs() const { return static_cast<int>(proto_.inputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && !proto_.inputs[static_cast<size_t>(i)].empty(); }
  const std::string& input(int i) const { return proto_.inputs[static_cast<size_t>(i)]; }
  int num_outputs() const { return static_cast<int>(proto_.outputs.size()); }
  bool has_output(int i) const { return i < num_outputs() && !proto_.outputs[static_cast<size_t>(i)].empty(); }
  const std::string& output(int i) const { return proto_.outputs[static_cast<size_t>(i)]; }

  // Attributes. An attribute outside `allowed` is an error listing the ones vigil understands for the op.
  void check_attributes(std::initializer_list<std::string_view> allowed) const;
  const AttributeProto* attr(std::string_view name) const;
  bool has_attr(std::string_view name) const { return attr(name) != nullptr; }
  int64_t get_int(std::string_view name, int64_t fallback) const;
  float get_float(std::string_view name, float fallback) const;
  std::string get_string(std::string_view name, std::string_view fallback) const;
  std::optional<std::vector<int64_t>> get_ints(std::string_view name) const;
  std::optional<std::vector<float>> get_floats(std::string_view name) const;
  std::optional<std::vector<std::string>> get_strings(std::string_view name) const;
  const TensorProto* get_tensor(std::string_view name) const;

  void expect_inputs(int min, int max) const;  // counts present-or-absent slots, like ONNX

 private:
  const AttributeProto& typed(std::string_view name, AttributeType type) const;
  const NodeProto& proto_;
  int index_;
  int64_t opset_;
};

// What an ONNX value name stands for.
struct Symbol {
  std::shared_ptr<const ConstTensor> constant;  // known at load time (may also be emitted as a vigil constant)
  int value = kNoValue;                         // the vigil value, once there is one
  DType dtype = DType::Undefined;               // of the run-time value
  // The ONNX type of a run-time f32 value that ONNX types FLOAT16, BFLOAT16 or DOUBLE (vigil holds those as
  // f32); 0 when it is FLOAT or unknown. Set by graph inputs and Cast, passed on by ops from their first float
  // input (ONNX's ops keep their input type T); read by CastLike.
  int32_t held_type = 0;
  Shape shape;
  bool is_constant() const { return constant != nullptr; }
};

class Importer {
 public:
  GraphBuilder& builder() { return builder_; }
  Graph& graph() { return builder_.graph(); }

  bool defined(const std::string& name) const { return symbols_.count(name) != 0; }
  const Symbol& symbol(const std::string& name) const;
  void define_constant(const std::string& name, ConstTensor c);
  void define_input(const std::string& name, DType dtype, Shape shape);
  // `name` now means the same as `target` (Identity, Dropout, no-op Cast...).
  void alias(const std::string& name, const std::string& target);
  // The same for a run-time value that ONNX gives another type (a Cast from FLOAT16 to FLOAT): `name` gets its
  // own Symbol with that held_type.
  void alias(const std::string& name, const std::string& target, int32_t held_type);
  // Records the ONNX type a run-time f32 value stands for (Symbol::held_type).
  void set_held_type(const std::string& name, int32_t onnx_type);

  // Node inputs.
  const Symbol& in(const NodeInfo& n, int i) const;  // error if absent
  bool is_const(const NodeInfo& n, int i) const { return n.has_input(i) && in(n, i).is_constant(); }
  // The constant behind input i; error naming `what` if it is only known at run time.
  const ConstTensor& require_const(const NodeInfo& n, int i, const char* what) const;
  // The constant's values as int64 / float (error if it is not constant).
  std::vector<int64_t> const_ints(const NodeInfo& n, int i, const char* what) const;
  std::vector<float> const_floats(const NodeInfo& n, int i, const char* what) const;
  // Static shape and dtype of input i (constant or run-time).
  Shape shape_of(const NodeInfo& n, int i) const;
  std::vector<int64_t> dims_of(const NodeInfo& n, int i) const;
  int rank_of(const NodeInfo& n, int i) const { return shape_of(n, i).rank; }
  // The vigil value of input i (kNoValue if absent), emitting constants on first use.
  int value(const NodeInfo& n, int i);
  int value_of_name(const std::string& name, const NodeInfo& n);
  int emit_constant(const std::string& name_hint, const ConstTensor& c, const NodeInfo& n);

  // Adds a vigil node whose outputs are named `outputs` ("" = absent optional output), runs its shape
  // inference at once (later nodes need the shapes) and defines those names. Returns the output value ids.
  std::vector<int> emit(const NodeInfo& n, OpType op, const std::string& node_name, std::vector<int> inputs,
                        const std::vector<std::string>& outputs, Attributes attrs = {});
  int emit1(const NodeInfo& n, OpType op, const std::string& node_name, std::vector<int> inputs,
            const std::string& output, Attributes attrs = {}) {
    return emit(n, op, node_name, std::move(inputs), {output}, std::move(attrs))[0];
  }

  // Whether a graph output or a live node reads the ONNX value `name` (the driver's liveness); true for
  // every name until the driver has set it.
  bool is_read(const std::string& name) const { return !read_values_ || read_values_->count(name) != 0; }
  void set_read_values(const std::unordered_set<std::string>* names) { read_values_ = names; }

  // A value name no ONNX value uses: "<base>/<suffix>", with a counter if needed.
  std::string fresh_name(const std::string& base, const std::string& suffix);
  void reserve_names(const std::vector<std::string>& names);

 private:
  GraphBuilder builder_;
  std::unordered_map<std::string, std::shared_ptr<Symbol>> symbols_;  // aliases share one Symbol
  std::unordered_set<std::string> taken_names_;
  const std::unordered_set<std::string>* read_values_ = nullptr;
};

int normalize_axis(const NodeInfo& n, int64_t axis, int rank, const char* what);

}  // namespace vigil::onnx
