// transpose_fast: transpose_reference's result (a pure copy, so the same bytes) for 4- and 8-byte elements.
// When the output's last dim is also the input's last dim, each output row is one run copied from the
// input. Otherwise a row is a gather with the stride of its input dim: every element came from another
// cache line, and ConvNeXt-T's NCHW <-> NHWC Transposes (1.2 MB each) ran at ~16 GB/s, 2.4 ms of the model
// against ONNX Runtime's 0.7; those go in 8x8 tiles instead (transpose.h). The reference copied each
// element with a memcpy of a runtime size (~4 ns per element).
#include <cstring>

#include "kernels/transpose/transpose.h"

namespace vigil::kernels {

namespace {

constexpr int64_t kTile = 8;

// The permutation seen from the output: its dims, and the input stride (elements) of each.
struct Walk {
  int rank = 0;
  int64_t out_dims[kTransposeMaxRank] = {}, in_step[kTransposeMaxRank] = {}, out_stride[kTransposeMaxRank] = {};
  // Tiles: `q` is the output dim that is the input's last (input stride 1) when the output's last dim is
  // not, and both are at least a tile long; -1 otherwise.
  int q = -1;
  int64_t q_blocks = 0;
};

Walk walk(const TransposeParams& p) {
  Walk w;
  w.rank = p.rank;
  int64_t in_stride[kTransposeMaxRank];
  int64_t s = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= p.in_dims[d];
  }
  for (int d = 0; d < p.rank; ++d) {
    w.out_dims[d] = p.in_dims[p.perm[d]];
    w.in_step[d] = in_stride[p.perm[d]];
  }
  s = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    w.out_stride[d] = s;
    s *= w.out_dims[d];
  }
  const int inner = p.rank - 1;
  if (p.rank >= 2 && p.perm[inner] != p.rank - 1)
    for (int d = 0; d < inner; ++d)
      if (p.perm[d] == p.rank - 1 && w.out_dims[d] >= kTile && w.out_dims[inner] >= kTile) {
        w.q = d;
        w.q_blocks = (w.out_dims[d] + kTile - 1) / kTile;
      }
  return w;
}

template <class T>
void rows(const Walk& w, const T* in, T* out, int64_t row_begin, int64_t row_end) {
  const int inner = w.rank - 1;
  const int64_t n = w.out_dims[inner], inner_step = w.in_step[inner];
  // Odometer over the outer output dims, set to row_begin.
  int64_t index[kTransposeMaxRank] = {};
  int64_t offset = 0;
  for (int64_t d = inner - 1, r = row_begin; d >= 0; --d) {
    index[d] = r % w.out_dims[d];
    r /= w.out_dims[d];
    offset += index[d] * w.in_step[d];
  }
  for (int64_t row = row_begin; row < row_end; ++row) {
    T* dst = out + row * n;
    const T* src = in + offset;
    if (inner_step == 1)
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
    else
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i * inner_step];
    for (int d = inner - 1; d >= 0; --d) {
      offset += w.in_step[d];
      if (++index[d] < w.out_dims[d]) break;
      offset -= w.in_step[d] * w.out_dims[d];
      index[d] = 0;
    }
  }
}

// Unit u: block u % q_blocks of output dim q, at the u / q_blocks-th combination of the other outer dims
// (output order), over the whole last output dim j. Element (q, j) is in[j * in_step[inner] + q] and
// out[q * out_stride[q] + j] from the unit's bases.
template <class T>
void tiles(const Walk& w, const T* in, T* out, int64_t unit_begin, int64_t unit_end, bool avx2) {
  const int inner = w.rank - 1, q = w.q;
  const int64_t si = w.in_step[inner], so = w.out_stride[q], nq = w.out_dims[q], nj = w.out_dims[inner];
  for (int64_t u = unit_begin; u < unit_end; ++u) {
    const int64_t q0 = u % w.q_blocks * kTile, qn = nq - q0 < kTile ? nq - q0 : kTile;
    int64_t in_off = q0, out_off = q0 * so;
    for (int64_t d = inner - 1, r = u / w.q_blocks; d >= 0; --d) {
      if (d == q) continue;
      const int64_t i = r % w.out_dims[d];
      r /= w.out_dims[d];
      in_off += i * w.in_step[d];
      out_off += i * w.out_stride[d];
    }
    const T* src = in + in_off;
    T* dst = out + out_off;
    for (int64_t j0 = 0; j0 < nj; j0 += kTile) {
      const int64_t jn = nj - j0 < kTile ? nj - j0 : kTile;
      if constexpr (sizeof(T) == 4) {
        if (avx2 && qn == kTile && jn == kTile) {
          transpose_tile8x8_avx2(reinterpret_cast<const float*>(src + j0 * si), si, reinterpret_cast<float*>(dst + j0),
                                 so);
          continue;
        }
      }
      for (int64_t a = 0; a < qn; ++a)
        for (int64_t b = 0; b < jn; ++b) dst[a * so + j0 + b] = src[(j0 + b) * si + a];
    }
  }
}

template <class T>
void run(const TransposeParams& p, const void* in, void* out, int64_t unit_begin, int64_t unit_end, bool avx2) {
  const Walk w = walk(p);
  if (w.q >= 0)
    tiles(w, static_cast<const T*>(in), static_cast<T*>(out), unit_begin, unit_end, avx2);
  else
    rows(w, static_cast<const T*>(in), static_cast<T*>(out), unit_begin, unit_end);
}

}  // namespace

int64_t transpose_units(const TransposeParams& p) {
  const Walk w = walk(p);
  int64_t r = 1;
  for (int d = 0; d + 1 < p.rank; ++d) r *= w.out_dims[d];
  if (w.q >= 0) r = r / w.out_dims[w.q] * w.q_blocks;
  return r;
}

bool transpose_fast_supported(const TransposeParams& p) {
  return p.rank >= 1 && (p.elem_size == 4 || p.elem_size == 8);
}

void transpose_fast(const TransposeParams& p, const void* in, void* out, int64_t unit_begin, int64_t unit_end,
                    KernelIsa isa) {
  const bool avx2 = isa == KernelIsa::Avx2 || isa == KernelIsa::Avx512;
  if (p.elem_size == 4)
    run<uint32_t>(p, in, out, unit_begin, unit_end, avx2);
  else
    run<uint64_t>(p, in, out, unit_begin, unit_end, avx2);
}

}  // namespace vigil::kernels
