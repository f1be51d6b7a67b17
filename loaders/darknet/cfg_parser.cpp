#include "loaders/darknet/cfg_parser.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/error.h"

namespace vigil::darknet {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_name_char(c)) return false;
  return true;
}

// Splits "a, b ,c" at commas; elements are trimmed and may be empty (the caller rejects that).
std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    parts.push_back(trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

}  // namespace

CfgFile parse_cfg(std::string_view text, const std::string& path) {
  CfgFile file;
  file.path = path;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (raw.find('\0') != std::string_view::npos) fail(path, ":", line_no, ": NUL byte: this is not a text cfg file");
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    // A comment may follow the content on the same line.
    size_t comment = line.find_first_of("#;");
    if (comment != std::string_view::npos) line = trim(line.substr(0, comment));

    if (line.front() == '[') {
      if (line.back() != ']') fail(path, ":", line_no, ": malformed section header '", line, "' (expected [name])");
      std::string_view name = trim(line.substr(1, line.size() - 2));
      if (!is_name(name)) fail(path, ":", line_no, ": malformed section header '", line, "'");
      file.sections.push_back(CfgSection{std::string(name), line_no, {}});
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      fail(path, ":", line_no, ": expected 'key=value' or '[section]', found '", line, "'");
    std::string_view key = trim(line.substr(0, eq));
    std::string_view value = trim(line.substr(eq + 1));
    if (!is_name(key)) fail(path, ":", line_no, ": malformed key '", key, "' in '", line, "'");
    if (file.sections.empty()) fail(path, ":", line_no, ": '", key, "=' appears before the first [section]");
    CfgSection& section = file.sections.back();
    if (value.empty()) fail(path, ":", line_no, ": [", section.name, "] key '", key, "': empty value");
    for (const CfgEntry& e : section.entries)
      if (e.key == key)
        fail(path, ":", line_no, ": [", section.name, "] key '", key, "' is given twice (first on line ", e.line, ")");
    section.entries.push_back(CfgEntry{std::string(key), std::string(value), line_no});
  }
  return file;
}

CfgFile read_cfg_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open darknet cfg file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, ": error reading darknet cfg file");
  return parse_cfg(text.str(), path);
}

const CfgEntry* SectionReader::find(std::string_view key) const {
  for (const CfgEntry& e : section_.entries)
    if (e.key == key) return &e;
  return nullptr;
}

void SectionReader::fail_key(std::string_view key, std::string_view reason) const {
  const CfgEntry* e = find(key);
  fail(file_.path, ":", e ? e->line : section_.line, ": [", section_.name, "] key '", key, "': ", reason);
}

void SectionReader::fail_section(std::string_view reason) const {
  fail(file_.path, ":", section_.line, ": [", section_.name, "]: ", reason);
}

int64_t SectionReader::parse_int(const CfgEntry& e, std::string_view text) const {
  std::string_view t = text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    if (ec == std::errc::result_out_of_range) fail_key(e.key, concat("'", text, "' is out of range"));
    fail_key(e.key, concat("'", text, "' is not an integer"));
  }
  return v;
}

float SectionReader::parse_float(const CfgEntry& e, std::string_view text) const {
  std::string_view t = text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  float v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v))
    fail_key(e.key, concat("'", text, "' is not a finite number"));
  return v;
}

int64_t SectionReader::get_int(std::string_view key, int64_t fallback) const {
  const CfgEntry* e = find(key);
  return e ? parse_int(*e, e->value) : fallback;
}

float SectionReader::get_float(std::string_view key, float fallback) const {
  const CfgEntry* e = find(key);
  return e ? parse_float(*e, e->value) : fallback;
}

std::string SectionReader::get_string(std::string_view key, std::string_view fallback) const {
  const CfgEntry* e = find(key);
  return e ? e->value : std::string(fallback);
}

int64_t SectionReader::require_int(std::string_view key) const {
  if (!has(key)) fail_key(key, "required but missing");
  return get_int(key, 0);
}

std::string SectionReader::require_string(std::string_view key) const {
  if (!has(key)) fail_key(key, "required but missing");
  return get_string(key, "");
}

std::vector<int64_t> SectionReader::require_ints(std::string_view key) const {
  const CfgEntry* e = find(key);
  if (!e) fail_key(key, "required but missing");
  std::vector<int64_t> out;
  for (std::string_view part : split_commas(e->value)) {
    if (part.empty()) fail_key(key, concat("'", e->value, "' has an empty list element"));
    out.push_back(parse_int(*e, part));
  }
  return out;
}

std::vector<int64_t> SectionReader::get_ints(std::string_view key, std::vector<int64_t> fallback) const {
  return has(key) ? require_ints(key) : fallback;
}

std::vector<float> SectionReader::require_floats(std::string_view key) const {
  const CfgEntry* e = find(key);
  if (!e) fail_key(key, "required but missing");
  std::vector<float> out;
  for (std::string_view part : split_commas(e->value)) {
    if (part.empty()) fail_key(key, concat("'", e->value, "' has an empty list element"));
    out.push_back(parse_float(*e, part));
  }
  return out;
}

int64_t SectionReader::get_int_in(std::string_view key, int64_t fallback, int64_t lo, int64_t hi) const {
  int64_t v = get_int(key, fallback);
  if (v < lo || v > hi) fail_key(key, concat(v, " is out of range [", lo, ", ", hi, "]"));
  return v;
}

int64_t SectionReader::require_int_in(std::string_view key, int64_t lo, int64_t hi) const {
  if (!has(key)) fail_key(key, "required but missing");
  return get_int_in(key, 0, lo, hi);
}

}  // namespace vigil::darknet
