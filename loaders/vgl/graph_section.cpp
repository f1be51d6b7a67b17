#include "loaders/vgl/graph_section.h"

#include <unordered_set>

#include "loaders/vgl/attr_codec.h"
#include "loaders/vgl/dims_codec.h"
#include "loaders/vgl/format.h"

namespace vigil::vgl {

namespace {

uint32_t count32(size_t n, const char* what) {
  if (n > INT32_MAX) fail("write_vgl: ", n, " ", what, " exceed the format's limit of 2^31 - 1");
  return static_cast<uint32_t>(n);
}

ValueKind kind_of(const Graph& g, int id, const std::vector<bool>& is_input) {
  if (is_input[static_cast<size_t>(id)]) return ValueKind::Input;
  if (g.values[static_cast<size_t>(id)].constant >= 0) return ValueKind::Constant;
  return ValueKind::Intermediate;
}

}  // namespace

void encode_graph(const Graph& g, StringInterner& strings, ByteWriter& out) {
  const int nv = static_cast<int>(g.values.size());
  auto check_id = [&](int id, const std::string& where) {
    if (id < kNoValue || id >= nv) fail("write_vgl: ", where, " refers to value ", id, " of ", nv);
  };
  std::vector<bool> is_input(g.values.size(), false);
  for (int id : g.inputs) {
    check_id(id, "a graph input");
    if (id == kNoValue) fail("write_vgl: a graph input is absent (-1)");
    is_input[static_cast<size_t>(id)] = true;
  }
  out.put<uint32_t>(count32(g.values.size(), "values"));
  out.put<uint32_t>(count32(g.nodes.size(), "nodes"));
  out.put<uint32_t>(count32(g.inputs.size(), "graph inputs"));
  out.put<uint32_t>(count32(g.outputs.size(), "graph outputs"));
  for (int id = 0; id < nv; ++id) {
    const Value& v = g.values[static_cast<size_t>(id)];
    const ValueKind kind = kind_of(g, id, is_input);
    const bool recorded = v.dtype != DType::Undefined;
    if (!recorded && kind != ValueKind::Intermediate)
      fail("write_vgl: value '", v.name, "' has no dtype (run validate_and_infer before writing)");
    out.put<uint32_t>(strings.add(v.name));
    out.put<uint8_t>(static_cast<uint8_t>(v.dtype));
    out.put<uint8_t>(static_cast<uint8_t>(kind));
    out.put<uint8_t>(static_cast<uint8_t>(recorded ? v.shape.rank : 0));
    out.put<uint8_t>(0);
    out.put<int32_t>(kind == ValueKind::Constant ? v.constant : -1);
    out.put<uint32_t>(0);
    write_dims(out, recorded ? v.shape : Shape{});
  }
  for (int id : g.inputs) out.put<int32_t>(id);
  for (int id : g.outputs) {
    check_id(id, "a graph output");
    out.put<int32_t>(id);
  }
  out.align(8);
  for (const Node& n : g.nodes) {
    out.put<uint32_t>(strings.add(op_name(n.op)));
    out.put<uint32_t>(strings.add(n.name));
    out.put<uint32_t>(count32(n.inputs.size(), "node inputs"));
    out.put<uint32_t>(count32(n.outputs.size(), "node outputs"));
    out.put<uint32_t>(count32(n.attrs.entries().size(), "node attributes"));
    out.put<uint32_t>(0);
    for (int id : n.inputs) {
      check_id(id, n.label());
      out.put<int32_t>(id);
    }
    for (int id : n.outputs) {
      check_id(id, n.label());
      out.put<int32_t>(id);
    }
    out.align(8);
    for (const auto& e : n.attrs.entries()) encode_attr(out, strings, e.name, e.value);
  }
}

DecodedGraph decode_graph(const uint8_t* base, const FileLayout& layout, const StringTable& strings,
                          const std::vector<TensorRecord>& tensors, const std::string& file) {
  const SectionRef& sec = layout.graph;
  ByteCursor cur(base, sec.offset, sec.offset + sec.size, file, "GRAPH section");
  DecodedGraph out;
  Graph& g = out.graph;

  const uint64_t value_count_at = cur.pos();
  const uint32_t value_count = cur.u32("value_count");
  const uint64_t node_count_at = cur.pos();
  const uint32_t node_count = cur.u32("node_count");
  const uint64_t input_count_at = cur.pos();
  const uint32_t input_count = cur.u32("input_count");
  const uint64_t output_count_at = cur.pos();
  const uint32_t output_count = cur.u32("output_count");
  if (value_count > INT32_MAX) cur.fail_field(value_count_at, "value_count", "exceeds 2^31 - 1");
  cur.check_count(value_count, kValueRecordBytes, value_count_at, "value_count");

  // Values.
  std::vector<ValueKind> kinds;
  kinds.reserve(value_count);
  g.values.reserve(value_count);
  out.recorded.reserve(value_count);
  std::vector<int> tensor_user(tensors.size(), -1);
  for (uint32_t i = 0; i < value_count; ++i) {
    RecordedValue rec;
    rec.record_offset = cur.pos();
    cur.set_context(concat("GRAPH section value ", i));
    Value v;
    v.name = strings.read(cur, "name");
    cur.set_context(concat("GRAPH section value ", i, " ('", v.name, "')"));
    const uint64_t dtype_at = cur.pos();
    const uint8_t dtype = cur.u8("dtype");
    const uint64_t kind_at = cur.pos();
    const uint8_t kind_code = cur.u8("kind");
    const uint64_t rank_at = cur.pos();
    const uint8_t rank = cur.u8("rank");
    cur.zeros(1, "reserved");
    const uint64_t constant_at = cur.pos();
    const int32_t constant = cur.i32("constant");
    cur.zeros(4, "reserved");
    if (kind_code > static_cast<uint8_t>(ValueKind::Intermediate))
      cur.fail_field(kind_at, "kind",
                     concat("unknown value kind ", int{kind_code}, " (valid: 0 input, 1 constant, 2 intermediate)"));
    const auto kind = static_cast<ValueKind>(kind_code);
    if (dtype != 0 && !dtype_is_known(dtype))
      cur.fail_field(dtype_at, "dtype", concat("unknown dtype code ", int{dtype}));
    if (dtype == 0 && kind != ValueKind::Intermediate)
      cur.fail_field(dtype_at, "dtype", "a graph input or constant must record its dtype");
    if (dtype == 0 && rank != 0) cur.fail_field(rank_at, "rank", "a value without a recorded dtype must have rank 0");
    const Shape shape = read_dims(cur, rank, rank_at, /*allow_zero=*/kind == ValueKind::Constant);
    if (kind == ValueKind::Constant) {
      if (constant < 0 || static_cast<size_t>(constant) >= tensors.size())
        cur.fail_field(
            constant_at, "constant",
            concat("tensor index ", constant, " is out of range (the tensor table has ", tensors.size(), ")"));
      const TensorRecord& t = tensors[static_cast<size_t>(constant)];
      int& user = tensor_user[static_cast<size_t>(constant)];
      if (user >= 0)
        cur.fail_field(constant_at, "constant",
                       concat("tensor ", constant, " is already used by value ", user, " ('",
                              g.values[static_cast<size_t>(user)].name, "')"));
      user = static_cast<int>(i);
      if (t.name != v.name)
        cur.fail_field(rec.record_offset, "name", concat("differs from the name '", t.name, "' of tensor ", constant));
      if (t.dtype != static_cast<DType>(dtype) || !(t.shape == shape))
        cur.fail_field(dtype_at, "dtype/shape",
                       concat(dtype_name(static_cast<DType>(dtype)), shape.str(), " differs from tensor ", constant,
                              "'s ", dtype_name(t.dtype), t.shape.str()));
      v.constant = constant;
    } else if (constant != -1) {
      cur.fail_field(constant_at, "constant",
                     concat("is ", constant, " for a value that is not a constant; must be -1"));
    }
    if (kind != ValueKind::Intermediate) {
      v.dtype = static_cast<DType>(dtype);
      v.shape = shape;
    }
    rec.dtype = static_cast<DType>(dtype);
    rec.shape = shape;
    g.values.push_back(std::move(v));
    kinds.push_back(kind);
    out.recorded.push_back(rec);
  }
  for (size_t t = 0; t < tensors.size(); ++t)
    if (tensor_user[t] < 0)
      fail_at(file, concat("TENSORS section record ", t, " ('", tensors[t].name, "')"), tensors[t].record_offset,
              "no constant value refers to this tensor");

  // Graph inputs and outputs.
  cur.set_context("GRAPH section");
  auto read_id = [&](const std::string& field) -> std::pair<int, uint64_t> {
    const uint64_t at = cur.pos();
    const int32_t id = cur.i32(field);
    if (id < 0 || static_cast<uint32_t>(id) >= value_count)
      cur.fail_field(at, field, concat("value id ", id, " is out of range 0..", int64_t{value_count} - 1));
    return {id, at};
  };
  cur.check_count(input_count, 4, input_count_at, "input_count");
  g.inputs.reserve(input_count);
  std::vector<bool> listed(value_count, false);
  for (uint32_t i = 0; i < input_count; ++i) {
    auto [id, at] = read_id(concat("graph input ", i));
    if (kinds[static_cast<size_t>(id)] != ValueKind::Input)
      cur.fail_field(at, concat("graph input ", i),
                     concat("value ", id, " ('", g.values[static_cast<size_t>(id)].name, "') is not of kind input"));
    if (listed[static_cast<size_t>(id)])
      cur.fail_field(at, concat("graph input ", i), concat("value ", id, " is listed twice"));
    listed[static_cast<size_t>(id)] = true;
    g.inputs.push_back(id);
  }
  for (uint32_t i = 0; i < value_count; ++i)
    if (kinds[i] == ValueKind::Input && !listed[i])
      fail_at(file, concat("GRAPH section value ", i, " ('", g.values[i].name, "') kind"),
              out.recorded[i].record_offset + 5, "is input but the value is not listed among the graph inputs");
  cur.check_count(output_count, 4, output_count_at, "output_count");
  g.outputs.reserve(output_count);
  for (uint32_t i = 0; i < output_count; ++i) g.outputs.push_back(read_id(concat("graph output ", i)).first);
  cur.align(8, "padding");

  // Nodes.
  cur.check_count(node_count, kNodeHeaderBytes, node_count_at, "node_count");
  g.nodes.reserve(node_count);
  for (uint32_t n = 0; n < node_count; ++n) {
    Node node;
    cur.set_context(concat("GRAPH section node ", n));
    const uint64_t op_at = cur.pos();
    const std::string_view op = strings.read(cur, "op");
    node.name = strings.read(cur, "name");
    cur.set_context(concat("GRAPH section node ", n, " ('", node.name, "')"));
    const auto op_type = op_from_name(op);
    if (!op_type) cur.fail_field(op_at, "op", concat("unknown operator '", op, "'"));
    node.op = *op_type;
    const uint64_t in_count_at = cur.pos();
    const uint32_t in_count = cur.u32("input_count");
    const uint64_t out_count_at = cur.pos();
    const uint32_t out_count = cur.u32("output_count");
    const uint64_t attr_count_at = cur.pos();
    const uint32_t attr_count = cur.u32("attr_count");
    cur.zeros(4, "reserved");
    cur.check_count(in_count, 4, in_count_at, "input_count");
    node.inputs.reserve(in_count);
    for (uint32_t i = 0; i < in_count; ++i) {
      const uint64_t at = cur.pos();
      const int32_t id = cur.i32("input");
      if (id < kNoValue || (id >= 0 && static_cast<uint32_t>(id) >= value_count))
        cur.fail_field(at, concat("input ", i),
                       concat("value id ", id, " is out of range -1..", int64_t{value_count} - 1));
      node.inputs.push_back(id);
    }
    cur.check_count(out_count, 4, out_count_at, "output_count");
    node.outputs.reserve(out_count);
    for (uint32_t i = 0; i < out_count; ++i) {
      const uint64_t at = cur.pos();
      const int32_t id = cur.i32("output");
      if (id < kNoValue || (id >= 0 && static_cast<uint32_t>(id) >= value_count))
        cur.fail_field(at, concat("output ", i),
                       concat("value id ", id, " is out of range -1..", int64_t{value_count} - 1));
      if (id >= 0 && kinds[static_cast<size_t>(id)] != ValueKind::Intermediate)
        cur.fail_field(at, concat("output ", i),
                       concat("value ", id, " ('", g.values[static_cast<size_t>(id)].name,
                              "') is a graph input or constant and cannot be computed by a node"));
      node.outputs.push_back(id);
    }
    cur.align(8, "padding");
    cur.check_count(attr_count, kAttrHeaderBytes, attr_count_at, "attr_count");
    if (attr_count > kMaxNodeAttributes)
      cur.fail_field(attr_count_at, "attr_count",
                     concat(attr_count, " attributes exceed the limit of ", kMaxNodeAttributes, " per node"));
    for (uint32_t a = 0; a < attr_count; ++a) {
      const uint64_t at = cur.pos();
      cur.set_context(concat("GRAPH section node ", n, " ('", node.name, "') attribute ", a));
      auto [name, value] = decode_attr(cur, strings);
      if (node.attrs.has(name)) cur.fail_field(at, "name", concat("attribute '", name, "' appears twice"));
      node.attrs.set(std::move(name), std::move(value));
    }
    g.nodes.push_back(std::move(node));
  }
  cur.set_context("GRAPH section");
  cur.expect_end("end");
  return out;
}

}  // namespace vigil::vgl
