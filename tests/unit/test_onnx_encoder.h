// A tiny protobuf / ONNX encoder for the importer's tests: builds .onnx bytes in C++ so the tests need no
// Python and can also build malformed files on purpose. Field numbers follow onnx/onnx.proto.
#pragma once

#include <bit>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::test {

// One protobuf message under construction.
struct Pb {
  std::string bytes;

  static std::string varint(uint64_t v) {
    std::string s;
    while (v >= 0x80) {
      s.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    s.push_back(static_cast<char>(v));
    return s;
  }
  static std::string tag(uint32_t field, int wire) {
    return varint((uint64_t{field} << 3) | static_cast<uint64_t>(wire));
  }

  Pb& u(uint32_t field, uint64_t v) {
    bytes += tag(field, 0) + varint(v);
    return *this;
  }
  Pb& i(uint32_t field, int64_t v) { return u(field, static_cast<uint64_t>(v)); }
  Pb& f(uint32_t field, float v) {
    bytes += tag(field, 5);
    const auto bits = std::bit_cast<uint32_t>(v);
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>(bits >> (8 * k)));
    return *this;
  }
  Pb& s(uint32_t field, std::string_view v) {
    bytes += tag(field, 2) + varint(v.size());
    bytes += v;
    return *this;
  }
  Pb& m(uint32_t field, const Pb& msg) { return s(field, msg.bytes); }
  Pb& packed_i(uint32_t field, const std::vector<int64_t>& vs) {
    std::string body;
    for (int64_t v : vs) body += varint(static_cast<uint64_t>(v));
    return s(field, body);
  }
  Pb& packed_f(uint32_t field, const std::vector<float>& vs) {
    std::string body;
    for (float v : vs) {
      const auto bits = std::bit_cast<uint32_t>(v);
      for (int k = 0; k < 4; ++k) body.push_back(static_cast<char>(bits >> (8 * k)));
    }
    return s(field, body);
  }
};

inline std::vector<uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

// ONNX messages.
constexpr int kFloat = 1, kInt64 = 7, kInt32 = 6, kDouble = 11;

inline Pb tensor_f32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& values,
                     bool raw = true) {
  Pb t;
  for (int64_t d : dims) t.i(1, d);
  t.i(2, kFloat);
  t.s(8, name);
  if (raw) {
    std::string body;
    for (float v : values) {
      const auto bits = std::bit_cast<uint32_t>(v);
      for (int k = 0; k < 4; ++k) body.push_back(static_cast<char>(bits >> (8 * k)));
    }
    t.s(9, body);
  } else {
    t.packed_f(4, values);
  }
  return t;
}

inline Pb tensor_i64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& values) {
  Pb t;
  for (int64_t d : dims) t.i(1, d);
  t.i(2, kInt64);
  t.s(8, name);
  t.packed_i(7, values);
  return t;
}

// A tensor value info; a negative dim is symbolic ("N"), 0 means "no dim_value".
inline Pb value_info(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  Pb shape;
  for (int64_t d : dims) {
    Pb dim;
    if (d > 0)
      dim.i(1, d);
    else if (d < 0)
      dim.s(2, "N");
    shape.m(1, dim);
  }
  Pb tensor_type;
  tensor_type.i(1, elem_type).m(2, shape);
  Pb type;
  type.m(1, tensor_type);
  Pb vi;
  vi.s(1, name).m(2, type);
  return vi;
}

inline Pb attr_i(const std::string& name, int64_t v) { return Pb().s(1, name).i(20, 2).i(3, v); }
inline Pb attr_f(const std::string& name, float v) { return Pb().s(1, name).i(20, 1).f(2, v); }
inline Pb attr_s(const std::string& name, const std::string& v) { return Pb().s(1, name).i(20, 3).s(4, v); }
inline Pb attr_ints(const std::string& name, const std::vector<int64_t>& v) {
  Pb a;
  a.s(1, name).i(20, 7);
  for (int64_t x : v) a.i(8, x);  // unpacked, as onnx's Python helper writes them
  return a;
}
inline Pb attr_floats(const std::string& name, const std::vector<float>& v) {
  Pb a;
  a.s(1, name).i(20, 6);
  for (float x : v) a.f(7, x);
  return a;
}
inline Pb attr_strings(const std::string& name, const std::vector<std::string>& v) {
  Pb a;
  a.s(1, name).i(20, 8);
  for (const auto& x : v) a.s(9, x);
  return a;
}
inline Pb attr_t(const std::string& name, const Pb& tensor) { return Pb().s(1, name).i(20, 4).m(5, tensor); }

inline Pb node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
               const std::string& name = "", const std::vector<Pb>& attrs = {}) {
  Pb n;
  for (const auto& i : inputs) n.s(1, i);
  for (const auto& o : outputs) n.s(2, o);
  if (!name.empty()) n.s(3, name);
  n.s(4, op);
  for (const auto& a : attrs) n.m(5, a);
  return n;
}

struct GraphSpec {
  std::vector<Pb> nodes;
  std::vector<Pb> initializers;
  std::vector<Pb> inputs;
  std::vector<Pb> outputs;
};

inline Pb graph(const GraphSpec& g) {
  Pb out;
  for (const auto& n : g.nodes) out.m(1, n);
  out.s(2, "test_graph");
  for (const auto& t : g.initializers) out.m(5, t);
  for (const auto& i : g.inputs) out.m(11, i);
  for (const auto& o : g.outputs) out.m(12, o);
  return out;
}

inline std::vector<uint8_t> model(const GraphSpec& g, int64_t opset = 13, const std::string& producer = "vigil-test",
                                  const std::string& version = "0.1") {
  Pb opset_id;
  opset_id.s(1, "").i(2, opset);
  Pb m;
  m.i(1, 8).s(2, producer).s(3, version).m(7, graph(g)).m(8, opset_id);
  return to_bytes(m.bytes);
}

}  // namespace vigil::test
