#include "loaders/onnx/protobuf_reader.h"

#include <bit>
#include <cstring>

#include "engine/error.h"

namespace vigil::onnx {

std::string_view wire_type_name(WireType w) {
  switch (w) {
    case WireType::Varint:
      return "varint";
    case WireType::Fixed64:
      return "fixed64";
    case WireType::LengthDelimited:
      return "length-delimited";
    case WireType::StartGroup:
      return "start-group";
    case WireType::EndGroup:
      return "end-group";
    case WireType::Fixed32:
      return "fixed32";
  }
  return "invalid";
}

ProtoReader::ProtoReader(std::span<const uint8_t> data, const char* message, size_t base_offset, int depth)
    : data_(data), base_(base_offset), message_(message), depth_(depth) {
  if (depth_ > kMaxMessageDepth)
    error(concat("messages nested more than ", kMaxMessageDepth, " levels deep (malformed or hostile file)"));
}

void ProtoReader::error_at(size_t absolute_offset, const std::string& why) const {
  fail("ONNX protobuf error at byte offset ", absolute_offset, " (in ", message_, "): ", why);
}

uint64_t ProtoReader::read_varint() {
  const size_t start = offset();
  uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) error_at(start, "truncated varint (the message ends inside it)");
    const uint8_t byte = data_[pos_++];
    // The 10th byte may only carry the single remaining bit of a 64-bit value.
    if (i == 9 && (byte & 0xFE) != 0) error_at(start, "varint overflows 64 bits");
    value |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  error_at(start, "varint longer than 10 bytes");
}

uint32_t ProtoReader::read_fixed32_raw() {
  if (data_.size() - pos_ < 4)
    error(concat("truncated fixed32 (needs 4 bytes, ", data_.size() - pos_, " left in the message)"));
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(data_[pos_ + static_cast<size_t>(i)]) << (8 * i);
  pos_ += 4;
  return v;
}

uint64_t ProtoReader::read_fixed64_raw() {
  if (data_.size() - pos_ < 8)
    error(concat("truncated fixed64 (needs 8 bytes, ", data_.size() - pos_, " left in the message)"));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(data_[pos_ + static_cast<size_t>(i)]) << (8 * i);
  pos_ += 8;
  return v;
}

FieldKey ProtoReader::next_field() {
  FieldKey key;
  key.offset = offset();
  const uint64_t tag = read_varint();
  const uint64_t number = tag >> 3;
  const auto wire = static_cast<uint8_t>(tag & 7);
  if (number == 0) error_at(key.offset, "field number 0 is invalid");
  if (number > (uint64_t{1} << 29) - 1) error_at(key.offset, concat("field number ", number, " is out of range"));
  if (wire == 3 || wire == 4)
    error_at(key.offset, concat("field ", number, " uses the deprecated group encoding, which ONNX never uses"));
  if (wire > 5) error_at(key.offset, concat("field ", number, " has invalid wire type ", int{wire}));
  key.number = static_cast<uint32_t>(number);
  key.wire = static_cast<WireType>(wire);
  return key;
}

void ProtoReader::expect_wire(const FieldKey& key, WireType wire, const char* field) const {
  if (key.wire != wire)
    error_at(key.offset, concat("field '", field, "' (", key.number, ") has wire type ", wire_type_name(key.wire),
                                ", expected ", wire_type_name(wire)));
}

int64_t ProtoReader::read_int64(const FieldKey& key, const char* field) {
  expect_wire(key, WireType::Varint, field);
  return static_cast<int64_t>(read_varint());
}

int32_t ProtoReader::read_int32(const FieldKey& key, const char* field) {
  expect_wire(key, WireType::Varint, field);
  return static_cast<int32_t>(static_cast<uint32_t>(read_varint()));
}

float ProtoReader::read_float(const FieldKey& key, const char* field) {
  expect_wire(key, WireType::Fixed32, field);
  return std::bit_cast<float>(read_fixed32_raw());
}

std::string_view ProtoReader::read_bytes(const FieldKey& key, const char* field) {
  expect_wire(key, WireType::LengthDelimited, field);
  const size_t length_offset = offset();
  const uint64_t length = read_varint();
  const size_t left = data_.size() - pos_;
  if (length > left)
    error_at(length_offset, concat("field '", field, "' declares ", length, " bytes but only ", left,
                                   " remain in the enclosing message"));
  std::string_view bytes(reinterpret_cast<const char*>(data_.data() + pos_), static_cast<size_t>(length));
  pos_ += static_cast<size_t>(length);
  return bytes;
}

ProtoReader ProtoReader::read_message(const FieldKey& key, const char* field, const char* message) {
  std::string_view bytes = read_bytes(key, field);
  const size_t start = offset() - bytes.size();
  return ProtoReader(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), message,
                     start, depth_ + 1);
}

void ProtoReader::skip(const FieldKey& key) {
  switch (key.wire) {
    case WireType::Varint:
      read_varint();
      return;
    case WireType::Fixed64:
      read_fixed64_raw();
      return;
    case WireType::Fixed32:
      read_fixed32_raw();
      return;
    case WireType::LengthDelimited:
      read_bytes(key, "unknown field");
      return;
    case WireType::StartGroup:
    case WireType::EndGroup:
      break;
  }
  error_at(key.offset, "cannot skip a group");
}

}  // namespace vigil::onnx
