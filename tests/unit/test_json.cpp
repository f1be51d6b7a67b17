// The strict JSON reader behind `vigil convert --metadata`: values, escapes and numbers as RFC 8259
// defines them, and every malformed input rejected with the byte offset of the fault.
#include <doctest/doctest.h>

#include <string>

#include "error_of.h"
#include "loaders/json/json.h"
#include "loaders/vgl/metadata_json.h"

using namespace vigil;
using vigil::test::error_of;

TEST_CASE("json: objects, arrays, literals, numbers and strings") {
  const JsonValue v = parse_json(
      R"( {"a": [1, -2.5e1, 0, 9223372036854775807], "b": {"c": null, "d": true, "e": false},
          "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"} )",
      "t.json");
  REQUIRE(v.kind == JsonValue::Kind::Object);
  REQUIRE(v.object.size() == 3);
  CHECK(v.object[0].first == "a");
  const JsonValue& a = v.object[0].second;
  REQUIRE(a.array.size() == 4);
  CHECK((a.array[0].is_integer && a.array[0].integer == 1));
  CHECK((!a.array[1].is_integer && a.array[1].number == -25.0));
  CHECK(a.array[3].integer == INT64_MAX);
  CHECK(a.offset == 7);
  const JsonValue& b = v.object[1].second;
  CHECK(b.object[0].second.kind == JsonValue::Kind::Null);
  CHECK(b.object[1].second.boolean);
  CHECK(v.object[2].second.string == "q\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
}

TEST_CASE("json: malformed text is an error naming the file and byte offset") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "t.json: JSON at byte 0: expected a JSON value (the text ends here)"},
      {"[1,]", "t.json: JSON at byte 3: expected a JSON value"},
      {"{\"a\":1,}", "t.json: JSON at byte 7: expected a string key"},
      {"{\"a\":1 \"b\":2}", "t.json: JSON at byte 7: expected ',' or '}' in an object"},
      {"{\"a\":1,\"a\":2}", "t.json: JSON at byte 7: key \"a\" appears twice"},
      {"[01]", "t.json: JSON at byte 2: a number may not have leading zeros"},
      {"[1.]", "t.json: JSON at byte 3: expected a digit after the decimal point"},
      {"[-]", "t.json: JSON at byte 2: expected a digit"},
      {"[1e]", "t.json: JSON at byte 3: expected a digit in the exponent"},
      {"[9223372036854775808]", "t.json: JSON at byte 1: integer out of the 64-bit range"},
      {"[1e999]", "t.json: JSON at byte 1: number out of the double range"},
      {"\"a\nb\"", "t.json: JSON at byte 2: control character in a string (escape it)"},
      {"\"abc", "t.json: JSON at byte 4: unterminated string (the text ends here)"},
      {"\"\\x\"", "t.json: JSON at byte 1: invalid escape in a string"},
      {"\"\\ud83d\"", "t.json: JSON at byte 1: a high surrogate \\u escape without a low one"},
      {"\"\\ude00\"", "t.json: JSON at byte 1: a low surrogate \\u escape without a high one"},
      {"\"\\u12g4\"", "t.json: JSON at byte 5: expected 4 hex digits after \\u"},
      {"tru", "t.json: JSON at byte 0: expected a JSON value"},
      {"{} {}", "t.json: JSON at byte 3: unexpected characters after the JSON value"},
      {"// comment\n{}", "t.json: JSON at byte 0: expected a JSON value"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CHECK(error_of([&] { parse_json(c.text, "t.json"); }) == c.message);
  }
  const std::string deep(65, '['), ok_depth = std::string(64, '[') + std::string(64, ']');
  CHECK(error_of([&] { parse_json(deep, "t.json"); }) == "t.json: JSON at byte 64: nesting deeper than 64 levels");
  CHECK(parse_json(ok_depth, "t.json").kind == JsonValue::Kind::Array);
}

TEST_CASE("json metadata: kinds follow the values, floats where a known key expects them") {
  const Metadata m = metadata_from_json(
      parse_json(R"({"mean": [0, 0.5, 1], "input_size": [320, 256], "temporal_window": 16, "x-float": 2.5,
                     "x-ints": [1, 2], "x-floats": [1, 2.5], "class_names": ["a", "b"], "yolo_masks": [],
                     "yolo_score_threshold": 0})",
                 "m.json"),
      "m.json");
  CHECK(std::get<std::vector<float>>(m.at("mean")) == std::vector<float>{0, 0.5f, 1});
  CHECK(std::get<std::vector<int64_t>>(m.at("input_size")) == std::vector<int64_t>{320, 256});
  CHECK(std::get<int64_t>(m.at("temporal_window")) == 16);
  CHECK(std::get<float>(m.at("x-float")) == 2.5f);
  CHECK(std::get<std::vector<int64_t>>(m.at("x-ints")) == std::vector<int64_t>{1, 2});
  CHECK(std::get<std::vector<float>>(m.at("x-floats")) == std::vector<float>{1, 2.5f});
  CHECK(std::get<std::vector<std::string>>(m.at("class_names")) == std::vector<std::string>{"a", "b"});
  CHECK(std::get<std::vector<int64_t>>(m.at("yolo_masks")).empty());
  CHECK(std::get<float>(m.at("yolo_score_threshold")) == 0.0f);

  auto err = [](const char* text) {
    return error_of([&] { metadata_from_json(parse_json(text, "m.json"), "m.json"); });
  };
  CHECK(err("[]") == "m.json: JSON at byte 0: is an array; expected an object of metadata keys");
  CHECK(err(R"({"x": []})") ==
        "m.json: metadata key 'x' at byte 6: an empty array has no element kind (only known keys may be empty)");
  CHECK(err(R"({"x": null})") ==
        "m.json: metadata key 'x' at byte 6: is null; expected a string, a number or an array of them");
  CHECK(err(R"({"x": [[1]]})") ==
        "m.json: metadata key 'x' at byte 7: array element is an array; expected strings or numbers");
  CHECK(err(R"({"x": 1e300})") == "m.json: metadata key 'x' at byte 6: 1e+300 is beyond the 32-bit float range");
  CHECK(err(R"({"x": "a\u0000b"})") == "m.json: metadata key 'x' at byte 6: a string with a NUL byte");
  CHECK(err(R"({"": 1})") == "m.json: metadata key '' at byte 5: a key must be non-empty text");
  CHECK(err(R"({"std": [1, 0]})") == "m.json: metadata key 'std': value 1 is 0, must be > 0 (at byte 8)");
}
