#include "loaders/onnx/onnx_proto.h"

#include <bit>
#include <cstring>
#include <functional>
#include <set>

#include "engine/error.h"
#include "engine/shape.h"
#include "loaders/onnx/protobuf_reader.h"

namespace vigil::onnx {

std::string data_type_name(int32_t code) {
  switch (static_cast<DataType>(code)) {
    case DataType::Undefined:
      return "UNDEFINED";
    case DataType::Float:
      return "FLOAT";
    case DataType::Uint8:
      return "UINT8";
    case DataType::Int8:
      return "INT8";
    case DataType::Uint16:
      return "UINT16";
    case DataType::Int16:
      return "INT16";
    case DataType::Int32:
      return "INT32";
    case DataType::Int64:
      return "INT64";
    case DataType::String:
      return "STRING";
    case DataType::Bool:
      return "BOOL";
    case DataType::Float16:
      return "FLOAT16";
    case DataType::Double:
      return "DOUBLE";
    case DataType::Uint32:
      return "UINT32";
    case DataType::Uint64:
      return "UINT64";
    case DataType::Complex64:
      return "COMPLEX64";
    case DataType::Complex128:
      return "COMPLEX128";
    case DataType::BFloat16:
      return "BFLOAT16";
  }
  // Types of later ONNX versions than DataType lists (IR 9, 10, 11), named so that errors are readable.
  static const char* const later[] = {"FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
                                      "UINT4",        "INT4",           "FLOAT4E2M1"};
  if (code >= 17 && code < 17 + static_cast<int32_t>(std::size(later))) return later[code - 17];
  return concat("data type ", code);
}

size_t loadable_element_size(int32_t code) {
  switch (static_cast<DataType>(code)) {
    case DataType::Float:
      return 4;
    case DataType::Uint8:
      return 1;
    case DataType::Int8:
      return 1;
    case DataType::Uint16:
      return 2;
    case DataType::Int16:
      return 2;
    case DataType::Int32:
      return 4;
    case DataType::Int64:
      return 8;
    case DataType::Bool:
      return 1;
    case DataType::Float16:
      return 2;
    case DataType::Double:
      return 8;
    case DataType::Uint32:
      return 4;
    case DataType::Uint64:
      return 8;
    case DataType::BFloat16:
      return 2;
    default:
      return 0;
  }
}

bool is_floating(int32_t code) {
  auto t = static_cast<DataType>(code);
  return t == DataType::Float || t == DataType::Double || t == DataType::Float16 || t == DataType::BFloat16;
}

std::string attribute_type_name(AttributeType t) {
  switch (t) {
    case AttributeType::Undefined:
      return "UNDEFINED";
    case AttributeType::Float:
      return "FLOAT";
    case AttributeType::Int:
      return "INT";
    case AttributeType::String:
      return "STRING";
    case AttributeType::Tensor:
      return "TENSOR";
    case AttributeType::Graph:
      return "GRAPH";
    case AttributeType::Floats:
      return "FLOATS";
    case AttributeType::Ints:
      return "INTS";
    case AttributeType::Strings:
      return "STRINGS";
    case AttributeType::Tensors:
      return "TENSORS";
    case AttributeType::Graphs:
      return "GRAPHS";
    case AttributeType::SparseTensor:
      return "SPARSE_TENSOR";
    case AttributeType::SparseTensors:
      return "SPARSE_TENSORS";
    case AttributeType::TypeProto:
      return "TYPE_PROTO";
    case AttributeType::TypeProtos:
      return "TYPE_PROTOS";
  }
  return concat("attribute type ", static_cast<int>(t));
}

std::span<const uint8_t> TensorProto::bytes() const {
  if (!raw_data.empty()) return {reinterpret_cast<const uint8_t*>(raw_data.data()), raw_data.size()};
  return decoded;
}

namespace {

// The typed data fields as they arrive, before data_type (which may come later in the stream) is known.
struct TypedFields {
  std::vector<float> floats;      // 4
  std::vector<uint32_t> int32s;   // 5 (as the low 32 bits of each varint)
  std::vector<int64_t> int64s;    // 7
  std::vector<double> doubles;    // 10
  std::vector<uint64_t> uint64s;  // 11
  int string_count = 0;           // 6
  bool has_raw = false;
  std::vector<std::pair<std::string, std::string>> external_data;  // 13, key -> value
  bool location_external = false;                                  // 14
};

template <typename T>
void append_le(std::vector<uint8_t>& out, T value, size_t width) {
  uint64_t bits = 0;
  if constexpr (sizeof(T) == 8)
    bits = std::bit_cast<uint64_t>(value);
  else
    bits = std::bit_cast<uint32_t>(value);
  for (size_t i = 0; i < width; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

// A decimal external_data value (offset, length): digits only, within 63 bits.
uint64_t parse_external_number(const std::string& text, const std::string& key,
                               const std::function<void(const std::string&)>& bad) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    bad(concat("external_data '", key, "' is '", text, "', not a decimal byte count"));
  return std::stoull(text);
}

// data_location=EXTERNAL: checks the external_data entries (the keys ONNX defines: location, offset,
// length, checksum) and records where the bytes are. The data type must be loadable; reading happens
// later, where the model's folder is known.
void read_external_data_entries(TensorProto& t, const TypedFields& f, const ProtoReader& r) {
  const std::function<void(const std::string&)> bad = [&](const std::string& why) {
    r.error_at(t.offset, concat("tensor '", t.name, "': ", why));
  };
  if (!f.location_external) bad("has external_data entries but data_location is not EXTERNAL");
  if (f.external_data.empty()) bad("data_location is EXTERNAL but it has no external_data entries");
  std::set<std::string> seen;
  for (const auto& [key, value] : f.external_data) {
    if (!seen.insert(key).second) bad(concat("external_data key '", key, "' appears twice"));
    if (key == "location") {
      t.external.location = value;
    } else if (key == "offset") {
      t.external.offset = parse_external_number(value, key, bad);
    } else if (key == "length") {
      t.external.length = parse_external_number(value, key, bad);
      t.external.has_length = true;
    } else if (key != "checksum") {  // a SHA-1 of the bytes; vigil checks the size, not the hash
      bad(concat("unknown external_data key '", key, "' (ONNX defines location, offset, length, checksum)"));
    }
  }
  if (t.external.location.empty()) bad("external_data has no 'location'");
  t.is_external = true;
  if (loadable_element_size(t.data_type) == 0) {
    t.unloadable = concat("data type ", data_type_name(t.data_type), " is not supported");
    return;
  }
  t.unloadable = concat("its data is stored in the external file '", t.external.location,
                        "', which vigil reads only when the model is imported from its file (by path)");
}

// Checks dims and data against each other and converts typed fields to little-endian element bytes.
void finish_tensor(TensorProto& t, TypedFields& f, const ProtoReader& r) {
  auto bad = [&](const std::string& why) { r.error_at(t.offset, concat("tensor '", t.name, "': ", why)); };
  int64_t count = 1;
  for (int64_t d : t.dims) {
    if (d < 0) bad(concat("negative dimension ", d));
    if (d > 0 && count > kMaxElements / d)
      bad(concat("dims declare more than ", kMaxElements, " elements (malformed or absurd tensor)"));
    count *= d;
  }
  t.element_count = count;

  int sources = (f.has_raw ? 1 : 0) + (f.floats.empty() ? 0 : 1) + (f.int32s.empty() ? 0 : 1) +
                (f.int64s.empty() ? 0 : 1) + (f.doubles.empty() ? 0 : 1) + (f.uint64s.empty() ? 0 : 1) +
                (f.string_count ? 1 : 0);
  if (sources > 1) bad("holds data in more than one field (raw_data and typed fields are exclusive)");
  if (f.location_external || !f.external_data.empty()) {
    if (sources > 0) bad("holds data in raw_data or a typed field and is also stored externally");
    read_external_data_entries(t, f, r);
    return;
  }
  const size_t width = loadable_element_size(t.data_type);
  if (width == 0) {
    t.unloadable = concat("data type ", data_type_name(t.data_type), " is not supported");
    return;
  }
  const auto expected = static_cast<size_t>(count);
  if (f.has_raw) {
    if (t.raw_data.size() != expected * width)
      bad(concat("raw_data holds ", t.raw_data.size(), " bytes but ", count, " elements of ",
                 data_type_name(t.data_type), " need ", expected * width));
    return;
  }
  if (sources == 0) {
    if (count != 0) bad(concat("declares ", count, " elements but holds no data"));
    return;
  }
  auto check_count = [&](size_t n, const char* field) {
    if (n != expected) bad(concat(field, " holds ", n, " values but the dims declare ", count));
  };
  auto wrong_field = [&](const char* field) {
    bad(concat("data type ", data_type_name(t.data_type), " cannot be stored in ", field));
  };
  auto type = static_cast<DataType>(t.data_type);
  t.decoded.reserve(expected * width);
  if (!f.floats.empty()) {
    if (type != DataType::Float) wrong_field("float_data");
    check_count(f.floats.size(), "float_data");
    for (float v : f.floats) append_le(t.decoded, v, 4);
  } else if (!f.int32s.empty()) {
    switch (type) {
      case DataType::Int32:
      case DataType::Int16:
      case DataType::Int8:
      case DataType::Uint16:
      case DataType::Uint8:
      case DataType::Bool:
      case DataType::Float16:
      case DataType::BFloat16:
        break;
      default:
        wrong_field("int32_data");
    }
    check_count(f.int32s.size(), "int32_data");
    for (uint32_t v : f.int32s) append_le(t.decoded, v, width);  // narrow types keep their low bytes
  } else if (!f.int64s.empty()) {
    if (type != DataType::Int64) wrong_field("int64_data");
    check_count(f.int64s.size(), "int64_data");
    for (int64_t v : f.int64s) append_le(t.decoded, v, 8);
  } else if (!f.doubles.empty()) {
    if (type != DataType::Double) wrong_field("double_data");
    check_count(f.doubles.size(), "double_data");
    for (double v : f.doubles) append_le(t.decoded, v, 8);
  } else if (!f.uint64s.empty()) {
    if (type != DataType::Uint64 && type != DataType::Uint32) wrong_field("uint64_data");
    check_count(f.uint64s.size(), "uint64_data");
    for (uint64_t v : f.uint64s) append_le(t.decoded, v, width);
  } else {
    wrong_field("string_data");
  }
}

TensorProto read_tensor(ProtoReader r) {
  TensorProto t;
  t.offset = r.offset();
  TypedFields f;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        r.read_repeated_varint(k, "dims", [&](uint64_t v) { t.dims.push_back(static_cast<int64_t>(v)); });
        break;
      case 2:
        t.data_type = r.read_int32(k, "data_type");
        break;
      case 4:
        r.read_repeated_fixed32(k, "float_data", [&](uint32_t v) { f.floats.push_back(std::bit_cast<float>(v)); });
        break;
      case 5:
        r.read_repeated_varint(k, "int32_data", [&](uint64_t v) { f.int32s.push_back(static_cast<uint32_t>(v)); });
        break;
      case 6:
        r.read_bytes(k, "string_data");
        ++f.string_count;
        break;
      case 7:
        r.read_repeated_varint(k, "int64_data", [&](uint64_t v) { f.int64s.push_back(static_cast<int64_t>(v)); });
        break;
      case 8:
        t.name = r.read_string(k, "name");
        break;
      case 9:
        t.raw_data = r.read_bytes(k, "raw_data");
        f.has_raw = true;
        break;
      case 10:
        r.read_repeated_fixed64(k, "double_data", [&](uint64_t v) { f.doubles.push_back(std::bit_cast<double>(v)); });
        break;
      case 11:
        r.read_repeated_varint(k, "uint64_data", [&](uint64_t v) { f.uint64s.push_back(v); });
        break;
      case 13: {
        ProtoReader entry = r.read_message(k, "external_data", "StringStringEntryProto");
        std::string key, value;
        while (!entry.done()) {
          FieldKey e = entry.next_field();
          if (e.number == 1)
            key = entry.read_string(e, "key");
          else if (e.number == 2)
            value = entry.read_string(e, "value");
          else
            entry.skip(e);
        }
        f.external_data.emplace_back(std::move(key), std::move(value));
        break;
      }
      case 14: {
        const int32_t location = r.read_int32(k, "data_location");
        if (location != 0 && location != 1)
          r.error_at(k.offset, concat("data_location ", location, " is neither DEFAULT (0) nor EXTERNAL (1)"));
        f.location_external = location == 1;
        break;
      }
      case 3:  // segment: only produced for chunked tensors, which ONNX files do not use
        r.error_at(k.offset, "segmented tensors (TensorProto.segment) are not supported");
      default:
        r.skip(k);
    }
  }
  finish_tensor(t, f, r);
  return t;
}

ValueInfoProto::Dim read_dim(ProtoReader r) {
  ValueInfoProto::Dim d;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        d.value = r.read_int64(k, "dim_value");
        d.has_value = true;
        break;
      case 2:
        d.param = r.read_string(k, "dim_param");
        break;
      default:
        r.skip(k);
    }
  }
  return d;
}

