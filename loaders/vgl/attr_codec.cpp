#include "loaders/vgl/attr_codec.h"

#include "loaders/vgl/format.h"

namespace vigil::vgl {

namespace {

uint32_t list_count(size_t n, std::string_view name) {
  if (n > UINT32_MAX) fail("write_vgl: attribute '", name, "' has ", n, " elements, more than 2^32 - 1");
  return static_cast<uint32_t>(n);
}

}  // namespace

void encode_attr(ByteWriter& out, StringInterner& strings, std::string_view name, const AttrValue& value) {
  const AttrKind kind = attr_kind(value);
  out.put<uint32_t>(strings.add(name));
  out.put<uint8_t>(static_cast<uint8_t>(kind));
  out.zeros(3);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float> || std::is_same_v<T, std::string>)
          out.put<uint32_t>(1);
        else
          out.put<uint32_t>(list_count(v.size(), name));
        out.put<uint32_t>(0);
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float>) {
          out.put<T>(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.put<uint32_t>(strings.add(v));
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          for (const auto& s : v) out.put<uint32_t>(strings.add(s));
        } else {
          for (auto x : v) out.put(x);
        }
      },
      value);
  out.align(8);
}

std::pair<std::string, AttrValue> decode_attr(ByteCursor& cur, const StringTable& strings) {
  std::string name(strings.read(cur, "name"));
  const std::string base = cur.context();
  cur.set_context(concat(base, " '", name, "'"));
  const uint64_t kind_at = cur.pos();
  const uint8_t kind_code = cur.u8("kind");
  cur.zeros(3, "reserved");
  const uint64_t count_at = cur.pos();
  const uint32_t count = cur.u32("count");
  cur.zeros(4, "reserved");
  if (kind_code < static_cast<uint8_t>(AttrKind::Int) || kind_code > static_cast<uint8_t>(AttrKind::Strings))
    cur.fail_field(kind_at, "kind", concat("unknown attribute kind code ", int{kind_code}, " (valid: 1..6)"));
  const auto kind = static_cast<AttrKind>(kind_code);
  const bool scalar = kind == AttrKind::Int || kind == AttrKind::Float || kind == AttrKind::String;
  if (scalar && count != 1)
    cur.fail_field(count_at, "count",
                   concat("a ", attr_kind_name(kind), " attribute has count ", count, ", must be 1"));

  AttrValue value;
  switch (kind) {
    case AttrKind::Int:
      value = cur.i64("value");
      break;
    case AttrKind::Float:
      value = cur.f32("value");
      break;
    case AttrKind::String:
      value = std::string(strings.read(cur, "value"));
      break;
    case AttrKind::Ints: {
      cur.check_count(count, 8, count_at, "count");
      std::vector<int64_t> v(count);
      const uint8_t* src = cur.bytes(uint64_t{count} * 8, "values");
      if (count) std::memcpy(v.data(), src, uint64_t{count} * 8);
      value = std::move(v);
      break;
    }
    case AttrKind::Floats: {
      cur.check_count(count, 4, count_at, "count");
      std::vector<float> v(count);
      const uint8_t* src = cur.bytes(uint64_t{count} * 4, "values");
      if (count) std::memcpy(v.data(), src, uint64_t{count} * 4);
      value = std::move(v);
      break;
    }
    case AttrKind::Strings: {
      cur.check_count(count, 4, count_at, "count");
      std::vector<std::string> v;
      v.reserve(count);
      for (uint32_t i = 0; i < count; ++i) v.emplace_back(strings.read(cur, concat("value ", i)));
      value = std::move(v);
      break;
    }
  }
  cur.align(8, "padding");
  cur.set_context(base);
  return {std::move(name), std::move(value)};
}

}  // namespace vigil::vgl
