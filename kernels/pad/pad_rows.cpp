#include <cstring>

#include "kernels/pad/pad.h"

namespace vigil::kernels {

namespace {

// `count` copies of the element `value` (N bytes). N is a compile-time constant so the loop becomes plain
// stores; memcpy keeps it free of aliasing questions whatever the buffer's element type.
template <size_t N>
void fill_fixed(std::byte* dst, int64_t count, const unsigned char* value) {
  for (int64_t i = 0; i < count; ++i) std::memcpy(dst + static_cast<size_t>(i) * N, value, N);
}

void fill(std::byte* dst, int64_t count, const unsigned char* value, size_t es) {
  switch (es) {
    case 1:
      std::memset(dst, value[0], static_cast<size_t>(count));
      return;
    case 2:
      fill_fixed<2>(dst, count, value);
      return;
    case 4:
      fill_fixed<4>(dst, count, value);
      return;
    case 8:
      fill_fixed<8>(dst, count, value);
      return;
    default:
      for (int64_t i = 0; i < count; ++i) std::memcpy(dst + static_cast<size_t>(i) * es, value, es);
  }
}

// The last axis with any padding or cropping (-1 when none); the dims after it are copied whole, so they
// merge into one block per position of that axis.
int last_padded_axis(const PadParams& p) {
  int last = p.rank - 1;
  while (last >= 0 && p.pads_begin[last] == 0 && p.pads_end[last] == 0) --last;
  return last;
}

}  // namespace

int64_t pad_rows_count(const PadParams& p) {
  const int last = last_padded_axis(p);
  int64_t rows = 1;
  for (int d = 0; d < last; ++d) rows *= pad_out_dim(p, d);
  return rows;
}

void pad_rows(const PadParams& p, const void* in, void* out, int64_t row_begin, int64_t row_end) {
  if (row_begin >= row_end) return;
  const size_t es = p.elem_size;
  const auto* src = static_cast<const std::byte*>(in);
  auto* dst = static_cast<std::byte*>(out);

  const int last = last_padded_axis(p);
  int64_t inner = 1;
  for (int d = last + 1; d < p.rank; ++d) inner *= p.in_dims[d];
  if (last < 0) {  // nothing padded: one copy (the one row)
    std::memcpy(dst, src, static_cast<size_t>(inner) * es);
    return;
  }
  const size_t block = static_cast<size_t>(inner) * es;

  // The last padded axis: [pre | cropped input | post] in every row.
  const int64_t in_len = p.in_dims[last], begin = p.pads_begin[last], end = p.pads_end[last];
  const int64_t pre = begin > 0 ? begin : 0, post = end > 0 ? end : 0;
  const int64_t crop_begin = begin < 0 ? -begin : 0;
  const int64_t extent = in_len - crop_begin - (end < 0 ? -end : 0);
  const int64_t out_len = pre + extent + post;
  const size_t out_row_bytes = static_cast<size_t>(out_len) * block;
  const size_t in_row_bytes = static_cast<size_t>(in_len) * block;

  // Input strides (in rows of the last padded axis) of the outer dims.
  int64_t in_stride[kPadMaxRank] = {};
  int64_t s = 1;
  for (int d = last - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_dims[d];
  }
  int64_t coord[kPadMaxRank] = {};  // output coordinates of the current row in dims [0, last)
  for (int64_t rest = row_begin, d = last - 1; d >= 0; --d) {
    coord[d] = rest % pad_out_dim(p, static_cast<int>(d));
    rest /= pad_out_dim(p, static_cast<int>(d));
  }
  for (int64_t r = row_begin; r < row_end; ++r) {
    int64_t in_row = 0;
    bool constant_row = false;
    for (int d = 0; d < last; ++d) {
      const int64_t i = pad_source_index(coord[d], p.in_dims[d], p.pads_begin[d], p.pads_end[d], p.mode);
      if (i < 0) constant_row = true;
      in_row += i * in_stride[d];
    }
    std::byte* o = dst + static_cast<size_t>(r) * out_row_bytes;
    if (constant_row) {
      fill(o, out_len * inner, p.value, es);
    } else {
      const std::byte* row = src + static_cast<size_t>(in_row) * in_row_bytes;
      std::memcpy(o + static_cast<size_t>(pre) * block, row + static_cast<size_t>(crop_begin) * block,
                  static_cast<size_t>(extent) * block);
      if (p.mode == PadMode::Constant) {
        fill(o, pre * inner, p.value, es);
        fill(o + static_cast<size_t>(pre + extent) * block, post * inner, p.value, es);
      } else {
        // Pads are short next to the row: one block copy per padded position.
        for (int64_t k = 0; k < pre; ++k)
          std::memcpy(o + static_cast<size_t>(k) * block,
                      row + static_cast<size_t>(pad_source_index(k, in_len, begin, end, p.mode)) * block, block);
        for (int64_t k = pre + extent; k < out_len; ++k)
          std::memcpy(o + static_cast<size_t>(k) * block,
                      row + static_cast<size_t>(pad_source_index(k, in_len, begin, end, p.mode)) * block, block);
      }
    }
    for (int d = last - 1; d >= 0; --d) {  // next row
      if (++coord[d] < pad_out_dim(p, d)) break;
      coord[d] = 0;
    }
  }
}

}  // namespace vigil::kernels
