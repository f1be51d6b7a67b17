// .npy reading and writing. Fixtures are made here, byte for byte as NumPy 2.x's np.save writes them (the
// dict texts and total header sizes below were taken from real np.save output), so no Python is needed.
#include <doctest/doctest.h>

#include "error_of.h"
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/error.h"
#include "loaders/npy/npy.h"

using namespace vigil;

namespace {

std::filesystem::path temp_dir() {
  return std::filesystem::temp_directory_path() / ("vigil-npy-test-" + std::to_string(::getpid()));
}

struct TempDirCleanup {  // removes the test files when the test binary exits
  ~TempDirCleanup() {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir(), ec);
  }
} temp_dir_cleanup;

std::string temp_path(const std::string& name) {
  std::filesystem::create_directories(temp_dir());
  return (temp_dir() / name).string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// The committed fixture writer: magic, version, header length, the dict, spaces up to `header_total`
// bytes counted from the start of the file, '\n', then the data.
std::string npy_file(int major, const std::string& dict, size_t header_total, const std::string& data) {
  const size_t preamble = major == 1 ? 10 : 12;
  const size_t len = header_total - preamble;
  std::string f = "\x93NUMPY";
  f += static_cast<char>(major);
  f += '\0';
  f += static_cast<char>(len & 0xFF);
  f += static_cast<char>((len >> 8) & 0xFF);
  if (major != 1) f += std::string("\0\0", 2);
  f += dict;
  f += std::string(header_total - 1 - f.size(), ' ');
  f += '\n';
  return f + data;
}

std::string dict_of(const std::string& descr, const std::string& shape, const char* order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

Tensor load(const std::string& name, const std::string& bytes) {
  const std::string path = temp_path(name);
  write_file(path, bytes);
  return read_npy(path);
}

using vigil::test::error_of;

}  // namespace

TEST_CASE("read_npy reads arrays as NumPy writes them") {
  const std::vector<float> f32 = {0.5f, -1.0f, 2.0f, 3.25f, 1e-3f, -7.0f};
  Tensor t = load("f32.npy", npy_file(1, dict_of("<f4", "(2, 3)"), 128, raw(f32)));
  CHECK(t.dtype() == DType::F32);
  CHECK(t.shape() == Shape{2, 3});
  for (size_t i = 0; i < f32.size(); ++i) CHECK(t.f32()[i] == f32[i]);

  // float64 becomes float32, rounded to nearest; out-of-range values become infinity.
  const std::vector<double> f64 = {0.1, -2.5, 1e40, 3.0};
  t = load("f64.npy", npy_file(1, dict_of("<f8", "(4,)"), 128, raw(f64)));
  CHECK(t.dtype() == DType::F32);
  CHECK(t.shape() == Shape{4});
  CHECK(t.f32()[0] == 0.1f);
  CHECK(t.f32()[1] == -2.5f);
  CHECK(std::isinf(t.f32()[2]));
  CHECK(t.f32()[3] == 3.0f);

  const std::vector<int64_t> i64 = {-1, 0, 1, int64_t{1} << 40, -(int64_t{1} << 50), 7, 9};
  t = load("i64.npy", npy_file(1, dict_of("<i8", "(7,)"), 128, raw(i64)));
  CHECK(t.dtype() == DType::I64);
  CHECK(t.shape() == Shape{7});
  CHECK(std::vector<int64_t>(t.i64(), t.i64() + 7) == i64);

  const std::vector<int32_t> i32 = {-5, 6, 2147483647, -2147483647 - 1};
  t = load("i32.npy", npy_file(1, dict_of("<i4", "(2, 2)"), 128, raw(i32)));
  CHECK(t.dtype() == DType::I32);
  CHECK(std::memcmp(t.data(), i32.data(), 16) == 0);

  const std::vector<uint8_t> u8 = {0, 1, 254, 255};
  t = load("u8.npy", npy_file(1, dict_of("|u1", "(2, 2)"), 128, raw(u8)));
  CHECK(t.dtype() == DType::U8);
  CHECK(static_cast<const uint8_t*>(t.data())[3] == 255);
  t = load("i8.npy", npy_file(1, dict_of("|i1", "(4,)"), 128, raw(u8)));
  CHECK(t.dtype() == DType::I8);
  CHECK(static_cast<const int8_t*>(t.data())[3] == -1);
  t = load("b1.npy", npy_file(1, dict_of("|b1", "(2, 2)"), 128, raw(std::vector<uint8_t>{1, 0, 0, 1})));
  CHECK(t.dtype() == DType::Bool);
  t = load("f2.npy", npy_file(1, dict_of("<f2", "(2,)"), 128, raw(std::vector<uint16_t>{0x3C00, 0xC000})));
  CHECK(t.dtype() == DType::F16);
  CHECK(static_cast<const uint16_t*>(t.data())[1] == 0xC000);

  // A scalar, and empty arrays (a long shape makes NumPy's header 192 bytes).
  t = load("scalar.npy", npy_file(1, dict_of("<f4", "()"), 128, raw(std::vector<float>{42.0f})));
  CHECK(t.shape().rank == 0);
  CHECK(t.f32()[0] == 42.0f);
  t = load("empty.npy", npy_file(1, dict_of("<f4", "(0,)"), 128, ""));
  CHECK(t.shape() == Shape{0});
  t = load("empty6.npy", npy_file(1, dict_of("<f4", "(0, 1000000, 1000000, 1000000, 1000000, 1000000)"), 192, ""));
  CHECK(t.shape() == (Shape{0, 1000000, 1000000, 1000000, 1000000, 1000000}));
  CHECK(t.numel() == 0);
  t = load("rank6.npy", npy_file(1, dict_of("|u1", "(1, 2, 3, 4, 5, 6)"), 128, std::string(720, '\x05')));
  CHECK(t.shape() == (Shape{1, 2, 3, 4, 5, 6}));

  // Format 2.0 and 3.0 headers (np.lib.format.write_array(..., version=(2, 0) / (3, 0))).
  for (int major : {2, 3}) {
    t = load("v23.npy", npy_file(major, dict_of("<f4", "(2, 3)"), 128, raw(f32)));
    CHECK(t.shape() == Shape{2, 3});
    CHECK(t.f32()[5] == -7.0f);
  }
  // Older writers: 16-byte alignment, Python 2 longs, double quotes, no spaces, no trailing comma.
  t = load("old.npy", npy_file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 80, raw(f32)));
  CHECK(t.shape() == Shape{2, 3});
  t = load("terse.npy",
           npy_file(1, R"({"shape":(3,),"fortran_order":False,"descr":"<f4"})", 64, raw(std::vector<float>{1, 2, 3})));
  CHECK(t.shape() == Shape{3});
  CHECK(t.f32()[2] == 3.0f);
}

