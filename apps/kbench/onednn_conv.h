// vigil-kbench's oneDNN column (built only with -DVIGIL_BENCH_ONEDNN=ON; the engine never links oneDNN):
// one fp32 forward-inference convolution primitive of oneDNN, set up the way oneDNN runs fastest, so the
// benchmark can time it next to vigil's kernels on the same layer shape.
//
// Set-up (outside anything timed): source, weights and destination descriptors with format `any`, so
// oneDNN picks its own blocked layouts (e.g. nChw16c / OIhw16i16o); the NCHW source and OIHW weights are
// reordered into them once. Bias and the layer's activation (LeakyReLU as eltwise_relu with a negative
// slope) are fused as the primitive's bias and an eltwise post-op. run() is one execute() plus the stream
// wait: the same work as one vigil kernel call, except that oneDNN reads and writes its blocked layouts
// (a network kept in oneDNN's layout pays no reorders between layers, so this is oneDNN at its best).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vigil::kbench {

struct OnednnConvShape {
  int64_t cin = 1, cout = 1, kernel = 1, stride = 1, in_hw = 1, group = 1;  // pad kernel/2, batch 1
  bool leaky_relu = true;                                                   // LeakyReLU 0.1, else none
};

enum class OnednnAlgorithm { Auto, Direct };
const char* onednn_algorithm_name(OnednnAlgorithm a);  // "auto" / "direct"

// Caps oneDNN's JIT code at an instruction set: "avx512" (avx512_core), "avx2" or "scalar" (sse41, oneDNN's
// lowest). Must run before the first primitive is created; oneDNN allows it once per process. Returns the
// ISA name the oneDNN rows are labelled with; throws std::runtime_error if oneDNN refuses.
std::string onednn_limit_isa(const std::string& vigil_isa);

// Threads oneDNN uses for primitives created from now on and for their execution (see the .cpp).
void onednn_set_threads(int threads);

// The oneDNN version, e.g. "2.6.3".
std::string onednn_version();

class OnednnConv {
 public:
  // Creates the primitive for the current thread count (onednn_set_threads first), fills the source,
  // weights and bias with the given data (NCHW, [cout, cin/group, k, k], [cout]) and reorders them once.
  // Throws std::runtime_error (with oneDNN's message) when oneDNN has no implementation.
  OnednnConv(const OnednnConvShape& shape, OnednnAlgorithm algorithm, const float* x, const float* w,
             const float* bias);
  ~OnednnConv();
  OnednnConv(const OnednnConv&) = delete;
  OnednnConv& operator=(const OnednnConv&) = delete;

  // One execute() of the primitive and the stream wait.
  void run();
  // oneDNN's name of the implementation it chose, e.g. "brgconv:avx512_core" or "jit:avx2".
  const std::string& impl() const;
  // The last run()'s output as NCHW (a reorder, not timed): to check oneDNN computed the same conv as vigil.
  std::vector<float> output_nchw();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace vigil::kbench
