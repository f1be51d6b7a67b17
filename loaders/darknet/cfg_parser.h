// Reading darknet .cfg text: "[section]" headers followed by "key=value" lines. Whole-line comments start
// with '#' or ';' (darknet's rule); text after a '#' or ';' inside a value line is a comment too. Every
// section and entry keeps its line number so that errors can point at the file.
//
// The parser only splits text. What keys a section may hold and what their values mean is decided by the
// layer parser (darknet_layers.h), through SectionReader's typed getters, whose errors read
//   "<file>:<line>: [section] key 'stride': 'two' is not an integer".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::darknet {

struct CfgEntry {
  std::string key;
  std::string value;  // trimmed, comment removed, never empty
  int line = 0;
};

struct CfgSection {
  std::string name;  // without brackets, e.g. "convolutional"
  int line = 0;
  std::vector<CfgEntry> entries;
};

struct CfgFile {
  std::string path;  // for messages
  std::vector<CfgSection> sections;
};

// Splits cfg text into sections. Throws vigil::Error naming path:line for a malformed header, a line that
// is neither a header nor key=value, an empty key or value, an entry before the first section, or a key
// given twice in one section (darknet would silently take the first).
CfgFile parse_cfg(std::string_view text, const std::string& path);

// Reads and parses a file; a missing or unreadable file is an error naming it.
CfgFile read_cfg_file(const std::string& path);

// Typed, checked access to the keys of one section.
class SectionReader {
 public:
  SectionReader(const CfgFile& file, const CfgSection& section) : file_(file), section_(section) {}

  const CfgSection& section() const { return section_; }
  const CfgEntry* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Absent keys give the fallback; present keys must parse completely ("3x" is an error, not 3).
  int64_t get_int(std::string_view key, int64_t fallback) const;
  float get_float(std::string_view key, float fallback) const;
  std::string get_string(std::string_view key, std::string_view fallback) const;
  // Required keys: absence is an error naming the section's line.
  int64_t require_int(std::string_view key) const;
  std::string require_string(std::string_view key) const;
  // Comma-separated lists ("10,14,  23,27"); an empty element is an error.
  std::vector<int64_t> require_ints(std::string_view key) const;
  std::vector<float> require_floats(std::string_view key) const;
  std::vector<int64_t> get_ints(std::string_view key, std::vector<int64_t> fallback) const;

  // Integer range checks with messages that name the key and its line.
  int64_t get_int_in(std::string_view key, int64_t fallback, int64_t lo, int64_t hi) const;
  int64_t require_int_in(std::string_view key, int64_t lo, int64_t hi) const;

  // "<file>:<line>: [section] key 'k': reason" (line of the entry, or of the section if the key is absent).
  [[noreturn]] void fail_key(std::string_view key, std::string_view reason) const;
  // "<file>:<line>: [section]: reason" (line of the section header).
  [[noreturn]] void fail_section(std::string_view reason) const;

 private:
  int64_t parse_int(const CfgEntry& e, std::string_view text) const;
  float parse_float(const CfgEntry& e, std::string_view text) const;

  const CfgFile& file_;
  const CfgSection& section_;
};

}  // namespace vigil::darknet
