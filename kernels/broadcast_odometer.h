// Walks the elements of a broadcast output in row-major order while carrying each operand's element offset
// (its strides are 0 along the dims it broadcasts): what the elementwise reference kernels with numpy
// broadcasting share (Mod, comparisons and logic, Where).
#pragma once

#include <array>
#include <cstdint>

namespace vigil::kernels {

template <int kOperands, int kMaxRank>
class BroadcastOdometer {
 public:
  // Starts at output element `start` of an output of `rank` dims `dims`; strides[i] are operand i's.
  BroadcastOdometer(int rank, const int64_t* dims, std::array<const int64_t*, kOperands> strides, int64_t start)
      : rank_(rank), dims_(dims), strides_(strides) {
    int64_t rest = start;
    for (int d = rank - 1; d >= 0; --d) {
      index_[d] = rest % dims[d];
      rest /= dims[d];
      for (int i = 0; i < kOperands; ++i) offset_[i] += index_[d] * strides[i][d];
    }
  }

  int64_t offset(int operand) const { return offset_[operand]; }

  // The next output element.
  void advance() {
    for (int d = rank_ - 1; d >= 0; --d) {
      for (int i = 0; i < kOperands; ++i) offset_[i] += strides_[i][d];
      if (++index_[d] < dims_[d]) return;
      for (int i = 0; i < kOperands; ++i) offset_[i] -= strides_[i][d] * dims_[d];
      index_[d] = 0;
    }
  }

 private:
  int rank_;
  const int64_t* dims_;
  std::array<const int64_t*, kOperands> strides_;
  int64_t index_[kMaxRank > 0 ? kMaxRank : 1] = {};
  std::array<int64_t, kOperands> offset_{};
};

}  // namespace vigil::kernels
