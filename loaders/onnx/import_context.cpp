#include "loaders/onnx/import_context.h"

#include <algorithm>

#include "engine/error.h"
#include "engine/op_def.h"

namespace vigil::onnx {

std::string NodeInfo::name() const {
  if (!proto_.name.empty()) return proto_.name;
  for (const auto& o : proto_.outputs)
    if (!o.empty()) return o;
  return concat(proto_.op_type, "_", index_);
}

std::string NodeInfo::label() const {
  std::string who = proto_.name.empty() ? concat("unnamed node #", index_, " (output '", name(), "')")
                                        : concat("node '", proto_.name, "'");
  return concat(who, " (", proto_.op_type, ", opset ", opset_, ")");
}

void NodeInfo::fail(const std::string& why) const { vigil::fail(label(), ": ", why); }

const AttributeProto* NodeInfo::attr(std::string_view name) const {
  for (const auto& a : proto_.attributes)
    if (a.name == name) return &a;
  return nullptr;
}

void NodeInfo::check_attributes(std::initializer_list<std::string_view> allowed) const {
  for (const auto& a : proto_.attributes) {
    if (!a.ref_attr_name.empty())
      fail(concat("attribute '", a.name, "' refers to a function attribute; ONNX functions are not supported"));
    if (std::find(allowed.begin(), allowed.end(), a.name) != allowed.end()) continue;
    std::string list;
    for (auto s : allowed) list += concat(list.empty() ? "" : ", ", s);
    fail(concat("attribute '", a.name, "' is not supported; vigil understands ",
                list.empty() ? std::string("no attributes") : list, " for ", proto_.op_type));
  }
}

const AttributeProto& NodeInfo::typed(std::string_view name, AttributeType type) const {
  const AttributeProto* a = attr(name);
  if (a->type != type)
    fail(concat("attribute '", name, "' has type ", attribute_type_name(a->type), ", expected ",
                attribute_type_name(type)));
  return *a;
}

int64_t NodeInfo::get_int(std::string_view name, int64_t fallback) const {
  return has_attr(name) ? typed(name, AttributeType::Int).i : fallback;
}

float NodeInfo::get_float(std::string_view name, float fallback) const {
  return has_attr(name) ? typed(name, AttributeType::Float).f : fallback;
}

std::string NodeInfo::get_string(std::string_view name, std::string_view fallback) const {
  return has_attr(name) ? typed(name, AttributeType::String).s : std::string(fallback);
}

std::optional<std::vector<int64_t>> NodeInfo::get_ints(std::string_view name) const {
  if (!has_attr(name)) return std::nullopt;
  return typed(name, AttributeType::Ints).ints;
}

std::optional<std::vector<float>> NodeInfo::get_floats(std::string_view name) const {
  if (!has_attr(name)) return std::nullopt;
  return typed(name, AttributeType::Floats).floats;
}

std::optional<std::vector<std::string>> NodeInfo::get_strings(std::string_view name) const {
  if (!has_attr(name)) return std::nullopt;
  return typed(name, AttributeType::Strings).strings;
}

const TensorProto* NodeInfo::get_tensor(std::string_view name) const {
  if (!has_attr(name)) return nullptr;
  return typed(name, AttributeType::Tensor).t.get();
}

void NodeInfo::expect_inputs(int min, int max) const {
  int present_slots = num_inputs();
  while (present_slots > 0 && !has_input(present_slots - 1)) --present_slots;  // trailing "" are absent
  if (present_slots > max) fail(concat("has ", present_slots, " inputs; at most ", max, " are allowed"));
  for (int i = 0; i < min; ++i)
    if (!has_input(i)) fail(concat("required input ", i, " is missing"));
}

int normalize_axis(const NodeInfo& n, int64_t axis, int rank, const char* what) {
  if (axis < -rank || axis >= rank)
    n.fail(concat(what, " ", axis, " is out of range for rank ", rank, " (valid: ", -rank, "..", rank - 1, ")"));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

const Symbol& Importer::symbol(const std::string& name) const {
  auto it = symbols_.find(name);
  if (it == symbols_.end()) fail("ONNX value '", name, "' is not defined");
  return *it->second;
}

void Importer::define_constant(const std::string& name, ConstTensor c) {
  Symbol s;
  s.constant = std::make_shared<const ConstTensor>(std::move(c));
  symbols_[name] = std::make_shared<Symbol>(std::move(s));
  taken_names_.insert(name);
}

void Importer::define_input(const std::string& name, DType dtype, Shape shape) {
  Symbol s;
  s.value = builder_.input(name, dtype, shape);
  s.dtype = dtype;
  s.shape = shape;
  symbols_[name] = std::make_shared<Symbol>(s);
  taken_names_.insert(name);
}

void Importer::alias(const std::string& name, const std::string& target) {
  symbol(target);  // the "not defined" error
  symbols_[name] = symbols_[target];
  taken_names_.insert(name);
}

void Importer::alias(const std::string& name, const std::string& target, int32_t held_type) {
  const Symbol& s = symbol(target);
  if (s.held_type == held_type || s.is_constant()) return alias(name, target);
  auto copy = std::make_shared<Symbol>(s);
  copy->held_type = held_type;
  symbols_[name] = std::move(copy);
  taken_names_.insert(name);
}

void Importer::set_held_type(const std::string& name, int32_t onnx_type) {
  symbol(name);  // the "not defined" error
  symbols_[name]->held_type = onnx_type;
}

const Symbol& Importer::in(const NodeInfo& n, int i) const {
  if (!n.has_input(i)) n.fail(concat("input ", i, " is missing"));
  auto it = symbols_.find(n.input(i));
  if (it == symbols_.end())
    n.fail(concat("input '", n.input(i), "' is not a graph input, an initializer or the output of an earlier node ",
                  "(ONNX requires nodes in topological order)"));
  return *it->second;
}

const ConstTensor& Importer::require_const(const NodeInfo& n, int i, const char* what) const {
  const Symbol& s = in(n, i);
  if (!s.is_constant())
    n.fail(concat("input ", i, " ('", n.input(i), "', the ", what,
                  ") is computed at run time; vigil needs it to be a constant known at load time"));
  return *s.constant;
}

std::vector<int64_t> Importer::const_ints(const NodeInfo& n, int i, const char* what) const {
  const ConstTensor& c = require_const(n, i, what);
  if (c.is_float()) n.fail(concat("the ", what, " must be an integer tensor, got ", data_type_name(c.type)));
  return c.i;
}

std::vector<float> Importer::const_floats(const NodeInfo& n, int i, const char* what) const {
  const ConstTensor& c = require_const(n, i, what);
  std::vector<float> out;
  for (size_t k = 0; k < static_cast<size_t>(c.numel()); ++k) out.push_back(static_cast<float>(c.as_double(k)));
  return out;
}

Shape Importer::shape_of(const NodeInfo& n, int i) const {
  const Symbol& s = in(n, i);
  if (!s.is_constant()) return s.shape;
  if (s.constant->rank() > kMaxRank)
    n.fail(concat("input '", n.input(i), "' has rank ", s.constant->rank(), "; vigil supports at most ", kMaxRank));
  return Shape::from(s.constant->dims);
}

std::vector<int64_t> Importer::dims_of(const NodeInfo& n, int i) const {
  const Symbol& s = in(n, i);
  if (s.is_constant()) return s.constant->dims;
  auto span = s.shape.span();
  return {span.begin(), span.end()};
}

int Importer::emit_constant(const std::string& name_hint, const ConstTensor& c, const NodeInfo& n) {
  std::string name = graph().find_value(name_hint) < 0 ? name_hint : fresh_name(name_hint, "const");
  try {
    return builder_.constant(name, to_vigil_tensor(c, concat("constant '", name, "'")));
  } catch (const Error& e) {
    n.fail(e.what());
  }
}

int Importer::value_of_name(const std::string& name, const NodeInfo& n) {
  auto it = symbols_.find(name);
  if (it == symbols_.end()) n.fail(concat("input '", name, "' is not defined"));
  Symbol& s = *it->second;
  if (s.value == kNoValue) {
    s.value = emit_constant(name, *s.constant, n);
    s.dtype = graph().values[static_cast<size_t>(s.value)].dtype;
    s.shape = graph().values[static_cast<size_t>(s.value)].shape;
  }
  return s.value;
}

int Importer::value(const NodeInfo& n, int i) {
  if (!n.has_input(i)) return kNoValue;
  in(n, i);  // the "not defined" error with context
  return value_of_name(n.input(i), n);
}

std::vector<int> Importer::emit(const NodeInfo& n, OpType op, const std::string& node_name, std::vector<int> inputs,
                                const std::vector<std::string>& outputs, Attributes attrs) {
  for (const auto& o : outputs)
    if (!o.empty() && graph().find_value(o) >= 0) n.fail(concat("value '", o, "' is written twice"));
  std::vector<int> out_ids = builder_.node_named(op, node_name, std::move(inputs), outputs, std::move(attrs));
  Graph& g = graph();
  const Node& node = g.nodes.back();
  std::vector<TensorInfo> in_info, out_info(node.outputs.size());
  for (int v : node.inputs) {
    if (v == kNoValue)
      in_info.push_back({});
    else
      in_info.push_back({g.values[static_cast<size_t>(v)].dtype, g.values[static_cast<size_t>(v)].shape});
  }
  try {
    op_def(op).infer(node, in_info, out_info);
    for (size_t k = 0; k < out_info.size(); ++k)
      if (node.outputs[k] != kNoValue) check_shape_sane(out_info[k].shape, concat("output ", k));
  } catch (const Error& e) {
    n.fail(concat("vigil's ", op_name(op), " rejects it: ", e.what()));
  }
  // Float outputs keep the ONNX type of the node's first float input (FLOAT16 in, FLOAT16 out).
  int32_t held_type = 0;
  for (int k = 0; k < n.num_inputs(); ++k) {
    if (!n.has_input(k) || !defined(n.input(k))) continue;
    const Symbol& s = symbol(n.input(k));
    if (s.is_constant() ? s.constant->is_float() : s.dtype == DType::F32) {
      held_type = s.is_constant() ? (s.constant->type == static_cast<int32_t>(DataType::Float) ? 0 : s.constant->type)
                                  : s.held_type;
      break;
    }
  }
  for (size_t k = 0; k < out_ids.size(); ++k) {
    if (out_ids[k] == kNoValue) continue;
    Value& v = g.values[static_cast<size_t>(out_ids[k])];
    v.dtype = out_info[k].dtype;
    v.shape = out_info[k].shape;
    Symbol s;
    s.value = out_ids[k];
    s.dtype = v.dtype;
    s.held_type = v.dtype == DType::F32 ? held_type : 0;
    s.shape = v.shape;
    symbols_[outputs[k]] = std::make_shared<Symbol>(s);
    taken_names_.insert(outputs[k]);
  }
  return out_ids;
}

std::string Importer::fresh_name(const std::string& base, const std::string& suffix) {
  std::string name = concat(base, "/", suffix);
  for (int k = 2; taken_names_.count(name) || graph().find_value(name) >= 0; ++k) name = concat(base, "/", suffix, k);
  taken_names_.insert(name);
  return name;
}

void Importer::reserve_names(const std::vector<std::string>& names) {
  for (const auto& s : names) taken_names_.insert(s);
}

}  // namespace vigil::onnx
