#include "loaders/vgl/metadata_keys.h"

#include <cmath>

#include "engine/error.h"

namespace vigil::meta {

namespace {

template <typename T>
const T& expect(std::string_view key, const AttrValue& v, AttrKind want) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  fail("metadata key '", key, "': is ", attr_kind_name(attr_kind(v)), ", expected ", attr_kind_name(want));
}

[[noreturn]] void bad(std::string_view key, const std::string& why) { fail("metadata key '", key, "': ", why); }

}  // namespace

void check_metadata_entry(std::string_view key, const AttrValue& v) {
  if (key.empty()) fail("metadata: a key is empty");
  if (key == kInputSize) {
    const auto& s = expect<std::vector<int64_t>>(key, v, AttrKind::Ints);
    if (s.size() != 2) bad(key, concat("has ", s.size(), " values, expected 2 (W, H)"));
    if (s[0] < 1 || s[1] < 1) bad(key, concat("W and H must be >= 1, got ", s[0], "x", s[1]));
  } else if (key == kChannelOrder) {
    const auto& s = expect<std::string>(key, v, AttrKind::String);
    if (s != "RGB" && s != "BGR") bad(key, concat("is '", s, "', expected \"RGB\" or \"BGR\""));
  } else if (key == kMean || key == kStd) {
    const auto& f = expect<std::vector<float>>(key, v, AttrKind::Floats);
    if (f.empty()) bad(key, "is empty");
    for (size_t i = 0; i < f.size(); ++i) {
      if (!std::isfinite(f[i])) bad(key, concat("value ", i, " is not finite"));
      if (key == kStd && !(f[i] > 0.0f)) bad(key, concat("value ", i, " is ", f[i], ", must be > 0"));
    }
  } else if (key == kClassNames) {
    expect<std::vector<std::string>>(key, v, AttrKind::Strings);
  } else if (key == kYoloAnchors) {
    const auto& f = expect<std::vector<float>>(key, v, AttrKind::Floats);
    if (f.size() % 2 != 0) bad(key, concat("has ", f.size(), " values, expected (w, h) pairs"));
    for (size_t i = 0; i < f.size(); ++i)
      if (!(f[i] > 0.0f) || !std::isfinite(f[i])) bad(key, concat("value ", i, " is ", f[i], ", must be > 0"));
  } else if (key == kYoloMasks) {
    for (int64_t m : expect<std::vector<int64_t>>(key, v, AttrKind::Ints))
      if (m < 0) bad(key, concat("anchor index ", m, " is negative"));
  } else if (key == kYoloAnchorsPerHead) {
    for (int64_t n : expect<std::vector<int64_t>>(key, v, AttrKind::Ints))
      if (n < 1) bad(key, concat("a head has ", n, " anchors, must be >= 1"));
  } else if (key == kTemporalWindow) {
    const int64_t t = expect<int64_t>(key, v, AttrKind::Int);
    if (t < 1) bad(key, concat("is ", t, ", must be >= 1"));
  } else if (key == kSourceFormat || key == kProducer) {
    expect<std::string>(key, v, AttrKind::String);
  }
}

void check_metadata(const Metadata& m) {
  for (const auto& [key, value] : m) check_metadata_entry(key, value);
  auto find = [&](std::string_view key) -> const AttrValue* {
    auto it = m.find(std::string(key));
    return it == m.end() ? nullptr : &it->second;
  };
  const AttrValue* mean = find(kMean);
  const AttrValue* stdev = find(kStd);
  if (mean && stdev) {
    const size_t a = std::get<std::vector<float>>(*mean).size(), b = std::get<std::vector<float>>(*stdev).size();
    if (a != b && a != 1 && b != 1)
      fail("metadata keys 'mean' and 'std': ", a, " and ", b, " values; expected one per channel each (or 1 for all)");
  }
  const AttrValue* anchors = find(kYoloAnchors);
  const AttrValue* masks = find(kYoloMasks);
  const AttrValue* per_head = find(kYoloAnchorsPerHead);
  if (anchors && masks) {
    const size_t pairs = std::get<std::vector<float>>(*anchors).size() / 2;
    for (int64_t i : std::get<std::vector<int64_t>>(*masks))
      if (static_cast<uint64_t>(i) >= pairs)
        fail("metadata key 'yolo_masks': anchor index ", i, " is out of range (", pairs, " anchors)");
  }
  if (masks && per_head) {
    const auto n_masks = static_cast<int64_t>(std::get<std::vector<int64_t>>(*masks).size());
    int64_t sum = 0;  // each count is >= 1 (checked above); stop before it could overflow
    for (int64_t n : std::get<std::vector<int64_t>>(*per_head)) {
      if (n > n_masks - sum) {
        sum = n_masks + 1;
        break;
      }
      sum += n;
    }
    if (sum != n_masks)
      fail("metadata keys 'yolo_anchors_per_head' and 'yolo_masks': the heads' anchor counts do not add up to the ",
           n_masks, " masks given");
  }
}

}  // namespace vigil::meta
