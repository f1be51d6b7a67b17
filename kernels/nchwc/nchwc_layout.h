// The blocked channel layout NCHWc ("channel blocks") that vigil uses inside runs of depthwise and
// pointwise convolutions on the vector paths (engine/passes/use_nchwc_layout.h decides where).
//
// A tensor [N, C, H, W] is stored as [N, CB, H, W, b] with CB = ceil(C / b): channel c of pixel (h, w) of
// image n sits at
//
//     (((n * CB + c / b) * H + h) * W + w) * b + c % b.
//
// One vector of b lanes (b = 16 on AVX-512, 8 on AVX2) is then b channels of one pixel: a depthwise tap is
// one vector FMA with no gather or transpose, and a pointwise conv is a product whose rows are pixels and
// whose columns are output channels, full vectors even on a 7x7 image.
//
// Padding lanes: when b does not divide C, lanes c % b >= C % b of the last block belong to no channel.
// nchwc_from_nchw writes zeros there; every other kernel may leave any value in them (even NaN) and must
// never let them reach a real channel: channel-mixing kernels sum over the C real channels only. Tests fill
// the padding lanes of inputs with NaN to prove it. nchw_from_nchwc drops them.
#pragma once

#include <cstdint>

#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// Channel blocks for `channels` channels in blocks of `block` lanes: ceil(channels / block).
constexpr int64_t nchwc_blocks(int64_t channels, int64_t block) { return (channels + block - 1) / block; }

// The block the vector paths use: 16 on Avx512, 8 on Avx2, 1 on Scalar (no blocking).
constexpr int64_t nchwc_block(KernelIsa isa) { return isa == KernelIsa::Avx512 ? 16 : isa == KernelIsa::Avx2 ? 8 : 1; }

// The largest block any kernel takes (the plain loops' per-lane buffers are this long).
inline constexpr int64_t kNchwcMaxBlock = 64;

// The path whose reorder/pool code runs a tensor of `block` lanes: `isa` when block is its vector width,
// else Scalar (the plain loops, any block).
constexpr KernelIsa nchwc_isa(KernelIsa isa, int64_t block) {
  return nchwc_block(isa) == block ? isa : KernelIsa::Scalar;
}

// Geometry shared by the reorders and the global pool: `images` images of `channels` channels and `pixels`
// (H * W) pixels each, in blocks of `block` lanes (1..64).
struct NchwcShape {
  int64_t images = 1, channels = 1, pixels = 1, block = 16;
};

// y (NCHWc) = x (NCHW); padding lanes of y set to 0. Work is split by the caller: this call converts the
// channel blocks [block_begin, block_end) of every image. Scalar, Avx2 and Avx512 give identical bits
// (a copy); any block size on Scalar, the isa's own nchwc_block on the others.
void nchwc_from_nchw(KernelIsa isa, const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                     int64_t block_end);

// y (NCHW) = x (NCHWc) without the padding lanes, for the channel blocks [block_begin, block_end).
void nchw_from_nchwc(KernelIsa isa, const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                     int64_t block_end);

// The reorders' vector paths (what the two functions above call on Avx512 with block 16 and on Avx2 with
// block 8; the plain loops of nchwc_layout.cpp are the Scalar path and take any block).
void nchwc_from_nchw_avx2(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end);
void nchwc_from_nchw_avx512(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end);
void nchw_from_nchwc_avx2(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end);
void nchw_from_nchwc_avx512(const NchwcShape& s, const float* x, float* y, int64_t block_begin, int64_t block_end);

// GlobalAveragePool in NCHWc: y[n, cb, 0, 0, lane] = mean over the pixels of x[n, cb, :, :, lane], summed
// in double and rounded once like global_average_pool's reference (kernels/pooling/pooling.h), so
// bit-identical to it per real channel; padding lanes of y unspecified. Channel blocks [block_begin,
// block_end) of every image.
void global_average_pool_nchwc(KernelIsa isa, const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                               int64_t block_end);
// Its vector paths (Avx512 with block 16, Avx2 with block 8; the same per-lane double sums, so the same bits).
void global_average_pool_nchwc_avx2(const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                                    int64_t block_end);
void global_average_pool_nchwc_avx512(const NchwcShape& s, const float* x, float* y, int64_t block_begin,
                                      int64_t block_end);

}  // namespace vigil::kernels
