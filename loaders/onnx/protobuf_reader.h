// A bounded cursor over protobuf wire-format bytes (no libprotobuf). Every read checks the bytes it needs
// against the end of the enclosing message, so a truncated file, a length that runs past the end, a
// varint longer than 10 bytes or a wire type that does not match the schema is a vigil::Error naming the
// absolute byte offset and the message being decoded - never a read out of bounds or a huge allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vigil::onnx {

enum class WireType : uint8_t {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,  // deprecated groups: rejected
  EndGroup = 4,
  Fixed32 = 5,
};

std::string_view wire_type_name(WireType w);

struct FieldKey {
  uint32_t number = 0;
  WireType wire = WireType::Varint;
  size_t offset = 0;  // absolute offset of the tag
};

// Nesting deeper than this is rejected (the ONNX schema needs about 6; TypeProto can nest without limit).
inline constexpr int kMaxMessageDepth = 32;

class ProtoReader {
 public:
  // `message` names what is being decoded ("ModelProto") for error messages; `base_offset` is the absolute
  // offset of data[0] in the file.
  ProtoReader(std::span<const uint8_t> data, const char* message, size_t base_offset = 0, int depth = 0);

  bool done() const { return pos_ >= data_.size(); }
  size_t offset() const { return base_ + pos_; }  // absolute offset of the next byte
  const char* message() const { return message_; }
  int depth() const { return depth_; }

  // Reads a field tag. Field number 0, numbers above 2^29-1, groups and the undefined wire types 6/7 are
  // errors.
  FieldKey next_field();

  // Scalar payloads. Each checks that the field has the wire type the schema says (error otherwise).
  uint64_t read_varint();
  int64_t read_int64(const FieldKey& key, const char* field);
  int32_t read_int32(const FieldKey& key, const char* field);  // protobuf semantics: low 32 bits
  float read_float(const FieldKey& key, const char* field);
  std::string_view read_bytes(const FieldKey& key, const char* field);
  std::string read_string(const FieldKey& key, const char* field) { return std::string(read_bytes(key, field)); }
  // A nested message: a reader over its bytes, one level deeper (error past kMaxMessageDepth).
  ProtoReader read_message(const FieldKey& key, const char* field, const char* message);

  // Repeated numeric fields arrive either packed (one length-delimited run) or one element per tag;
  // decoders must accept both. `push` is called once per element.
  template <typename Push>
  void read_repeated_varint(const FieldKey& key, const char* field, Push&& push);
  template <typename Push>
  void read_repeated_fixed32(const FieldKey& key, const char* field, Push&& push);
  template <typename Push>
  void read_repeated_fixed64(const FieldKey& key, const char* field, Push&& push);

  // Skips an unknown field of any (valid) wire type.
  void skip(const FieldKey& key);

  // Throws vigil::Error: "ONNX protobuf error at byte offset N (in <message>): <why>".
  [[noreturn]] void error_at(size_t absolute_offset, const std::string& why) const;
  [[noreturn]] void error(const std::string& why) const { error_at(offset(), why); }
  void expect_wire(const FieldKey& key, WireType wire, const char* field) const;

  uint32_t read_fixed32_raw();
  uint64_t read_fixed64_raw();

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  size_t base_ = 0;
  const char* message_;
  int depth_ = 0;
};

template <typename Push>
void ProtoReader::read_repeated_varint(const FieldKey& key, const char* field, Push&& push) {
  if (key.wire == WireType::Varint) {
    push(read_varint());
    return;
  }
  expect_wire(key, WireType::LengthDelimited, field);
  ProtoReader packed = read_message(key, field, message_);
  while (!packed.done()) push(packed.read_varint());
}

template <typename Push>
void ProtoReader::read_repeated_fixed32(const FieldKey& key, const char* field, Push&& push) {
  if (key.wire == WireType::Fixed32) {
    push(read_fixed32_raw());
    return;
  }
  expect_wire(key, WireType::LengthDelimited, field);
  ProtoReader packed = read_message(key, field, message_);
  while (!packed.done()) push(packed.read_fixed32_raw());
}

template <typename Push>
void ProtoReader::read_repeated_fixed64(const FieldKey& key, const char* field, Push&& push) {
  if (key.wire == WireType::Fixed64) {
    push(read_fixed64_raw());
    return;
  }
  expect_wire(key, WireType::LengthDelimited, field);
  ProtoReader packed = read_message(key, field, message_);
  while (!packed.done()) push(packed.read_fixed64_raw());
}

}  // namespace vigil::onnx
