#include "apps/vigil/detect/recurrent_state.h"

#include <algorithm>

#include "loaders/vgl/metadata_keys.h"

namespace vigil::cli {

std::vector<StatePair> state_pairs_of(const Graph& g) {
  std::vector<StatePair> pairs;
  for (auto [in, out] : meta::state_pairs(g))
    pairs.push_back({g.values[static_cast<size_t>(in)].name, g.values[static_cast<size_t>(out)].name});
  return pairs;
}

RecurrentState::RecurrentState(ExecutionContext& ctx, const std::vector<StatePair>& pairs) {
  for (const StatePair& p : pairs) {  // f32 of the same shape on both sides (checked by state_pairs)
    inputs_.push_back(ctx.input(p.input));
    outputs_.push_back(ctx.output(p.output));
    kept_.emplace_back(static_cast<size_t>(inputs_.back().numel()), 0.0f);
  }
}

void RecurrentState::feed() {
  for (size_t i = 0; i < kept_.size(); ++i) std::copy(kept_[i].begin(), kept_[i].end(), inputs_[i].f32());
}

void RecurrentState::keep() {
  for (size_t i = 0; i < kept_.size(); ++i) std::copy_n(outputs_[i].f32(), kept_[i].size(), kept_[i].begin());
}

void RecurrentState::reset() {
  for (std::vector<float>& k : kept_) std::fill(k.begin(), k.end(), 0.0f);
}

}  // namespace vigil::cli