void read_tensor_type(ProtoReader r, ValueInfoProto& v) {
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        v.elem_type = r.read_int32(k, "elem_type");
        break;
      case 2: {
        v.has_shape = true;
        ProtoReader shape = r.read_message(k, "shape", "TensorShapeProto");
        while (!shape.done()) {
          FieldKey dk = shape.next_field();
          if (dk.number == 1)
            v.dims.push_back(read_dim(shape.read_message(dk, "dim", "TensorShapeProto.Dimension")));
          else
            shape.skip(dk);
        }
        break;
      }
      default:
        r.skip(k);
    }
  }
}

// TypeProto may nest (sequence of optional of map of ...): recursion is bounded by the reader's depth.
void read_type(ProtoReader r, ValueInfoProto& v, bool outermost) {
  while (!r.done()) {
    FieldKey k = r.next_field();
    const char* kind = nullptr;
    switch (k.number) {
      case 1:
        if (outermost) {
          v.type_kind = "tensor";
          read_tensor_type(r.read_message(k, "tensor_type", "TypeProto.Tensor"), v);
        } else {
          r.skip(k);
        }
        continue;
      case 4:
        kind = "sequence";
        break;
      case 5:
        kind = "map";
        break;
      case 9:
        kind = "optional";
        break;
      case 8:
        kind = "sparse_tensor";
        break;
      case 7:
        kind = "opaque";
        break;
      default:
        r.skip(k);
        continue;
    }
    if (outermost) v.type_kind = kind;
    // Walk the element type too, so hostile nesting is caught here and not by a later consumer.
    ProtoReader inner = r.read_message(k, kind, "TypeProto");
    while (!inner.done()) {
      FieldKey ik = inner.next_field();
      // sequence/optional: elem_type = 1; map: value_type = 2. Both are TypeProtos.
      const bool nested_type = (k.number == 4 || k.number == 9) ? ik.number == 1 : (k.number == 5 && ik.number == 2);
      if (nested_type)
        read_type(inner.read_message(ik, "elem_type", "TypeProto"), v, false);
      else
        inner.skip(ik);
    }
  }
}

