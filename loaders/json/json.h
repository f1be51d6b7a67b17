// A small, strict JSON reader (RFC 8259) for configuration files such as `vigil convert --metadata`:
// no comments, no trailing commas, no duplicate keys, nesting at most kMaxJsonDepth deep. Errors name the
// file and the byte offset: "<file>: JSON at byte <offset>: <reason>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

inline constexpr int kMaxJsonDepth = 64;

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  uint64_t offset = 0;  // where the value starts in the text, for error messages
  bool boolean = false;
  // Numbers: `is_integer` when written without fraction or exponent (then `integer` holds it exactly; an
  // integer beyond int64 is an error); `number` always holds the value as a double.
  bool is_integer = false;
  int64_t integer = 0;
  double number = 0;
  std::string string;                                     // UTF-8, escapes decoded
  std::vector<JsonValue> array;                           // Array elements
  std::vector<std::pair<std::string, JsonValue>> object;  // Object members in file order, keys unique

  static std::string_view kind_name(Kind k);
};

// Parses `text` (one JSON value, surrounded by optional whitespace); `file` names it in errors.
JsonValue parse_json(std::string_view text, const std::string& file);

// Reads and parses a file; an unreadable file is an error naming it.
JsonValue read_json_file(const std::string& path);

}  // namespace vigil
