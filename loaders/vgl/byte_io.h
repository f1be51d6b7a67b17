// Little-endian byte helpers for the .vgl writer (ByteWriter) and the validating decoder (ByteCursor).
// The cursor never reads past the range it was given: every read checks the bytes that remain and fails
// with "<file>: <context> <field> at byte <offset>: <reason>".
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.h"

namespace vigil::vgl {

static_assert(std::endian::native == std::endian::little, ".vgl is read and written in place on little-endian hosts");

// The one error format of the .vgl loader.
[[noreturn]] inline void fail_at(const std::string& file, std::string_view what, uint64_t offset,
                                 std::string_view reason) {
  fail(file, ": ", what, " at byte ", offset, ": ", reason);
}

class ByteWriter {
 public:
  template <typename T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
  }
  void put_bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  void zeros(size_t n) { bytes_.resize(bytes_.size() + n, 0); }
  void align(size_t a) { bytes_.resize((bytes_.size() + a - 1) / a * a, 0); }
  // Overwrites a value written earlier (for fields known only later, like checksums).
  template <typename T>
  void patch(size_t at, T v) {
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
  }
  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

class ByteCursor {
 public:
  // Reads the file bytes [begin, end) of `base` (the whole mapping); offsets reported are absolute.
  ByteCursor(const uint8_t* base, uint64_t begin, uint64_t end, const std::string& file, std::string context)
      : base_(base), begin_(begin), end_(end), pos_(begin), file_(file), context_(std::move(context)) {}

  uint64_t pos() const { return pos_; }
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  uint64_t remaining() const { return end_ - pos_; }
  const std::string& file() const { return file_; }
  void set_context(std::string context) { context_ = std::move(context); }
  const std::string& context() const { return context_; }

  [[noreturn]] void fail_field(uint64_t offset, std::string_view field, std::string_view reason) const {
    fail_at(file_, context_.empty() ? std::string(field) : concat(context_, " ", field), offset, reason);
  }

  template <typename T>
  T get(std::string_view field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, base_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint8_t u8(std::string_view f) { return get<uint8_t>(f); }
  uint16_t u16(std::string_view f) { return get<uint16_t>(f); }
  uint32_t u32(std::string_view f) { return get<uint32_t>(f); }
  int32_t i32(std::string_view f) { return get<int32_t>(f); }
  uint64_t u64(std::string_view f) { return get<uint64_t>(f); }
  int64_t i64(std::string_view f) { return get<int64_t>(f); }
  float f32(std::string_view f) { return get<float>(f); }

  // Returns a pointer to the next n bytes and steps over them.
  const uint8_t* bytes(uint64_t n, std::string_view field) {
    need(n, field);
    const uint8_t* p = base_ + pos_;
    pos_ += n;
    return p;
  }
  // Reserved fields and padding: n bytes that must all be zero.
  void zeros(uint64_t n, std::string_view field) {
    const uint64_t at = pos_;
    const uint8_t* p = bytes(n, field);
    for (uint64_t i = 0; i < n; ++i)
      if (p[i] != 0) fail_field(at + i, field, concat("reserved byte is ", int{p[i]}, ", must be 0"));
  }
  // Zero padding up to a multiple of `a` relative to the start of the range.
  void align(uint64_t a, std::string_view field) {
    const uint64_t rel = pos_ - begin_;
    zeros((rel + a - 1) / a * a - rel, field);
  }
  // A count of records of at least `min_bytes` each must fit in what remains: checked before anything is
  // reserved, so a corrupt count can never drive a huge allocation.
  void check_count(uint64_t count, uint64_t min_bytes, uint64_t count_offset, std::string_view field) const {
    if (min_bytes > 0 && count > remaining() / min_bytes)
      fail_field(count_offset, field,
                 concat("count ", count, " needs at least ", count, " x ", min_bytes, " bytes but only ", remaining(),
                        " remain before byte ", end_));
  }
  void expect_end(std::string_view field) const {
    if (pos_ != end_) fail_field(pos_, field, concat(end_ - pos_, " unexpected trailing bytes"));
  }

 private:
  void need(uint64_t n, std::string_view field) const {
    if (n > end_ - pos_)
      fail_field(pos_, field,
                 concat("truncated: needs ", n, " bytes but only ", end_ - pos_, " remain before byte ", end_));
  }

  const uint8_t* base_;
  uint64_t begin_, end_, pos_;
  const std::string& file_;
  std::string context_;
};

}  // namespace vigil::vgl