ValueInfoProto read_value_info(ProtoReader r) {
  ValueInfoProto v;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        v.name = r.read_string(k, "name");
        break;
      case 2:
        read_type(r.read_message(k, "type", "TypeProto"), v, true);
        break;
      default:
        r.skip(k);
    }
  }
  return v;
}

AttributeProto read_attribute(ProtoReader r) {
  AttributeProto a;
  a.offset = r.offset();
  bool has_f = false, has_i = false, has_s = false;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        a.name = r.read_string(k, "name");
        break;
      case 21:
        a.ref_attr_name = r.read_string(k, "ref_attr_name");
        break;
      case 20:
        a.type = static_cast<AttributeType>(r.read_int32(k, "type"));
        break;
      case 2:
        a.f = r.read_float(k, "f");
        has_f = true;
        break;
      case 3:
        a.i = r.read_int64(k, "i");
        has_i = true;
        break;
      case 4:
        a.s = r.read_string(k, "s");
        has_s = true;
        break;
      case 5:
        a.t = std::make_shared<TensorProto>(read_tensor(r.read_message(k, "t", "TensorProto")));
        break;
      case 6:
      case 11:
        r.read_bytes(k, "g");
        ++a.graph_count;
        break;
      case 7:
        r.read_repeated_fixed32(k, "floats", [&](uint32_t v) { a.floats.push_back(std::bit_cast<float>(v)); });
        break;
      case 8:
        r.read_repeated_varint(k, "ints", [&](uint64_t v) { a.ints.push_back(static_cast<int64_t>(v)); });
        break;
      case 9:
        a.strings.emplace_back(r.read_bytes(k, "strings"));
        break;
      case 10:
      case 22:
      case 23:
      case 14:
      case 15:
        r.read_bytes(k, "tensors");
        ++a.other_count;
        break;
      default:
        r.skip(k);
    }
  }
  // IR version 1 files carry no type: deduce it from the field that is set.
  if (a.type == AttributeType::Undefined) {
    if (a.graph_count)
      a.type = AttributeType::Graph;
    else if (a.t)
      a.type = AttributeType::Tensor;
    else if (!a.floats.empty())
      a.type = AttributeType::Floats;
    else if (!a.ints.empty())
      a.type = AttributeType::Ints;
    else if (!a.strings.empty())
      a.type = AttributeType::Strings;
    else if (has_f)
      a.type = AttributeType::Float;
    else if (has_i)
      a.type = AttributeType::Int;
    else if (has_s)
      a.type = AttributeType::String;
  }
  return a;
}

