#include "loaders/vgl/strings.h"

#include "loaders/vgl/format.h"

namespace vigil::vgl {

uint32_t StringInterner::add(std::string_view s) {
  if (s.size() > UINT32_MAX) fail("write_vgl: a string of ", s.size(), " bytes is too long for the string table");
  if (s.find('\0') != std::string_view::npos) fail("write_vgl: the string '", s, "' contains a NUL byte");
  auto [it, inserted] = index_.try_emplace(std::string(s), static_cast<uint32_t>(order_.size()));
  if (inserted) {
    if (order_.size() >= UINT32_MAX) fail("write_vgl: more than 2^32 - 1 distinct strings");
    order_.push_back(it->first);
  }
  return it->second;
}

void StringInterner::write_section(ByteWriter& out) const {
  out.put<uint32_t>(static_cast<uint32_t>(order_.size()));
  out.put<uint32_t>(0);
  uint64_t offset = 0;
  for (std::string_view s : order_) {
    if (offset > UINT32_MAX) fail("write_vgl: the string table exceeds 4 GiB");
    out.put<uint32_t>(static_cast<uint32_t>(offset));
    out.put<uint32_t>(static_cast<uint32_t>(s.size()));
    offset += s.size();
  }
  for (std::string_view s : order_) out.put_bytes(s.data(), s.size());
}

StringTable StringTable::decode(ByteCursor cur) {
  const uint64_t count_at = cur.pos();
  const uint32_t count = cur.u32("count");
  cur.zeros(4, "reserved");
  cur.check_count(count, kStringEntryBytes, count_at, "count");
  const uint64_t entries_at = cur.pos();
  const uint64_t data_at = entries_at + uint64_t{count} * kStringEntryBytes;
  const uint64_t data_size = cur.end() - data_at;
  const uint8_t* entries = cur.bytes(uint64_t{count} * kStringEntryBytes, "entries");
  const char* data = reinterpret_cast<const char*>(cur.bytes(data_size, "character data"));

  StringTable t;
  t.strings_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t offset, length;
    std::memcpy(&offset, entries + i * kStringEntryBytes, 4);
    std::memcpy(&length, entries + i * kStringEntryBytes + 4, 4);
    const uint64_t entry_at = entries_at + uint64_t{i} * kStringEntryBytes;
    if (offset > data_size || length > data_size - offset)
      cur.fail_field(
          entry_at, concat("string ", i),
          concat("offset ", offset, " + length ", length, " exceeds the ", data_size, " bytes of character data"));
    std::string_view s(data + offset, length);
    if (auto nul = s.find('\0'); nul != std::string_view::npos)
      cur.fail_field(data_at + offset + nul, concat("string ", i), "contains a NUL byte");
    t.strings_.push_back(s);
  }
  return t;
}

std::string_view StringTable::read(ByteCursor& cur, std::string_view field) const {
  const uint64_t at = cur.pos();
  const uint32_t index = cur.u32(field);
  if (index >= strings_.size())
    cur.fail_field(at, field,
                   concat("string index ", index, " is out of range (the table has ", strings_.size(), " strings)"));
  return strings_[index];
}

}  // namespace vigil::vgl
