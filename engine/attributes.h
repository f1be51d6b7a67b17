// Typed node attributes (and model metadata, which uses the same value type). A node keeps a short list
// of (name, value) pairs; lookups are linear, which for a handful of entries beats any map and never
// allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vigil {

// Kinds are stable numbers: they are stored in .vgl files.
enum class AttrKind : uint8_t { Int = 1, Float = 2, Ints = 3, Floats = 4, String = 5, Strings = 6 };

using AttrValue =
    std::variant<int64_t, float, std::vector<int64_t>, std::vector<float>, std::string, std::vector<std::string>>;

AttrKind attr_kind(const AttrValue& v);
std::string_view attr_kind_name(AttrKind k);
std::string attr_value_str(const AttrValue& v);  // short printable form, long lists elided

class Attributes {
 public:
  struct Entry {
    std::string name;
    AttrValue value;
  };

  void set(std::string name, AttrValue value);
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const AttrValue* find(std::string_view name) const;
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // Getters with a default. A present attribute of the wrong kind is an error (naming `owner`, e.g. the
  // node), not silently replaced by the default.
  int64_t get_int(std::string_view name, int64_t fallback, std::string_view owner = {}) const;
  float get_float(std::string_view name, float fallback, std::string_view owner = {}) const;
  std::string get_string(std::string_view name, std::string_view fallback, std::string_view owner = {}) const;
  std::vector<int64_t> get_ints(std::string_view name, std::vector<int64_t> fallback = {},
                                std::string_view owner = {}) const;
  std::vector<float> get_floats(std::string_view name, std::vector<float> fallback = {},
                                std::string_view owner = {}) const;
  std::vector<std::string> get_strings(std::string_view name, std::string_view owner = {}) const;

 private:
  std::vector<Entry> entries_;
};

}  // namespace vigil
