// Peak fp32 throughput loops, one per ISA, each in its own file compiled with that ISA's flags. Each runs
// `iters` iterations of 12 independent multiply-add chains (distinct start values; 12 covers the 4-cycle
// latency of two FMA pipes with room to spare), with an empty asm statement on every accumulator per
// iteration so the compiler can neither merge the chains nor move work out of the loop. The caller times
// them; they return a value derived from every chain so nothing is dead code.
#pragma once

#include <cstdint>

namespace vigil::kbench {

// FLOPs one iteration performs (12 chains x lanes x 2).
inline constexpr double kBaselineFlopsPerIter = 12 * 4 * 2;  // SSE2 mulps + addps, 4 lanes
inline constexpr double kAvx2FlopsPerIter = 12 * 8 * 2;      // vfmadd ymm
inline constexpr double kAvx512FlopsPerIter = 12 * 16 * 2;   // vfmadd zmm

float peak_loop_baseline(int64_t iters);
float peak_loop_avx2(int64_t iters);
float peak_loop_avx512(int64_t iters);

}  // namespace vigil::kbench