TEST_CASE("write_npy writes exactly what np.save writes") {
  struct Case {
    DType dtype;
    Shape shape;
    std::string dict;
    size_t header_total;
  };
  const std::vector<Case> cases = {
      {DType::F32, {2, 3}, dict_of("<f4", "(2, 3)"), 128},
      {DType::I64, {7}, dict_of("<i8", "(7,)"), 128},
      {DType::I32, {12345, 2}, dict_of("<i4", "(12345, 2)"), 128},
      {DType::U8, {1, 2, 3, 4, 5, 6}, dict_of("|u1", "(1, 2, 3, 4, 5, 6)"), 128},
      {DType::Bool, {2, 2}, dict_of("|b1", "(2, 2)"), 128},
      {DType::F16, {2, 2}, dict_of("<f2", "(2, 2)"), 128},
      {DType::I8, {3}, dict_of("|i1", "(3,)"), 128},
      {DType::F32, {}, dict_of("<f4", "()"), 128},
      {DType::F32, {0}, dict_of("<f4", "(0,)"), 128},
      {DType::F32,
       {0, 1000000, 1000000, 1000000, 1000000, 1000000},
       dict_of("<f4", "(0, 1000000, 1000000, 1000000, 1000000, 1000000)"),
       192},
  };
  for (const Case& c : cases) {
    CAPTURE(c.dict);
    std::string data(static_cast<size_t>(c.shape.numel()) * dtype_size(c.dtype), '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 13 + 1);
    if (c.dtype == DType::Bool)
      for (char& ch : data) ch &= 1;
    const std::string path = temp_path("w.npy");
    write_npy(path, TensorView{c.dtype, c.shape, data.empty() ? nullptr : data.data()});
    CHECK(read_file(path) == npy_file(1, c.dict, c.header_total, data));
  }
}

TEST_CASE("npy round trip of every supported dtype and rank 0..6") {
  std::mt19937 rng(3);
  const DType dtypes[] = {DType::F32, DType::I64, DType::I32, DType::U8, DType::I8, DType::Bool, DType::F16};
  for (DType dt : dtypes)
    for (int rank = 0; rank <= 6; ++rank) {
      Shape s;
      s.rank = rank;
      for (int i = 0; i < rank; ++i) s[i] = 1 + static_cast<int64_t>(rng() % 3);
      Tensor t(dt, s);
      auto* p = static_cast<uint8_t*>(t.mutable_data());
      for (size_t i = 0; i < t.bytes(); ++i) p[i] = static_cast<uint8_t>(rng());
      if (dt == DType::Bool)
        for (size_t i = 0; i < t.bytes(); ++i) p[i] &= 1;
      const std::string path = temp_path("rt.npy");
      write_npy(path, t.view());
      const Tensor r = read_npy(path);
      CAPTURE(dtype_name(dt));
      CAPTURE(rank);
      CHECK(r.dtype() == dt);
      CHECK(r.shape() == s);
      CHECK(std::memcmp(r.data(), t.data(), t.bytes()) == 0);
      CHECK(read_file(path).size() % 64 == t.bytes() % 64);  // data starts 64-aligned
    }
  const std::string path = temp_path("bf16.npy");
  CHECK(error_of([&] { write_npy(path, Tensor(DType::BF16, {2}).view()); }).find("no NumPy equivalent") !=
        std::string::npos);
}

TEST_CASE("malformed npy files are rejected with the file, byte offset and reason") {
  const std::string path = temp_path("bad.npy");
  const std::string f32x6 = raw(std::vector<float>(6, 1.0f));
  auto with_dict = [&](const std::string& dict) { return npy_file(1, dict, 128, f32x6); };
  struct Case {
    const char* name;
    std::string bytes;
    std::string what;  // "<what> at byte <offset>"
    std::string reason;
  };
  const std::string good = with_dict(dict_of("<f4", "(2, 3)"));
  std::string v2_cut = npy_file(2, dict_of("<f4", "(2, 3)"), 128, f32x6).substr(0, 11);
  std::string long_len = good;
  long_len[8] = static_cast<char>(0xE8);  // header length 1000 (0x03E8)
  long_len[9] = 0x03;
  const std::vector<Case> cases = {
      {"empty", "", "npy preamble at byte 0", "the file is 0 bytes"},
      {"short", "\x93NUMP", "npy preamble at byte 0", "shorter than the 10-byte"},
      {"magic", "\x93NUMPX" + good.substr(6), "npy magic at byte 0", "not a .npy file"},
      {"version 4", good.substr(0, 6) + "\x04" + good.substr(7), "npy version at byte 6", "4.0 is not supported"},
      {"version 1.1", good.substr(0, 7) + "\x01" + good.substr(8), "npy version at byte 6", "1.1 is not supported"},
      {"cut length", v2_cut, "npy header length at byte 8", "the file ends at byte 11 inside the header length"},
      {"length past EOF", long_len, "npy header length at byte 8",
       "a header of 1000 bytes would end at byte 1010, past the end of the 152-byte file"},
      {"no brace", with_dict("'descr': '<f4'}"), "npy header at byte 10", "expected '{', found '''"},
      {"no colon", with_dict("{'descr' '<f4'}"), "npy header at byte 19", "expected ':', found '''"},
      {"unknown key", with_dict("{'descr': '<f4', 'order': 1}"), "npy header at byte 27", "unexpected key 'order'"},
      // Binary bytes from a corrupt header are shown escaped, not written raw into the message.
      {"binary key", with_dict("{'descr': '<f4', 'or\x8a': 1}"), "npy header at byte 27", "unexpected key 'or\\x8a'"},
      {"binary dtype", with_dict(dict_of("<\x9e" "4", "(2, 3)")), "npy header descr at byte 10",
       "unsupported dtype '<\\x9e4'"},
      {"no shape", with_dict("{'descr': '<f4', 'fortran_order': False}"), "npy header at byte 10",
       "the header has no 'shape'"},
      {"duplicate", with_dict("{'descr': '<f4', 'descr': '<f4'}"), "npy header at byte 27", "duplicate key 'descr'"},
      {"trailing", with_dict(dict_of("<f4", "(2, 3)") + " x"), "npy header at byte " + std::to_string(10 + 60),
       "unexpected 'x' after the header dict"},
      {"unterminated", with_dict("{'descr': '<f4"), "npy header at byte 20", "unterminated string"},
      {"bad bool", with_dict(dict_of("<f4", "(2, 3)", "Maybe")), "npy header at byte 44", "expected True or False"},
      {"one dim no comma", with_dict(dict_of("<f4", "(6)")), "npy header at byte 60", "must be written '(n,)'"},
      {"negative dim", with_dict(dict_of("<f4", "(-6,)")), "npy header at byte 61", "a negative dimension"},
      {"rank 7", with_dict(dict_of("<f4", "(1, 1, 1, 1, 1, 1, 6)")), "npy header at byte 79", "more than 6 dimensions"},
      {"2^40 elements", with_dict(dict_of("<f4", "(1048576, 1048576)")), "npy header at byte 60",
       "has more than 2^32 elements"},
      {"huge dim", with_dict(dict_of("<f4", "(99999999999999999999,)")), "npy header at byte 61",
       "a dimension larger than 2^32"},
      {"unknown dtype", with_dict(dict_of("<c8", "(2, 3)")), "npy header descr at byte 10", "unsupported dtype '<c8'"},
      {"big-endian", with_dict(dict_of(">f4", "(2, 3)")), "npy header descr at byte 10", "big-endian data ('>f4')"},
      {"no byte order", with_dict(dict_of("|f4", "(2, 3)")), "npy header descr at byte 10", "has no byte order"},
      {"fortran", with_dict(dict_of("<f4", "(2, 3)", "True")), "npy header fortran_order at byte 10",
       "Fortran-order arrays are not supported"},
      {"data short", good.substr(0, good.size() - 1), "npy data at byte 128",
       "too short: shape [2,3] of '<f4' needs 24 bytes but the file has 23"},
      {"data long", good + "x", "npy data at byte 128",
       "too long: shape [2,3] of '<f4' needs 24 bytes but the file has 25"},
  };
  CHECK_NOTHROW(load("good.npy", good));
  for (const Case& c : cases) {
    CAPTURE(c.name);
    write_file(path, c.bytes);
    const std::string msg = error_of([&] { read_npy(path); });
    CAPTURE(msg);
    const std::string prefix = path + ": " + c.what + ": ";
    CHECK(msg.substr(0, prefix.size()) == prefix);
    CHECK(msg.find(c.reason) != std::string::npos);
  }
  CHECK(error_of([] { read_npy(temp_path("missing.npy")); }).find("cannot open") != std::string::npos);
}
