#include "loaders/vgl/metadata_section.h"

#include "loaders/vgl/attr_codec.h"
#include "loaders/vgl/format.h"
#include "loaders/vgl/metadata_keys.h"

namespace vigil::vgl {

void encode_metadata(const Metadata& m, StringInterner& strings, ByteWriter& out) {
  if (m.size() > UINT32_MAX) fail("write_vgl: too many metadata entries");
  out.put<uint32_t>(static_cast<uint32_t>(m.size()));
  out.put<uint32_t>(0);
  for (const auto& [key, value] : m) encode_attr(out, strings, key, value);
}

Metadata decode_metadata(const uint8_t* base, const FileLayout& layout, const StringTable& strings,
                         const std::string& file) {
  const SectionRef& sec = layout.metadata;
  ByteCursor cur(base, sec.offset, sec.offset + sec.size, file, "METADATA section");
  const uint64_t count_at = cur.pos();
  const uint32_t count = cur.u32("entry_count");
  cur.zeros(4, "reserved");
  cur.check_count(count, kAttrHeaderBytes, count_at, "entry_count");
  Metadata m;
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t at = cur.pos();
    cur.set_context(concat("METADATA section entry ", i));
    auto [key, value] = decode_attr(cur, strings);
    if (key.empty()) cur.fail_field(at, "key", "is empty");
    try {
      meta::check_metadata_entry(key, value);
    } catch (const Error& e) {
      cur.fail_field(at, concat("key '", key, "'"), e.what());
    }
    if (m.count(key)) cur.fail_field(at, "key", concat("'", key, "' appears twice"));
    m.emplace(std::move(key), std::move(value));
  }
  cur.set_context("METADATA section");
  cur.expect_end("end");
  try {
    meta::check_metadata(m);
  } catch (const Error& e) {
    fail_at(file, "METADATA section", sec.offset, e.what());
  }
  return m;
}

}  // namespace vigil::vgl
