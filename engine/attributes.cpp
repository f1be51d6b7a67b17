#include "engine/attributes.h"

#include "engine/error.h"

namespace vigil {

AttrKind attr_kind(const AttrValue& v) {
  static constexpr AttrKind kinds[] = {AttrKind::Int,    AttrKind::Float,  AttrKind::Ints,
                                       AttrKind::Floats, AttrKind::String, AttrKind::Strings};
  return kinds[v.index()];
}

std::string_view attr_kind_name(AttrKind k) {
  switch (k) {
    case AttrKind::Int: return "int";
    case AttrKind::Float: return "float";
    case AttrKind::Ints: return "ints";
    case AttrKind::Floats: return "floats";
    case AttrKind::String: return "string";
    case AttrKind::Strings: return "strings";
  }
  return "invalid";
}

namespace {
template <typename T>
std::string list_str(const std::vector<T>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == 8) return s + ", ... (" + std::to_string(v.size()) + " items)]";
    if (i) s += ',';
    if constexpr (std::is_same_v<T, std::string>) s += v[i];
    else s += concat(v[i]);
  }
  return s + "]";
}
}  // namespace

std::string attr_value_str(const AttrValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_arithmetic_v<T>) return concat(x);
        else return list_str(x);
      },
      v);
}

void Attributes::set(std::string name, AttrValue value) {
  for (auto& e : entries_)
    if (e.name == name) {
      e.value = std::move(value);
      return;
    }
  entries_.push_back({std::move(name), std::move(value)});
}

const AttrValue* Attributes::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e.value;
  return nullptr;
}

namespace {
template <typename T>
const T* typed(const Attributes& a, std::string_view name, std::string_view owner, AttrKind want) {
  const AttrValue* v = a.find(name);
  if (!v) return nullptr;
  if (const T* t = std::get_if<T>(v)) return t;
  fail(owner.empty() ? "" : concat(owner, ": "), "attribute '", name, "' is ", attr_kind_name(attr_kind(*v)),
       ", expected ", attr_kind_name(want));
}
}  // namespace

int64_t Attributes::get_int(std::string_view name, int64_t fallback, std::string_view owner) const {
  const auto* v = typed<int64_t>(*this, name, owner, AttrKind::Int);
  return v ? *v : fallback;
}

float Attributes::get_float(std::string_view name, float fallback, std::string_view owner) const {
  const AttrValue* raw = find(name);
  if (raw)
    if (const auto* i = std::get_if<int64_t>(raw)) return static_cast<float>(*i);  // 1 for 1.0 is fine
  const auto* v = typed<float>(*this, name, owner, AttrKind::Float);
  return v ? *v : fallback;
}

std::string Attributes::get_string(std::string_view name, std::string_view fallback, std::string_view owner) const {
  const auto* v = typed<std::string>(*this, name, owner, AttrKind::String);
  return v ? *v : std::string(fallback);
}

std::vector<int64_t> Attributes::get_ints(std::string_view name, std::vector<int64_t> fallback,
                                          std::string_view owner) const {
  const auto* v = typed<std::vector<int64_t>>(*this, name, owner, AttrKind::Ints);
  return v ? *v : fallback;
}

std::vector<float> Attributes::get_floats(std::string_view name, std::vector<float> fallback,
                                          std::string_view owner) const {
  const auto* v = typed<std::vector<float>>(*this, name, owner, AttrKind::Floats);
  return v ? *v : fallback;
}

std::vector<std::string> Attributes::get_strings(std::string_view name, std::string_view owner) const {
  const auto* v = typed<std::vector<std::string>>(*this, name, owner, AttrKind::Strings);
  return v ? *v : std::vector<std::string>{};
}

}  // namespace vigil
