// printable_text: what `vigil` prints of an error message quoting bytes from a corrupt file.
#include <doctest/doctest.h>

#include <string>

#include "apps/vigil/printable_text.h"

using vigil::cli::printable_text;

TEST_CASE("printable_text: ASCII and valid UTF-8 pass, stray bytes and control characters become \\xNN") {
  CHECK(printable_text("node 'conv_1': bad\n\tline") == "node 'conv_1': bad\n\tline");
  CHECK(printable_text("input 'stem\xf7"
                       "0.weight'") == "input 'stem\\xf70.weight'");
  CHECK(printable_text("\x01\x1b[31m\x7f") == "\\x01\\x1b[31m\\x7f");
  // Well-formed sequences of 2, 3 and 4 bytes stay: names in any script.
  CHECK(printable_text("caf\xc3\xa9 \xe6\xa8\xa1\xe5\x9e\x8b \xf0\x9f\x8e\xa5") ==
        "caf\xc3\xa9 \xe6\xa8\xa1\xe5\x9e\x8b \xf0\x9f\x8e\xa5");
  // Malformed: a lone continuation byte, a truncated sequence, an overlong form, a surrogate, > U+10FFFF.
  CHECK(printable_text("\x80") == "\\x80");
  CHECK(printable_text("a\xe6\xa8") == "a\\xe6\\xa8");
  CHECK(printable_text("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(printable_text("\xe0\x80\xaf") == "\\xe0\\x80\\xaf");
  CHECK(printable_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(printable_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  CHECK(printable_text("\xf5\x80\x80\x80") == "\\xf5\\x80\\x80\\x80");
}
