// What the LSTM and GRU bindings (engine/ops/lstm.cpp, gru.cpp) share: optional inputs and outputs,
// sequence_lens widened to i64 for the reference kernels, and running a layer's directions on two threads.
// Internal linkage: included only by those two files.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "engine/error.h"
#include "engine/op_def.h"
#include "engine/thread_pool.h"

namespace vigil::ops::recurrent {
namespace {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

inline bool present(std::span<const TensorInfo> in, int i) {
  return static_cast<int>(in.size()) > i && in[static_cast<size_t>(i)].present();
}

inline void expect_shape(const Node& node, const TensorInfo& t, const Shape& want, const char* which) {
  if (!(t.shape == want)) fail_node(node, concat(which, " must have shape ", want.str(), ", got ", t.shape.str()));
}

// Input or output i's data, or null when the node has fewer or it is absent.
inline float* optional_f32(std::span<const TensorView> views, int i) {
  return static_cast<int>(views.size()) > i ? views[static_cast<size_t>(i)].f32() : nullptr;
}

// sequence_lens as the reference kernels take it (i64), from an i32 or i64 input; dtype Undefined when the
// node has none. The i32 case needs batch int64s of scratch (bytes()).
struct SequenceLens {
  DType dtype = DType::Undefined;
  int64_t batch = 0;
  size_t bytes() const { return dtype == DType::Undefined ? 0 : static_cast<size_t>(batch) * sizeof(int64_t); }
  const int64_t* read(const TensorView& lens, int64_t* scratch) const {
    if (dtype == DType::I64) return lens.i64();
    if (dtype != DType::I32) return nullptr;
    const auto* src = static_cast<const int32_t*>(lens.data);
    for (int64_t b = 0; b < batch; ++b) scratch[b] = src[b];
    return scratch;
  }
};

// run_direction(d) for every direction; a bidirectional layer's two directions on two threads when the
// pool has them (the recurrence is sequential in time, so the directions are the only split that costs
// nothing).
template <class RunDirection>
void run_directions(int64_t directions, const RunContext& rc, RunDirection&& run_direction) {
  if (directions > 1 && rc.pool->size() > 1) {
    rc.pool->parallel_for(directions, [&](int64_t b, int64_t e) {
      for (int64_t d = b; d < e; ++d) run_direction(d);
    });
  } else {
    for (int64_t d = 0; d < directions; ++d) run_direction(d);
  }
}

}  // namespace
}  // namespace vigil::ops::recurrent
