#include "loaders/vgl/metadata_json.h"

#include <cmath>

#include "engine/error.h"
#include "loaders/vgl/metadata_keys.h"

namespace vigil {

namespace {

using Kind = JsonValue::Kind;

struct EntryContext {
  const std::string& file;
  const std::string& key;
  [[noreturn]] void fail_at(uint64_t offset, const std::string& why) const {
    fail(file, ": metadata key '", key, "' at byte ", offset, ": ", why);
  }
};

float to_f32(const EntryContext& ctx, const JsonValue& v) {
  const auto f = static_cast<float>(v.number);
  if (!std::isfinite(f)) ctx.fail_at(v.offset, concat(v.number, " is beyond the 32-bit float range"));
  return f;
}

std::string checked_string(const EntryContext& ctx, const JsonValue& v) {
  if (v.string.find('\0') != std::string::npos) ctx.fail_at(v.offset, "a string with a NUL byte");
  return v.string;
}

AttrValue scalar(const EntryContext& ctx, const JsonValue& v, bool want_float) {
  switch (v.kind) {
    case Kind::String:
      return checked_string(ctx, v);
    case Kind::Number:
      if (v.is_integer && !want_float) return v.integer;
      return to_f32(ctx, v);
    default:
      ctx.fail_at(v.offset,
                  concat("is ", JsonValue::kind_name(v.kind), "; expected a string, a number or an array of them"));
  }
}

AttrValue list(const EntryContext& ctx, const JsonValue& v, std::optional<AttrKind> known) {
  if (v.array.empty()) {
    if (!known) ctx.fail_at(v.offset, "an empty array has no element kind (only known keys may be empty)");
    switch (*known) {
      case AttrKind::Ints:
        return std::vector<int64_t>{};
      case AttrKind::Floats:
        return std::vector<float>{};
      case AttrKind::Strings:
        return std::vector<std::string>{};
      default:
        ctx.fail_at(v.offset, "is an empty array");
    }
  }
  const Kind first = v.array.front().kind;
  bool all_integers = true;
  for (const JsonValue& e : v.array) {
    if (e.kind != Kind::String && e.kind != Kind::Number)
      ctx.fail_at(e.offset, concat("array element is ", JsonValue::kind_name(e.kind), "; expected strings or numbers"));
    if (e.kind != first) ctx.fail_at(e.offset, "an array mixes strings and numbers");
    all_integers = all_integers && e.is_integer;
  }
  if (first == Kind::String) {
    std::vector<std::string> out;
    for (const JsonValue& e : v.array) out.push_back(checked_string(ctx, e));
    return out;
  }
  const bool want_float = known == AttrKind::Floats || known == AttrKind::Float;
  if (all_integers && !want_float) {
    std::vector<int64_t> out;
    for (const JsonValue& e : v.array) out.push_back(e.integer);
    return out;
  }
  std::vector<float> out;
  for (const JsonValue& e : v.array) out.push_back(to_f32(ctx, e));
  return out;
}

}  // namespace

Metadata metadata_from_json(const JsonValue& root, const std::string& file) {
  if (root.kind != Kind::Object)
    fail(file, ": JSON at byte ", root.offset, ": is ", JsonValue::kind_name(root.kind),
         "; expected an object of metadata keys");
  Metadata m;
  for (const auto& [key, v] : root.object) {
    const EntryContext ctx{file, key};
    if (key.empty() || key.find('\0') != std::string::npos) ctx.fail_at(v.offset, "a key must be non-empty text");
    const std::optional<AttrKind> known = meta::known_kind(key);
    AttrValue value = v.kind == Kind::Array ? list(ctx, v, known)
                                            : scalar(ctx, v, known == AttrKind::Float || known == AttrKind::Floats);
    try {
      meta::check_metadata_entry(key, value);
    } catch (const Error& e) {
      fail(file, ": ", e.what(), " (at byte ", v.offset, ")");
    }
    m.emplace(key, std::move(value));
  }
  return m;
}

Metadata read_metadata_json(const std::string& path) { return metadata_from_json(read_json_file(path), path); }

}  // namespace vigil
