// The NCHWc layout written out in the tests' own loops (independent of kernels/nchwc/nchwc_layout.cpp), shared by
// the NCHWc conv tests: NCHW [n, ch, pixels] to NCHWc and back, and one element's offset.
#pragma once

#include <cstdint>
#include <vector>

namespace vigil::test {

// NCHW -> NCHWc with block b, padding lanes set to `pad` (NaN: they must never be read into a real channel).
// Written pixel-major over the destination, unlike the library's reorder.
inline std::vector<float> to_nchwc(const std::vector<float>& x, int64_t images, int64_t channels, int64_t pixels,
                                   int64_t b, float pad) {
  const int64_t blocks = (channels + b - 1) / b;
  std::vector<float> out(static_cast<size_t>(images * blocks * pixels * b));
  size_t at = 0;
  for (int64_t n = 0; n < images; ++n)
    for (int64_t cb = 0; cb < blocks; ++cb)
      for (int64_t q = 0; q < pixels; ++q)
        for (int64_t lane = 0; lane < b; ++lane, ++at) {
          const int64_t ch = cb * b + lane;
          out[at] = ch < channels ? x[static_cast<size_t>((n * channels + ch) * pixels + q)] : pad;
        }
  return out;
}

// The value of channel ch, pixel q of image n in an NCHWc buffer of `channels` channels.
inline float nchwc_at(const std::vector<float>& y, int64_t channels, int64_t pixels, int64_t b, int64_t n, int64_t ch,
                      int64_t q) {
  const int64_t blocks = (channels + b - 1) / b;
  return y[static_cast<size_t>(((n * blocks + ch / b) * pixels + q) * b + ch % b)];
}

// NCHWc -> NCHW, dropping the padding lanes.
inline std::vector<float> from_nchwc(const std::vector<float>& y, int64_t images, int64_t channels, int64_t pixels,
                                     int64_t b) {
  std::vector<float> out(static_cast<size_t>(images * channels * pixels));
  for (int64_t n = 0; n < images; ++n)
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t q = 0; q < pixels; ++q)
        out[static_cast<size_t>((n * channels + ch) * pixels + q)] = nchwc_at(y, channels, pixels, b, n, ch, q);
  return out;
}

}  // namespace vigil::test
