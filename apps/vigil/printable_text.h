// Error text as the terminal gets it. Messages quote names and bytes from the user's files; in a corrupt
// file those can be anything. Valid UTF-8 passes unchanged (names in any script); every other byte, and
// control characters other than newline and tab, become \xNN.
#pragma once

#include <string>
#include <string_view>

namespace vigil::cli {

inline std::string printable_text(std::string_view s) {
  auto hex = [](std::string& out, unsigned char c) {
    out += "\\x";
    out += "0123456789abcdef"[c >> 4];
    out += "0123456789abcdef"[c & 15];
  };
  auto cont = [&](size_t i) { return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; };
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != 0x7f)
        out += static_cast<char>(c);
      else if (c == '\n' || c == '\t')
        out += static_cast<char>(c);
      else
        hex(out, c);
      ++i;
      continue;
    }
    // The length of a well-formed UTF-8 sequence starting here, or 0 (RFC 3629: no overlong forms, no
    // surrogates, nothing above U+10FFFF).
    size_t n = 0;
    const auto second = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if (c >= 0xC2 && c <= 0xDF && cont(i + 1))
      n = 2;
    else if (c >= 0xE0 && c <= 0xEF && cont(i + 1) && cont(i + 2) && !(c == 0xE0 && second < 0xA0) &&
             !(c == 0xED && second > 0x9F))
      n = 3;
    else if (c >= 0xF0 && c <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3) && !(c == 0xF0 && second < 0x90) &&
             !(c == 0xF4 && second > 0x8F))
      n = 4;
    if (n == 0) {
      hex(out, c);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace vigil::cli
