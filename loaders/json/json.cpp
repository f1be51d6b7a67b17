#include "loaders/json/json.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "engine/error.h"

namespace vigil {

std::string_view JsonValue::kind_name(Kind k) {
  switch (k) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return "a boolean";
    case Kind::Number:
      return "a number";
    case Kind::String:
      return "a string";
    case Kind::Array:
      return "an array";
    case Kind::Object:
      return "an object";
  }
  return "?";
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  JsonValue document() {
    skip_space();
    JsonValue v = value(0);
    skip_space();
    if (pos_ != text_.size()) fail_here("unexpected characters after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail_at(uint64_t at, const std::string& why) const {
    fail(file_, ": JSON at byte ", at, ": ", why);
  }
  [[noreturn]] void fail_here(const std::string& why) const {
    if (pos_ >= text_.size()) fail_at(pos_, why + " (the text ends here)");
    fail_at(pos_, why);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }

  void expect(char c) {
    if (at_end() || peek() != c) fail_here(concat("expected '", c, "'"));
    ++pos_;
  }

  void literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) fail_here("expected a JSON value");
    pos_ += word.size();
  }

  JsonValue value(int depth) {
    if (depth >= kMaxJsonDepth) fail_here(concat("nesting deeper than ", kMaxJsonDepth, " levels"));
    JsonValue v;
    v.offset = pos_;
    switch (peek()) {
      case '{':
        object(v, depth);
        break;
      case '[':
        array(v, depth);
        break;
      case '"':
        v.kind = JsonValue::Kind::String;
        v.string = string();
        break;
      case 't':
        literal("true");
        v.kind = JsonValue::Kind::Bool;
        v.boolean = true;
        break;
      case 'f':
        literal("false");
        v.kind = JsonValue::Kind::Bool;
        break;
      case 'n':
        literal("null");
        break;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
          number(v);
          break;
        }
        fail_here("expected a JSON value");
    }
    return v;
  }

  void object(JsonValue& v, int depth) {
    v.kind = JsonValue::Kind::Object;
    expect('{');
    skip_space();
    if (peek() == '}') return void(++pos_);
    while (true) {
      skip_space();
      const uint64_t key_at = pos_;
      if (peek() != '"') fail_here("expected a string key");
      std::string key = string();
      for (const auto& [k, unused] : v.object)
        if (k == key) fail_at(key_at, concat("key \"", key, "\" appears twice"));
      skip_space();
      expect(':');
      skip_space();
      JsonValue member = value(depth + 1);
      v.object.emplace_back(std::move(key), std::move(member));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') return void(++pos_);
      fail_here("expected ',' or '}' in an object");
    }
  }

  void array(JsonValue& v, int depth) {
    v.kind = JsonValue::Kind::Array;
    expect('[');
    skip_space();
    if (peek() == ']') return void(++pos_);
    while (true) {
      skip_space();
      v.array.push_back(value(depth + 1));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') return void(++pos_);
      fail_here("expected ',' or ']' in an array");
    }
  }

  uint32_t hex4() {
    uint32_t u = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      uint32_t d;
      if (c >= '0' && c <= '9')
        d = static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<uint32_t>(c - 'A' + 10);
      else
        fail_here("expected 4 hex digits after \\u");
      u = u * 16 + d;
      ++pos_;
    }
    return u;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (at_end()) fail_here("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail_here("control character in a string (escape it)");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      const uint64_t escape_at = pos_++;
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at(escape_at, "a low surrogate \\u escape without a high one");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") fail_at(escape_at, "a high surrogate \\u escape without a low one");
            pos_ += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail_at(escape_at, "a high surrogate \\u escape without a low one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail_at(escape_at, "invalid escape in a string");
      }
    }
  }

  // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  void number(JsonValue& v) {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') fail_here("a number may not have leading zeros");
    } else if (digits() == 0) {
      fail_here("expected a digit");
    }
    bool integer = true;
    if (peek() == '.') {
      ++pos_;
      integer = false;
      if (digits() == 0) fail_here("expected a digit after the decimal point");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      integer = false;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) fail_here("expected a digit in the exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    v.kind = JsonValue::Kind::Number;
    v.is_integer = integer;
    if (integer) {
      const auto r = std::from_chars(first, last, v.integer);
      if (r.ec != std::errc() || r.ptr != last) fail_at(start, "integer out of the 64-bit range");
      v.number = static_cast<double>(v.integer);
    } else {
      const auto r = std::from_chars(first, last, v.number);
      if (r.ec != std::errc() || r.ptr != last) fail_at(start, "number out of the double range");
    }
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
};

}  // namespace

JsonValue parse_json(std::string_view text, const std::string& file) { return Parser(text, file).document(); }

JsonValue read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, ": read failed");
  return parse_json(text.str(), path);
}

}  // namespace vigil
