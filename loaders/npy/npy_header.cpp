#include "loaders/npy/npy_header.h"

#include "engine/error.h"

namespace vigil::npy {

namespace {

// Text from the file as it goes into a message: bytes outside printable ASCII as \xNN, so that a corrupt
// header does not put raw binary on the terminal.
std::string shown(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
  }
  return out;
}

// A recursive-descent reader of the tiny subset of Python literals .npy headers use.
class DictParser {
 public:
  DictParser(std::string_view text, uint64_t base, const std::string& file) : s_(text), base_(base), file_(file) {}

  Header parse() {
    Header h;
    bool has_descr = false, has_order = false, has_shape = false;
    skip_space();
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const size_t key_at = pos_;
      const std::string key = string_literal();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (has_descr) error(key_at, "duplicate key 'descr'");
        h.descr = string_literal();
        has_descr = true;
      } else if (key == "fortran_order") {
        if (has_order) error(key_at, "duplicate key 'fortran_order'");
        h.fortran_order = boolean();
        has_order = true;
      } else if (key == "shape") {
        if (has_shape) error(key_at, "duplicate key 'shape'");
        h.shape = tuple();
        has_shape = true;
      } else {
        error(key_at, concat("unexpected key '", shown(key), "'"));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') error(pos_, concat("expected ',' or '}', found ", describe(peek())));
    }
    ++pos_;  // '}'
    skip_space();
    if (pos_ != s_.size()) error(pos_, concat("unexpected ", describe(peek()), " after the header dict"));
    if (!has_descr) error(0, "the header has no 'descr'");
    if (!has_order) error(0, "the header has no 'fortran_order'");
    if (!has_shape) error(0, "the header has no 'shape'");
    return h;
  }

 private:
  [[noreturn]] void error(size_t at, const std::string& why) const {
    fail(file_, ": npy header at byte ", base_ + at, ": ", why);
  }
  static std::string describe(int c) {
    if (c < 0) return "the end of the header";
    if (c >= 0x20 && c < 0x7f) return concat("'", static_cast<char>(c), "'");
    return concat("byte 0x", "0123456789abcdef"[(c >> 4) & 15], "0123456789abcdef"[c & 15]);
  }
  int peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : -1; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  void expect(char c) {
    if (peek() != static_cast<unsigned char>(c)) error(pos_, concat("expected '", c, "', found ", describe(peek())));
    ++pos_;
  }
  // 'text' or "text"; the values we need never contain escapes, so a backslash is rejected.
  std::string string_literal() {
    const int q = peek();
    if (q != '\'' && q != '"') error(pos_, concat("expected a quoted string, found ", describe(q)));
    const size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\') error(pos_, "escape sequences are not supported in header strings");
      ++pos_;
    }
    if (pos_ >= s_.size()) error(start - 1, "unterminated string");
    return std::string(s_.substr(start, pos_++ - start));
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    error(pos_, concat("expected True or False, found ", describe(peek())));
  }
  int64_t integer() {
    const size_t start = pos_;
    if (peek() == '-') error(pos_, "a negative dimension");
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      const int digit = peek() - '0';
      if (v > (kMaxElements - digit) / 10) error(start, "a dimension larger than 2^32");
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) error(pos_, concat("expected a dimension, found ", describe(peek())));
    if (peek() == 'L') ++pos_;  // Python 2 longs, as old NumPy wrote them
    return v;
  }
  // (), (n,), (a, b), (a, b,) - a one-element tuple needs its comma, as in Python.
  Shape tuple() {
    const size_t open_at = pos_;
    expect('(');
    Shape s;
    bool trailing_comma = false;
    int count = 0;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      const size_t dim_at = pos_;
      const int64_t d = integer();
      if (count == kMaxRank) error(dim_at, concat("the shape has more than ", kMaxRank, " dimensions"));
      s.dims[static_cast<size_t>(count++)] = d;
      skip_space();
      trailing_comma = false;
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
        continue;
      }
      if (peek() != ')') error(pos_, concat("expected ',' or ')' in the shape, found ", describe(peek())));
    }
    ++pos_;
    if (count == 1 && !trailing_comma) error(open_at, "a one-dimensional shape must be written '(n,)'");
    s.rank = count;
    int64_t n = 1;
    for (int i = 0; i < count; ++i) {
      if (s[i] > 0 && n > kMaxElements / s[i])
        error(open_at, concat("shape ", s.str(), " has more than 2^32 elements"));
      n *= s[i];
    }
    return s;
  }

  std::string_view s_;
  size_t pos_ = 0;
  uint64_t base_;
  const std::string& file_;
};

}  // namespace

Header parse_header(std::string_view text, uint64_t text_offset, const std::string& file) {
  return DictParser(text, text_offset, file).parse();
}

std::string format_header(std::string_view descr, const Shape& shape) {
  std::string dims = "(";
  for (int i = 0; i < shape.rank; ++i) {
    if (i) dims += ", ";
    dims += std::to_string(shape[i]);
  }
  if (shape.rank == 1) dims += ',';
  dims += ')';
  std::string h = concat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", dims, ", }");
  // NumPy leaves room for the first dim to grow to 21 digits without rewriting the file.
  constexpr size_t kGrowthDigits = 21;
  if (shape.rank > 0) {
    const size_t digits = std::to_string(shape[0]).size();
    if (digits < kGrowthDigits) h.append(kGrowthDigits - digits, ' ');
  }
  return h;
}

DescrInfo descr_info(std::string_view d, std::string& why) {
  if (d.size() < 2) {
    why = concat("unsupported dtype '", shown(d), "'");
    return {};
  }
  const char order = d[0];
  const std::string_view type = d.substr(1);
  const bool one_byte = type == "u1" || type == "i1" || type == "b1";
  if (order == '>') {
    why = concat("big-endian data ('", shown(d), "') is not supported; convert with .astype('<", shown(type), "')");
    return {};
  }
  if (order != '<' && order != '|') {
    why = concat("unsupported byte order in dtype '", shown(d), "'");
    return {};
  }
  if (order == '|' && !one_byte) {
    why = concat("dtype '", shown(d), "' has no byte order ('<' expected)");
    return {};
  }
  if (type == "f4") return {DType::F32, 4, false};
  if (type == "f8") return {DType::F32, 8, true};
  if (type == "f2") return {DType::F16, 2, false};
  if (type == "i8") return {DType::I64, 8, false};
  if (type == "i4") return {DType::I32, 4, false};
  if (type == "u1") return {DType::U8, 1, false};
  if (type == "i1") return {DType::I8, 1, false};
  if (type == "b1") return {DType::Bool, 1, false};
  why = concat("unsupported dtype '", shown(d), "' (supported: <f4 <f8 <f2 <i8 <i4 u1 i1 b1)");
  return {};
}

std::string_view descr_of(DType t) {
  switch (t) {
    case DType::F32:
      return "<f4";
    case DType::F16:
      return "<f2";
    case DType::F64:
      return "<f8";
    case DType::I64:
      return "<i8";
    case DType::I32:
      return "<i4";
    case DType::I8:
      return "|i1";
    case DType::U8:
      return "|u1";
    case DType::Bool:
      return "|b1";
    case DType::BF16:
    case DType::Undefined:
      return {};
  }
  return {};
}

}  // namespace vigil::npy
