// The subset of onnx.proto (field numbers from onnx/onnx.proto) that vigil reads, as plain structs decoded
// with ProtoReader. Unknown fields are skipped; known fields with the wrong wire type are errors.
//
// Decoded structs keep string_views into the caller's file buffer (TensorProto::raw_data), so the buffer
// must outlive them. Nested graphs (If/Loop/Scan bodies) are not decoded: an attribute holding one only
// records that it does, and the importer rejects it by name.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::onnx {

// TensorProto.DataType codes.
enum class DataType : int32_t {
  Undefined = 0,
  Float = 1,
  Uint8 = 2,
  Int8 = 3,
  Uint16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  Uint32 = 12,
  Uint64 = 13,
  Complex64 = 14,
  Complex128 = 15,
  BFloat16 = 16,
};

std::string data_type_name(int32_t code);  // "FLOAT", "INT64", ... or "data type 42"
// Element size of the data types vigil can load (the fixed-width real and integer types); 0 for the others
// (strings, complex, 8/4/2-bit floats and ints).
size_t loadable_element_size(int32_t code);
bool is_floating(int32_t code);  // FLOAT, DOUBLE, FLOAT16, BFLOAT16

struct TensorProto {
  std::string name;
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  int64_t element_count = 0;  // product of dims (validated: no negatives, at most kMaxElements)
  // Little-endian element bytes of a loadable data type: either a view into the file (raw_data) or bytes
  // decoded from the typed fields (float_data, int32_data, int64_data, double_data, uint64_data). Empty
  // with element_count > 0 only when `unloadable` says why.
  std::span<const uint8_t> bytes() const;
  std::string unloadable;  // non-empty: why the data cannot be used (dtype, external data, strings...)
  size_t offset = 0;       // absolute byte offset of the message, for errors

  std::string_view raw_data;
  std::vector<uint8_t> decoded;

  // data_location=EXTERNAL: the bytes live in a file beside the model. `unloadable` says so until
  // resolve_external_data (external_data.h) reads them into `decoded`.
  struct ExternalData {
    std::string location;  // relative to the model's folder
    uint64_t offset = 0;
    bool has_length = false;
    uint64_t length = 0;
  };
  bool is_external = false;
  ExternalData external;
};

struct ValueInfoProto {
  struct Dim {
    bool has_value = false;
    int64_t value = 0;
    std::string param;  // symbolic name, e.g. "batch"
  };
  std::string name;
  std::string type_kind;  // "tensor", "sequence", "map", "optional", "sparse_tensor", "opaque" or "" if absent
  int32_t elem_type = 0;
  bool has_shape = false;
  std::vector<Dim> dims;
};

enum class AttributeType : int32_t {
  Undefined = 0,
  Float = 1,
  Int = 2,
  String = 3,
  Tensor = 4,
  Graph = 5,
  Floats = 6,
  Ints = 7,
  Strings = 8,
  Tensors = 9,
  Graphs = 10,
  SparseTensor = 11,
  SparseTensors = 12,
  TypeProto = 13,
  TypeProtos = 14,
};

std::string attribute_type_name(AttributeType t);

struct AttributeProto {
  std::string name;
  AttributeType type = AttributeType::Undefined;
  std::string ref_attr_name;  // set inside function bodies only; rejected by the importer
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<TensorProto> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  int graph_count = 0;  // g / graphs present (not decoded)
  int other_count = 0;  // tensors / sparse tensors / type protos present (not decoded)
  size_t offset = 0;
};

struct NodeProto {
  std::vector<std::string> inputs;  // "" marks an absent optional input
  std::vector<std::string> outputs;
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<AttributeProto> attributes;
  size_t offset = 0;
};

struct GraphProto {
  std::string name;
  std::vector<NodeProto> nodes;
  std::vector<TensorProto> initializers;
  int sparse_initializer_count = 0;
  std::vector<ValueInfoProto> inputs;
  std::vector<ValueInfoProto> outputs;
  std::vector<ValueInfoProto> value_info;
};

struct OperatorSetId {
  std::string domain;
  int64_t version = 0;
};

struct ModelProto {
  int64_t ir_version = 0;
  std::vector<OperatorSetId> opset_imports;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  bool has_graph = false;
  GraphProto graph;
  std::vector<std::pair<std::string, std::string>> metadata_props;
  int function_count = 0;
};

// Decode a whole model / a standalone TensorProto (the .pb files of ONNX's test data). Throw vigil::Error
// with the byte offset on malformed input.
ModelProto decode_model(std::span<const uint8_t> bytes);
TensorProto decode_tensor(std::span<const uint8_t> bytes);

}  // namespace vigil::onnx