NodeProto read_node(ProtoReader r) {
  NodeProto n;
  n.offset = r.offset();
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        n.inputs.push_back(r.read_string(k, "input"));
        break;
      case 2:
        n.outputs.push_back(r.read_string(k, "output"));
        break;
      case 3:
        n.name = r.read_string(k, "name");
        break;
      case 4:
        n.op_type = r.read_string(k, "op_type");
        break;
      case 7:
        n.domain = r.read_string(k, "domain");
        break;
      case 5:
        n.attributes.push_back(read_attribute(r.read_message(k, "attribute", "AttributeProto")));
        break;
      default:
        r.skip(k);
    }
  }
  return n;
}

GraphProto read_graph(ProtoReader r) {
  GraphProto g;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        g.nodes.push_back(read_node(r.read_message(k, "node", "NodeProto")));
        break;
      case 2:
        g.name = r.read_string(k, "name");
        break;
      case 5:
        g.initializers.push_back(read_tensor(r.read_message(k, "initializer", "TensorProto")));
        break;
      case 15:
        r.read_bytes(k, "sparse_initializer");
        ++g.sparse_initializer_count;
        break;
      case 11:
        g.inputs.push_back(read_value_info(r.read_message(k, "input", "ValueInfoProto")));
        break;
      case 12:
        g.outputs.push_back(read_value_info(r.read_message(k, "output", "ValueInfoProto")));
        break;
      case 13:
        g.value_info.push_back(read_value_info(r.read_message(k, "value_info", "ValueInfoProto")));
        break;
      default:
        r.skip(k);
    }
  }
  return g;
}

