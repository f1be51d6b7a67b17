// A model's recurrent state carried from one run to the next (metadata state_inputs / state_outputs, e.g. a
// darknet [conv_lstm]): frame t's state inputs get what frame t-1 left in the state outputs, zero at the
// start of a stream.
//
// The state is kept in a buffer of its own, not copied from output to input directly: the memory plan may
// put a graph output where a graph input was (an input lives only until its last reader), so writing an
// input after a run could overwrite another state output, or a detection output not yet read.
#pragma once

#include <string>
#include <vector>

#include "engine/executor.h"

namespace vigil::cli {

struct StatePair {
  std::string input, output;  // graph value names
};

// The model's state pairs by name (empty without state keys); throws Error naming the key if they do not
// fit the graph (loaders/vgl/metadata_keys.h, state_pairs).
std::vector<StatePair> state_pairs_of(const Graph& g);

class RecurrentState {
 public:
  // The state starts at zero. Allocates once, here.
  RecurrentState(ExecutionContext& ctx, const std::vector<StatePair>& pairs);
  // Before a run: the kept state into the state inputs.
  void feed();
  // After a run: the state outputs into the kept state.
  void keep();
  // Back to zero (a new stream).
  void reset();

 private:
  // Per pair: the context's input and output views (its arena is allocated once, so they stay valid) and
  // the kept state.
  std::vector<TensorView> inputs_, outputs_;
  std::vector<std::vector<float>> kept_;
};

}  // namespace vigil::cli
