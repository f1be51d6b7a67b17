#include "apps/vigil/detect/window_average.h"

#include <algorithm>
#include <stdexcept>

#include "engine/error.h"

namespace vigil::cli {

WindowAverager::WindowAverager(int64_t window, int64_t stride, int64_t classes)
    : window_(window), stride_(stride), classes_(classes), capacity_(window + stride) {
  // The bounds keep the rings small: a model's T is at most a few hundred frames, K a few dozen labels.
  if (window < 1 || window > 100000) fail("temporal window ", window, " is outside 1..100000");
  if (stride < 1 || stride > window) fail("--stride ", stride, " is outside 1..", window, " (the temporal window)");
  if (classes < 1 || classes > 100000) fail("action label count ", classes, " is outside 1..100000");
  sum_.assign(static_cast<size_t>(capacity_ * classes_), 0.0);
  count_.assign(static_cast<size_t>(capacity_), 0);
}

std::optional<int64_t> WindowAverager::push_frame() {
  if (finished_) throw std::logic_error("WindowAverager::push_frame after finish");
  // The caller must have popped every final frame, or the new frame's slot could still be in use.
  if (frames_ - popped_ >= capacity_) throw std::logic_error("WindowAverager: final frames not popped");
  const int64_t slot = frames_ % capacity_;
  std::fill_n(sum_.begin() + slot * classes_, classes_, 0.0);
  count_[static_cast<size_t>(slot)] = 0;
  ++frames_;
  const int64_t start = frames_ - window_;
  if (start >= 0 && start % stride_ == 0) return start;
  return std::nullopt;
}

std::optional<int64_t> WindowAverager::finish() {
  if (finished_) throw std::logic_error("WindowAverager::finish twice");
  if (frames_ == 0) fail("no frames: there is nothing to run the temporal head on");
  finished_ = true;
  if (frames_ < window_) return 0;  // padded: no regular window ever ran
  const int64_t last = frames_ - window_;
  if (last % stride_ != 0) return last;  // regular windows ended at frames_ - 1 only if last is on the grid
  return std::nullopt;
}

void WindowAverager::add(int64_t start, const float* probs) {
  const int64_t end = std::min(start + window_, frames_);
  if (start < popped_ || start < 0 || end <= start) throw std::logic_error("WindowAverager::add: window out of range");
  for (int64_t f = start; f < end; ++f) {
    const int64_t slot = f % capacity_;
    double* s = sum_.data() + slot * classes_;
    const float* p = probs + (f - start) * classes_;
    for (int64_t k = 0; k < classes_; ++k) s[k] += static_cast<double>(p[k]);
    ++count_[static_cast<size_t>(slot)];
  }
}

bool WindowAverager::pop(int64_t& frame, std::vector<double>& mean) {
  const int64_t final_end = finished_ ? frames_ : std::max<int64_t>(0, frames_ - window_);
  if (popped_ >= final_end) return false;
  frame = popped_++;
  const int64_t slot = frame % capacity_;
  const int32_t n = count_[static_cast<size_t>(slot)];
  if (n == 0) throw std::logic_error("WindowAverager::pop: a final frame is in no window");
  mean.resize(static_cast<size_t>(classes_));
  const double* s = sum_.data() + slot * classes_;
  for (int64_t k = 0; k < classes_; ++k) mean[static_cast<size_t>(k)] = s[k] / n;
  return true;
}

}  // namespace vigil::cli
