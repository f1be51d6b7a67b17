#include "loaders/video/y4m.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <vector>

#include "engine/error.h"

namespace vigil {

namespace {

int parse_int(std::string_view text, const std::string& what, const char* field) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) fail(what, ": Y4M header field ", field, " '", text, "' is not a number");
  return v;
}

uint8_t clamp_byte(int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); }

size_t frame_bytes(const Y4mHeader& h) {
  const size_t luma = static_cast<size_t>(h.width) * h.height;
  switch (h.chroma) {
    case Y4mHeader::Chroma::C420: return luma + 2 * static_cast<size_t>((h.width + 1) / 2) * ((h.height + 1) / 2);
    case Y4mHeader::Chroma::C444: return 3 * luma;
    case Y4mHeader::Chroma::Mono: return luma;
  }
  return luma;
}

class Y4mSource final : public FrameSource {
 public:
  Y4mSource(FILE* file, bool owned, std::string what) : file_(file), owned_(owned), what_(std::move(what)) {
    header_ = parse_y4m_header(read_line(kMaxHeader), what_);
    planes_.resize(frame_bytes(header_));
  }
  ~Y4mSource() override {
    if (owned_) std::fclose(file_);
  }

  double fps() const override {
    return header_.fps_num > 0 ? static_cast<double>(header_.fps_num) / header_.fps_den : 0.0;
  }

  bool next(Frame& frame) override {
    {
      if (done_) return false;
      const int64_t index = next_index_++;
      if (!resynced_) {
        int c = std::fgetc(file_);
        if (c == EOF) return done_ = true, false;
        std::ungetc(c, file_);
      }
      std::string marker = read_line(kMaxFrameHeader);
      if (resynced_) marker = "FRAME" + marker;  // resync() consumed the marker's first five bytes
      resynced_ = false;
      if (marker.rfind("FRAME", 0) != 0) {
        resync();
        fail(what_, ": frame ", index, ": expected a FRAME marker, found '", marker.substr(0, 16), "'");
      }
      const size_t got = std::fread(planes_.data(), 1, planes_.size(), file_);
      if (got != planes_.size()) {
        done_ = true;
        fail(what_, ": frame ", index, " is truncated: ", got, " of ", planes_.size(), " bytes");
      }
      frame.index = index;
      char name[32];
      std::snprintf(name, sizeof name, "frame_%06lld", static_cast<long long>(index));
      frame.name = name;
      y4m_planes_to_rgb(header_, planes_.data(), frame.image);
      return true;
    }
  }

 private:
  static constexpr size_t kMaxHeader = 4096, kMaxFrameHeader = 1024;

  std::string read_line(size_t limit) {
    std::string line;
    for (;;) {
      int c = std::fgetc(file_);
      if (c == EOF) {
        if (line.empty() && next_index_ == 0) fail(what_, ": empty input, not a Y4M stream");
        return line;
      }
      if (c == '\n') return line;
      if (line.size() >= limit) fail(what_, ": Y4M line longer than ", limit, " bytes");
      line.push_back(static_cast<char>(c));
    }
  }

  // After a corrupt marker: skip bytes up to the next "FRAME" so the stream can continue.
  void resync() {
    static constexpr char kMarker[] = "FRAME";
    size_t matched = 0;
    for (int c; (c = std::fgetc(file_)) != EOF;) {
      matched = (c == kMarker[matched]) ? matched + 1 : (c == 'F' ? 1 : 0);
      if (matched == 5) {
        resynced_ = true;
        return;
      }
    }
    done_ = true;
  }

  FILE* file_;
  bool owned_;
  std::string what_;
  Y4mHeader header_;
  std::vector<uint8_t> planes_;
  int64_t next_index_ = 0;
  bool done_ = false;
  bool resynced_ = false;  // the next frame's "FRAME" was already read by resync()
};

}  // namespace

