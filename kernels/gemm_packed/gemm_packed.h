// Packed-A single-precision GEMM for the convolution orientation:
//
//   C[M x N] = epilogue( (accumulate ? C : 0) + A[M x K] * B[K x N] )
//
// A holds the weights (M = output channels). It is packed ONCE, when the model is loaded, into panels of
// MR rows (gemm_pack_a). B holds activations, row-major with N contiguous (NCHW spatial positions); the
// kernel packs it on the fly, one cache block (KC rows x NC columns) at a time, into panels of NR
// columns in a caller-provided workspace. B may also be an implicit im2col view of an NCHW image: the
// packing then gathers straight from the image, so no full im2col matrix is ever materialised.
//
// The epilogue runs once per output element, after the last K block, while the tile is still in
// registers:  y = act(sum + bias[m]) + residual[m, n], or act(sum + bias[m] + residual[m, n]).
//
// Every instruction-set path has the same API; the packed-A layout depends on the path (its MR), so pack
// with the same KernelIsa that runs. Calling a path the CPU lacks is undefined (the caller checks
// cpu_features(); kernels do not depend on engine/).
#pragma once

#include <cstdint>

#include "kernels/activation/activation.h"
#include "kernels/kernel_isa.h"

namespace vigil::kernels {

// Register tile (AVX2: a 6x16 ymm microkernel, AVX-512: 8x32 zmm) and cache blocking of a path. Packed
// panels are padded with zeros to MR rows / NR columns.
struct GemmBlocking {
  int mr = 1, nr = 1;  // microkernel tile: MR rows of A/C x NR columns of B/C
  int64_t kc = 1;      // K block: one packed B block holds KC rows
  int64_t nc = 1;      // N block: one packed B block holds NC columns (a multiple of NR)
  int64_t mc = 1;      // M block: rows of A streamed per B block (a multiple of MR)
};
GemmBlocking gemm_blocking(KernelIsa isa);

// ---- Packed A ----
// Floats needed for A packed by `isa`: ceil(M/MR) panels of K*MR floats.
int64_t gemm_packed_a_floats(KernelIsa isa, int64_t m, int64_t k);
// a is row-major [M x K] with row stride lda (>= K). Layout of `packed`: panel p (rows p*MR ..) is K
// consecutive groups of MR floats, group q = A[p*MR + r][q] for r < MR, rows past M filled with 0.
// Should be 64-byte aligned (faster), any 4-byte alignment works.
void gemm_pack_a(KernelIsa isa, int64_t m, int64_t k, const float* a, int64_t lda, float* packed);

// ---- B operand ----
// An implicit im2col matrix of one NCHW image x[channels, in_h, in_w]:
//   B[k][n] = x[c, oh*stride_h - pad_top + i*dilation_h, ow*stride_w - pad_left + j*dilation_w]
// with k = (c*kernel_h + i)*kernel_w + j, n = oh*out_w + ow, and 0 outside the image.
// K must equal channels*kernel_h*kernel_w and N must equal out_h*out_w.
struct Im2colGeometry {
  int64_t channels = 1, in_h = 1, in_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  int64_t out_h = 1, out_w = 1;
};

struct GemmBOperand {
  const float* data = nullptr;             // dense: B[k][n] = data[k*ld + n]; im2col: the image
  int64_t ld = 0;                          // dense row stride (>= N); unused for im2col
  const Im2colGeometry* im2col = nullptr;  // non-null: B is the implicit im2col view of `data`
  // Non-null: B packed once by gemm_pack_b (same K and N, same isa), 64-byte aligned; data, ld and im2col
  // are then unused and no run packs B.
  const float* packed = nullptr;
};

// A constant B (a Linear layer's weights, the activations being the rows of A) packed once, for products
// that would otherwise pack all of B on every run for few rows of A: ceil(N/NR) panels of K rows x NR
// columns (zero-padded), each panel's K rows in one run, so a product reads a K block of a panel exactly as
// it reads a panel it packed itself (same microkernel, same sums, bit-identical results).
int64_t gemm_packed_b_floats(KernelIsa isa, int64_t k, int64_t n);
// b row-major [K x N] with row stride ldb (>= N).
void gemm_pack_b(KernelIsa isa, int64_t k, int64_t n, const float* b, int64_t ldb, float* packed);

// ---- Threads ----
// A "parallel for" supplied by the caller (e.g. the engine's thread pool): it must call
// task(arg, begin, end) on disjoint ranges covering [0, tasks) and return when all calls have returned.
// Any split is correct (each task index owns its workspace slot); the kernel makes `threads` tasks.
using GemmParallelFor = void (*)(void* ctx, int64_t tasks, void (*task)(void* arg, int64_t begin, int64_t end),
                                 void* arg);
struct GemmThreading {
  GemmParallelFor parallel_for = nullptr;  // null: run on the calling thread
  void* ctx = nullptr;
  int threads = 1;  // tasks to make (>= 1); workspace must be sized for this many
  // Products with fewer multiply-adds (M*N*K) run as one task; 0 = the default, 1 Mi, measured with the
  // engine's spinning pool (gemm_packed_config.h). Tests set 1 to force the split.
  int64_t min_parallel_macs = 0;
};

// ---- The product ----
struct GemmPackedParams {
  int64_t m = 1, n = 1, k = 1;
  const float* packed_a = nullptr;  // gemm_pack_a(isa, m, k, ...)
  GemmBOperand b;
  float* c = nullptr;       // C[i][j] = c[i*ldc + j]; must not overlap A, B, bias or residual
  int64_t ldc = 0;          // >= N
  bool accumulate = false;  // true: the product is added to C's current contents (before bias/activation)
  // Epilogue, applied once per output after the full K sum, in this order:
  const float* bias = nullptr;      // [M] or null: y = sum + bias[i]
  ActivationParams activation;      // then y = act(y)
  const float* residual = nullptr;  // [M x N] with row stride ld_residual, or null: then y += residual[i][j]
  int64_t ld_residual = 0;
  // true: the residual is added before the activation instead, y = act(sum + bias[i] + residual[i][j]).
  bool residual_before_activation = false;
};

// Workspace bytes for `threads` tasks (per task: a packed B block and an im2col gather plan). Any
// alignment: the kernel aligns the slots itself.
int64_t gemm_packed_workspace_bytes(KernelIsa isa, int64_t m, int64_t n, int64_t k, int threads);

// Runs the product. M, N, K >= 1. Allocates nothing, throws nothing.
void gemm_packed(KernelIsa isa, const GemmPackedParams& p, void* workspace, const GemmThreading& threading);

// The epilogue activation as the vector paths compute it, over a buffer (x and y may alias); exposed so
// tests can measure it against activate_reference directly. Relu, LeakyRelu, Clip, HardSigmoid,
// HardSwish, HardMish and None are bit-identical to activate_reference on every path; Sigmoid, Tanh, Silu
// and Mish are within the ulp bounds documented in docs/KERNELS.md (Scalar calls activate_reference).
void gemm_packed_activation(KernelIsa isa, const ActivationParams& p, const float* x, float* y, int64_t n);

// ---- Per-path entry points (what the dispatchers above call) ----
void gemm_packed_scalar(const GemmPackedParams& p, void* workspace, const GemmThreading& threading);
void gemm_packed_avx2(const GemmPackedParams& p, void* workspace, const GemmThreading& threading);
void gemm_packed_avx512(const GemmPackedParams& p, void* workspace, const GemmThreading& threading);
void gemm_packed_activation_avx2(const ActivationParams& p, const float* x, float* y, int64_t n);
// gemm_pack_a's AVX2 panels: one full panel of 6 rows (of row stride lda), columns [0, k rounded down to 8) packed
// as [column][6] at dst by 8x8 register transposes; returns how many columns it packed.
int64_t gemm_pack_a6_avx2(const float* a, int64_t lda, int64_t k, float* dst);
void gemm_packed_activation_avx512(const ActivationParams& p, const float* x, float* y, int64_t n);

}  // namespace vigil::kernels
