// The protobuf wire-format reader and the ONNX message decoder on hand-built bytes: well-formed input
// decodes field by field; every kind of malformed input is a clean vigil::Error naming the byte offset.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/error.h"
#include "loaders/onnx/onnx_proto.h"
#include "loaders/onnx/protobuf_reader.h"
#include "test_onnx_encoder.h"

using namespace vigil;
using namespace vigil::onnx;
using vigil::test::Pb;
using vigil::test::to_bytes;

namespace {

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    decode_model(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string tensor_error_of(const std::string& bytes) {
  try {
    decode_tensor(to_bytes(bytes));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("onnx protobuf: varints decode, including the 10-byte maximum") {
  const std::vector<uint8_t> bytes = {0x96, 0x01,                                                   // 150
                                      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};  // 2^64-1
  ProtoReader r(bytes, "test");
  CHECK(r.read_varint() == 150);
  CHECK(r.read_varint() == UINT64_MAX);
  CHECK(r.done());
}

TEST_CASE("onnx protobuf: a truncated varint is an error at its offset") {
  const std::vector<uint8_t> bytes = {0x08, 0x96};  // ir_version = <varint cut after one byte>
  const std::string e = error_of(bytes);
  CHECK(e.find("truncated varint") != std::string::npos);
  CHECK(e.find("byte offset 1") != std::string::npos);
  CHECK(e.find("ModelProto") != std::string::npos);
}

TEST_CASE("onnx protobuf: a varint past 64 bits is rejected") {
  std::vector<uint8_t> bytes = {0x08};
  for (int k = 0; k < 10; ++k) bytes.push_back(0x80);  // continuation on the 10th byte
  bytes.push_back(0x01);
  const std::string e = error_of(bytes);
  CHECK(e.find("varint overflows 64 bits") != std::string::npos);
  CHECK(e.find("byte offset 1") != std::string::npos);
}

TEST_CASE("onnx protobuf: a length running past the end of the message is rejected") {
  // graph (field 7, length-delimited) declaring 100 bytes with 3 present.
  std::string bytes = Pb::tag(7, 2) + Pb::varint(100) + "abc";
  std::string e = error_of(to_bytes(bytes));
  CHECK(e.find("declares 100 bytes but only 3 remain") != std::string::npos);
  CHECK(e.find("byte offset 1") != std::string::npos);

  // A huge declared length (2^62) is the same clean error, not an allocation.
  bytes = Pb::tag(7, 2) + Pb::varint(uint64_t{1} << 62) + "abc";
  e = error_of(to_bytes(bytes));
  CHECK(e.find("declares 4611686018427387904 bytes") != std::string::npos);

  // Inside a nested message the bound is the enclosing message, not the file: a node claiming more bytes
  // than its graph holds fails even though the file has bytes after the graph.
  Pb graph;
  graph.bytes = Pb::tag(1, 2) + Pb::varint(50) + "xy";
  Pb model;
  model.m(7, graph).s(2, std::string(100, 'p'));
  e = error_of(to_bytes(model.bytes));
  CHECK(e.find("(in GraphProto)") != std::string::npos);
  CHECK(e.find("declares 50 bytes but only 2 remain") != std::string::npos);
  CHECK(e.find("byte offset 3") != std::string::npos);  // tag(1) + len(1) of the graph, then the node tag
}

TEST_CASE("onnx protobuf: wrong wire types for known fields are rejected") {
  // graph as a varint
  std::string e = error_of(to_bytes(Pb().u(7, 5).bytes));
  CHECK(e.find("field 'graph' (7) has wire type varint, expected length-delimited") != std::string::npos);
  CHECK(e.find("byte offset 0") != std::string::npos);
  // ir_version as a string
  e = error_of(to_bytes(Pb().s(1, "x").bytes));
  CHECK(e.find("field 'ir_version' (1) has wire type length-delimited, expected varint") != std::string::npos);
  // attribute f as a varint, deep inside
  Pb attr;
  attr.s(1, "alpha").u(2, 3);
  Pb node;
  node.s(4, "LeakyRelu").m(5, attr);
  Pb graph;
  graph.m(1, node);
  e = error_of(to_bytes(Pb().m(7, graph).bytes));
  CHECK(e.find("field 'f' (2) has wire type varint, expected fixed32") != std::string::npos);
  CHECK(e.find("(in AttributeProto)") != std::string::npos);
}

TEST_CASE("onnx protobuf: groups, invalid wire types and field 0 are rejected") {
  CHECK(error_of(to_bytes(Pb::tag(5, 3))).find("deprecated group encoding") != std::string::npos);
  CHECK(error_of(to_bytes(Pb::tag(5, 4))).find("deprecated group encoding") != std::string::npos);
  CHECK(error_of(to_bytes(Pb::tag(5, 6))).find("invalid wire type 6") != std::string::npos);
  CHECK(error_of(to_bytes(Pb::tag(5, 7))).find("invalid wire type 7") != std::string::npos);
  CHECK(error_of(to_bytes(Pb::tag(0, 0) + Pb::varint(1))).find("field number 0 is invalid") != std::string::npos);
}

TEST_CASE("onnx protobuf: truncated fixed-width fields are rejected") {
  // ModelProto with an unknown fixed64 field (9) cut short: skipping must not read past the end.
  std::string e = error_of(to_bytes(Pb::tag(9, 1) + "abc"));
  CHECK(e.find("truncated fixed64") != std::string::npos);
  e = error_of(to_bytes(Pb::tag(9, 5) + "a"));
  CHECK(e.find("truncated fixed32") != std::string::npos);
}

TEST_CASE("onnx protobuf: nesting deeper than the limit is rejected, not recursed into") {
  // A graph input whose type is sequence(sequence(...(tensor))) 40 levels deep.
  Pb type;
  type.m(1, Pb().i(1, 1));
  for (int k = 0; k < 40; ++k) {
    Pb seq;
    seq.m(1, type);
    type = Pb();
    type.m(4, seq);
  }
  Pb vi;
  vi.s(1, "x").m(2, type);
  Pb graph;
  graph.m(11, vi);
  const std::string e = error_of(to_bytes(Pb().m(7, graph).bytes));
  CHECK(e.find("nested more than 32 levels") != std::string::npos);

  // Ten levels are fine and leave a "sequence" input for the importer to reject by name.
  type = Pb();
  type.m(1, Pb().i(1, 1));
  for (int k = 0; k < 10; ++k) {
    Pb seq;
    seq.m(1, type);
    type = Pb();
    type.m(4, seq);
  }
  vi = Pb();
  vi.s(1, "x").m(2, type);
  graph = Pb();
  graph.m(11, vi);
  const ModelProto m = decode_model(to_bytes(Pb().m(7, graph).bytes));
  REQUIRE(m.graph.inputs.size() == 1);
  CHECK(m.graph.inputs[0].type_kind == "sequence");
}

TEST_CASE("onnx protobuf: tensors with huge or inconsistent declared sizes are clean errors") {
  // 2^40 x 2^40 elements: rejected from the dims alone, before looking at the data.
  Pb t;
  t.i(1, int64_t{1} << 40).i(1, int64_t{1} << 40).i(2, 1).s(9, "abcd");
  CHECK(tensor_error_of(t.bytes).find("more than 4294967296 elements") != std::string::npos);
  // A million floats declared, one present.
  t = Pb();
  t.i(1, 1000000).i(2, 1).s(8, "w").s(9, "abcd");
  std::string e = tensor_error_of(t.bytes);
  CHECK(e.find("tensor 'w': raw_data holds 4 bytes but 1000000 elements of FLOAT need 4000000") != std::string::npos);
  CHECK(e.find("byte offset 0") != std::string::npos);
  // Typed data with the wrong count, negative dims, data in two places, a field for the wrong type.
  t = Pb();
  t.i(1, 3).i(2, 1).packed_f(4, {1, 2});
  CHECK(tensor_error_of(t.bytes).find("float_data holds 2 values but the dims declare 3") != std::string::npos);
  t = Pb();
  t.i(1, -2).i(2, 1);
  CHECK(tensor_error_of(t.bytes).find("negative dimension -2") != std::string::npos);
  t = Pb();
  t.i(1, 1).i(2, 1).packed_f(4, {1}).s(9, "abcd");
  CHECK(tensor_error_of(t.bytes).find("more than one field") != std::string::npos);
  t = Pb();
  t.i(1, 1).i(2, 7).packed_f(4, {1});
  CHECK(tensor_error_of(t.bytes).find("INT64 cannot be stored in float_data") != std::string::npos);
  t = Pb();
  t.i(1, 4).i(2, 1);
  CHECK(tensor_error_of(t.bytes).find("declares 4 elements but holds no data") != std::string::npos);
}

TEST_CASE("onnx protobuf: tensor data decodes from raw_data and from packed or unpacked typed fields") {
  // raw_data is a view into the file buffer, which must outlive the decoded tensor.
  const std::vector<uint8_t> raw_file = to_bytes(vigil::test::tensor_f32("a", {2}, {1.5f, -2.0f}, true).bytes);
  TensorProto raw = decode_tensor(raw_file);
  TensorProto typed = decode_tensor(to_bytes(vigil::test::tensor_f32("a", {2}, {1.5f, -2.0f}, false).bytes));
  CHECK(raw.element_count == 2);
  REQUIRE(raw.bytes().size() == 8);
  CHECK(raw.bytes().data() >= raw_file.data());  // zero-copy
  float second_value;
  std::memcpy(&second_value, raw.bytes().data() + 4, 4);
  CHECK(second_value == -2.0f);
  REQUIRE(typed.bytes().size() == 8);
  CHECK(std::equal(raw.bytes().begin(), raw.bytes().end(), typed.bytes().begin()));

  // int64_data unpacked (one tag per value) equals packed.
  Pb unpacked;
  unpacked.i(1, 3).i(2, 7).i(7, 5).i(7, -1).i(7, int64_t{1} << 40);
  Pb packed;
  packed.i(1, 3).i(2, 7).packed_i(7, {5, -1, int64_t{1} << 40});
  TensorProto u = decode_tensor(to_bytes(unpacked.bytes)), p = decode_tensor(to_bytes(packed.bytes));
  REQUIRE(u.bytes().size() == 24);
  CHECK(std::equal(u.bytes().begin(), u.bytes().end(), p.bytes().begin()));
  int64_t second;
  std::memcpy(&second, u.bytes().data() + 8, 8);
  CHECK(second == -1);

  // int32_data holds narrow types: INT8 -3 keeps its low byte.
  Pb i8;
  i8.i(1, 2).i(2, 3).i(5, -3).i(5, 7);
  TensorProto n = decode_tensor(to_bytes(i8.bytes));
  REQUIRE(n.bytes().size() == 2);
  CHECK(static_cast<int8_t>(n.bytes()[0]) == -3);
  CHECK(n.bytes()[1] == 7);
}

TEST_CASE("onnx protobuf: external data and unsupported types are recorded, not misread") {
  Pb t;
  t.i(1, 4).i(2, 1).s(8, "w").m(13, Pb().s(1, "location").s(2, "w.bin")).m(13, Pb().s(1, "offset").s(2, "64")).i(14, 1);
  TensorProto ext = decode_tensor(to_bytes(t.bytes));
  CHECK(ext.is_external);
  CHECK(ext.external.location == "w.bin");
  CHECK(ext.external.offset == 64);
  CHECK_FALSE(ext.external.has_length);
  CHECK(ext.bytes().empty());
  CHECK(ext.unloadable.find("stored in the external file 'w.bin'") != std::string::npos);
  Pb s;
  s.i(1, 1).i(2, 8).s(6, "hello");
  CHECK(decode_tensor(to_bytes(s.bytes)).unloadable.find("STRING is not supported") != std::string::npos);
}

TEST_CASE("onnx protobuf: unknown fields of every wire type are skipped") {
  Pb m;
  m.i(1, 8).u(99, 12345).f(98, 1.0f).s(97, "ignored");
  m.bytes += Pb::tag(96, 1) + std::string(8, '\0');  // fixed64
  m.s(2, "producer");
  const ModelProto model = decode_model(to_bytes(m.bytes));
  CHECK(model.ir_version == 8);
  CHECK(model.producer_name == "producer");
  CHECK_FALSE(model.has_graph);
}

TEST_CASE("onnx protobuf: a whole model decodes") {
  using namespace vigil::test;
  GraphSpec g;
  g.inputs.push_back(value_info("x", kFloat, {-1, 3}));
  g.outputs.push_back(value_info("y", kFloat, {0, 3}));
  g.initializers.push_back(tensor_i64("shape", {2}, {1, -1}));
  g.nodes.push_back(node("LeakyRelu", {"x"}, {"y"}, "act", {attr_f("alpha", 0.25f), attr_ints("pads", {1, 2})}));
  const ModelProto m = decode_model(model(g, 17, "exporter", "2.1"));
  CHECK(m.producer_name == "exporter");
  CHECK(m.producer_version == "2.1");
  REQUIRE(m.opset_imports.size() == 1);
  CHECK(m.opset_imports[0].version == 17);
  REQUIRE(m.graph.nodes.size() == 1);
  const NodeProto& n = m.graph.nodes[0];
  CHECK(n.op_type == "LeakyRelu");
  CHECK(n.name == "act");
  REQUIRE(n.attributes.size() == 2);
  CHECK(n.attributes[0].type == AttributeType::Float);
  CHECK(n.attributes[0].f == 0.25f);
  CHECK(n.attributes[1].ints == std::vector<int64_t>{1, 2});
  REQUIRE(m.graph.inputs.size() == 1);
  const ValueInfoProto& x = m.graph.inputs[0];
  CHECK(x.type_kind == "tensor");
  REQUIRE(x.dims.size() == 2);
  CHECK_FALSE(x.dims[0].has_value);
  CHECK(x.dims[0].param == "N");
  CHECK(x.dims[1].value == 3);
  REQUIRE(m.graph.initializers.size() == 1);
  CHECK(m.graph.initializers[0].dims == std::vector<int64_t>{2});
}