Y4mHeader parse_y4m_header(const std::string& line, const std::string& what) {
  if (line.rfind("YUV4MPEG2", 0) != 0) fail(what, ": not a Y4M stream (no YUV4MPEG2 signature)");
  Y4mHeader h;
  bool have_w = false, have_h = false;
  size_t pos = 9;
  while (pos < line.size()) {
    if (line[pos] == ' ') {
      ++pos;
      continue;
    }
    size_t end = line.find(' ', pos);
    if (end == std::string::npos) end = line.size();
    const std::string_view tag(line.data() + pos, end - pos);
    const std::string_view value = tag.substr(1);
    switch (tag[0]) {
      case 'W': h.width = parse_int(value, what, "W"), have_w = true; break;
      case 'H': h.height = parse_int(value, what, "H"), have_h = true; break;
      case 'F': {
        const size_t colon = value.find(':');
        if (colon == std::string_view::npos) fail(what, ": Y4M header field F '", value, "' is not NUM:DEN");
        h.fps_num = parse_int(value.substr(0, colon), what, "F");
        h.fps_den = parse_int(value.substr(colon + 1), what, "F");
        if (h.fps_num < 0 || h.fps_den <= 0) fail(what, ": Y4M frame rate ", value, " is invalid");
        break;
      }
      case 'C':
        if (value.rfind("420", 0) == 0 && (value == "420" || value == "420jpeg" || value == "420paldv" || value == "420mpeg2"))
          h.chroma = Y4mHeader::Chroma::C420;
        else if (value == "444") h.chroma = Y4mHeader::Chroma::C444;
        else if (value == "mono") h.chroma = Y4mHeader::Chroma::Mono;
        else fail(what, ": Y4M colour space C", value, " is not supported (420jpeg, 420paldv, 420mpeg2, 420, 444, mono)");
        break;
      case 'X':
        if (value == "COLORRANGE=FULL") h.full_range = true;
        else if (value == "COLORRANGE=LIMITED") h.full_range = false;
        break;  // other extensions carry nothing vigil needs
      case 'I':
        if (value != "p" && value != "?") fail(what, ": interlaced Y4M (I", value, ") is not supported");
        break;
      case 'A': break;  // pixel aspect ratio: irrelevant to detection
      default: fail(what, ": unknown Y4M header field '", tag, "'");
    }
    pos = end;
  }
  if (!have_w || !have_h) fail(what, ": the Y4M header lacks ", have_w ? "H" : "W");
  if (h.width < 1 || h.height < 1 || h.width > kMaxImageSide || h.height > kMaxImageSide)
    fail(what, ": Y4M frame size ", h.width, "x", h.height, " is outside 1..", kMaxImageSide);
  return h;
}

void y4m_planes_to_rgb(const Y4mHeader& h, const uint8_t* planes, Image& out) {
  const int w = h.width, ht = h.height;
  out.width = w;
  out.height = ht;
  out.rgb.resize(static_cast<size_t>(w) * ht * 3);
  const uint8_t* y_plane = planes;
  const int cw = h.chroma == Y4mHeader::Chroma::C420 ? (w + 1) / 2 : w;
  const int ch = h.chroma == Y4mHeader::Chroma::C420 ? (ht + 1) / 2 : ht;
  const uint8_t* cb_plane = planes + static_cast<size_t>(w) * ht;
  const uint8_t* cr_plane = cb_plane + static_cast<size_t>(cw) * ch;
  for (int y = 0; y < ht; ++y)
    for (int x = 0; x < w; ++x) {
      int luma = y_plane[static_cast<size_t>(y) * w + x];
      int d = 0, e = 0;
      if (h.chroma != Y4mHeader::Chroma::Mono) {
        const int cx = h.chroma == Y4mHeader::Chroma::C420 ? x / 2 : x, cy = h.chroma == Y4mHeader::Chroma::C420 ? y / 2 : y;
        d = cb_plane[static_cast<size_t>(cy) * cw + cx] - 128;
        e = cr_plane[static_cast<size_t>(cy) * cw + cx] - 128;
      }
      if (!h.full_range) {  // studio swing: Y 16..235, chroma 16..240 -> full range (x 255/219, x 255/224)
        luma = ((luma - 16) * 76309 + 32768) >> 16;
        d = (d * 74606 + 32768) >> 16;
        e = (e * 74606 + 32768) >> 16;
      }
      uint8_t* p = out.pixel(x, y);
      p[0] = clamp_byte(luma + ((91881 * e + 32768) >> 16));
      p[1] = clamp_byte(luma + ((-22554 * d - 46802 * e + 32768) >> 16));
      p[2] = clamp_byte(luma + ((116130 * d + 32768) >> 16));
    }
}

std::unique_ptr<FrameSource> open_y4m_source(const std::string& path) {
  if (path == "-") return std::make_unique<Y4mSource>(stdin, false, "<stdin>");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path, ": cannot open");
  try {
    return std::make_unique<Y4mSource>(f, true, path);
  } catch (...) {
    std::fclose(f);
    throw;
  }
}

}  // namespace vigil