OperatorSetId read_opset(ProtoReader r) {
  OperatorSetId o;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        o.domain = r.read_string(k, "domain");
        break;
      case 2:
        o.version = r.read_int64(k, "version");
        break;
      default:
        r.skip(k);
    }
  }
  return o;
}

std::pair<std::string, std::string> read_string_pair(ProtoReader r) {
  std::pair<std::string, std::string> p;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        p.first = r.read_string(k, "key");
        break;
      case 2:
        p.second = r.read_string(k, "value");
        break;
      default:
        r.skip(k);
    }
  }
  return p;
}

}  // namespace

ModelProto decode_model(std::span<const uint8_t> bytes) {
  ProtoReader r(bytes, "ModelProto");
  ModelProto m;
  while (!r.done()) {
    FieldKey k = r.next_field();
    switch (k.number) {
      case 1:
        m.ir_version = r.read_int64(k, "ir_version");
        break;
      case 2:
        m.producer_name = r.read_string(k, "producer_name");
        break;
      case 3:
        m.producer_version = r.read_string(k, "producer_version");
        break;
      case 4:
        m.domain = r.read_string(k, "domain");
        break;
      case 5:
        m.model_version = r.read_int64(k, "model_version");
        break;
      case 7:
        m.graph = read_graph(r.read_message(k, "graph", "GraphProto"));
        m.has_graph = true;
        break;
      case 8:
        m.opset_imports.push_back(read_opset(r.read_message(k, "opset_import", "OperatorSetIdProto")));
        break;
      case 14:
        m.metadata_props.push_back(read_string_pair(r.read_message(k, "metadata_props", "StringStringEntryProto")));
        break;
      case 25:
        r.read_bytes(k, "functions");
        ++m.function_count;
        break;
      default:
        r.skip(k);
    }
  }
  return m;
}

TensorProto decode_tensor(std::span<const uint8_t> bytes) { return read_tensor(ProtoReader(bytes, "TensorProto")); }

}  // namespace vigil::onnx
