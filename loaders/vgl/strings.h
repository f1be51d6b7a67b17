// The .vgl string table: names, op names and string attributes are stored once and referred to by index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loaders/vgl/byte_io.h"

namespace vigil::vgl {

// Writer side: hands out indices, one per distinct string.
class StringInterner {
 public:
  uint32_t add(std::string_view s);
  void write_section(ByteWriter& out) const;  // the whole STRINGS section

 private:
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<std::string_view> order_;  // views into index_'s keys (node-based map: stable)
};

// Reader side: views into the mapping, validated once.
class StringTable {
 public:
  // Decodes and validates the STRINGS section the cursor spans.
  static StringTable decode(ByteCursor cur);
  size_t size() const { return strings_.size(); }
  // Reads a u32 string index at the cursor and resolves it (error naming `field` if out of range).
  std::string_view read(ByteCursor& cur, std::string_view field) const;

 private:
  std::vector<std::string_view> strings_;
};

}  // namespace vigil::vgl
