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

RecurrentState::RecurrentState(ExecutionContext& ctx, std::vector<StatePair> pairs)
    : ctx_(ctx), pairs_(std::move(pairs)) {
  for (const StatePair& p : pairs_)  // f32 of the same shape on both sides (checked by state_pairs)
    kept_.emplace_back(static_cast<size_t>(ctx_.input(p.input).numel()), 0.0f);
}

void RecurrentState::feed() {
  for (size_t i = 0; i < pairs_.size(); ++i)
    std::copy(kept_[i].begin(), kept_[i].end(), ctx_.input(pairs_[i].input).f32());
}

void RecurrentState::keep() {
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const float* out = ctx_.output(pairs_[i].output).f32();
    std::copy(out, out + kept_[i].size(), kept_[i].begin());
  }
}

void RecurrentState::reset() {
  for (std::vector<float>& k : kept_) std::fill(k.begin(), k.end(), 0.0f);
}

}  // namespace vigil::cli
