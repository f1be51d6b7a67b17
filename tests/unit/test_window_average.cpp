// The streaming window averager against a brute-force transcription of tools/actdet/inference.py
// (window_starts + temporal_probabilities) for every N, T, D in a grid that includes N < T and N = T:
// the same windows in the same order, bit-identical means, and every frame handed out as early as the
// rule allows (f < n - T) and never before its last window.
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "apps/vigil/detect/window_average.h"
#include "engine/error.h"
#include "error_of.h"

using vigil::cli::WindowAverager;

namespace {

// inference.window_starts, verbatim.
std::vector<int64_t> window_starts(int64_t n, int64_t t, int64_t d) {
  if (n <= t) return {0};
  std::vector<int64_t> starts;
  for (int64_t s = 0; s <= n - t; s += d) starts.push_back(s);
  if (starts.back() != n - t) starts.push_back(n - t);
  return starts;
}

// A window's temporal-head output: any values will do as long as windows and rows differ, and float
// rounding must show if the summation order changes (hence awkward fractions).
float fake_prob(int64_t start, int64_t row, int64_t k) {
  return static_cast<float>((start * 131 + row * 17 + k * 7) % 997) / 997.0f + 1e-7f * static_cast<float>(k + row);
}

// inference.temporal_probabilities over the fake outputs: float64 sums over windows in list order.
std::vector<std::vector<double>> brute_force(int64_t n, int64_t t, int64_t d, int64_t k) {
  const int64_t m = std::max(n, t);
  std::vector<std::vector<double>> total(static_cast<size_t>(m), std::vector<double>(static_cast<size_t>(k), 0.0));
  std::vector<double> count(static_cast<size_t>(m), 0.0);
  for (int64_t s : window_starts(m, t, d))
    for (int64_t r = 0; r < t; ++r) {
      for (int64_t c = 0; c < k; ++c) total[static_cast<size_t>(s + r)][static_cast<size_t>(c)] += fake_prob(s, r, c);
      count[static_cast<size_t>(s + r)] += 1;
    }
  total.resize(static_cast<size_t>(n));
  for (int64_t f = 0; f < n; ++f)
    for (auto& v : total[static_cast<size_t>(f)]) v /= count[static_cast<size_t>(f)];
  return total;
}

}  // namespace

TEST_CASE("window averager: streamed means equal inference.py's exactly, frames released as early as allowed") {
  const int64_t k = 3;
  int cases = 0;
  for (int64_t t = 1; t <= 9; ++t)
    for (int64_t d = 1; d <= t; ++d)
      for (int64_t n = 1; n <= 3 * t + 5; ++n) {
        CAPTURE(n);
        CAPTURE(t);
        CAPTURE(d);
        WindowAverager avg(t, d, k);
        std::vector<float> out(static_cast<size_t>(t * k));
        auto run = [&](int64_t s) {
          for (int64_t r = 0; r < t; ++r)
            for (int64_t c = 0; c < k; ++c) out[static_cast<size_t>(r * k + c)] = fake_prob(s, r, c);
          avg.add(s, out.data());
        };
        std::vector<int64_t> ran;
        std::vector<std::vector<double>> got;
        std::vector<int64_t> released_at;  // frames in when each frame came out
        int64_t frame = 0;
        std::vector<double> mean;
        for (int64_t i = 0; i < n; ++i) {
          if (std::optional<int64_t> s = avg.push_frame()) {
            CHECK(*s + t == i + 1);  // a regular window runs when its last frame arrives
            ran.push_back(*s);
            run(*s);
          }
          while (avg.pop(frame, mean)) {
            CHECK(frame == static_cast<int64_t>(got.size()));
            CHECK(frame < i + 1 - t);  // never before it is final
            got.push_back(mean);
            released_at.push_back(i + 1);
          }
          // ...and as soon as it is: every frame below n - T is out.
          CHECK(static_cast<int64_t>(got.size()) == std::max<int64_t>(0, i + 1 - t));
          CHECK(avg.frames() - static_cast<int64_t>(got.size()) <= avg.capacity());
        }
        if (std::optional<int64_t> s = avg.finish()) {
          ran.push_back(*s);
          run(*s);
        }
        while (avg.pop(frame, mean)) got.push_back(mean);
        CHECK(ran == window_starts(std::max(n, t), t, d));
        const auto want = brute_force(n, t, d, k);
        REQUIRE(got.size() == want.size());
        for (size_t f = 0; f < want.size(); ++f) CHECK(got[f] == want[f]);  // exact, not approximate
        ++cases;
      }
  CHECK(cases > 500);
}

TEST_CASE("window averager: bad parameters are errors naming the flag") {
  using vigil::test::error_of;
  CHECK(error_of([] { WindowAverager(8, 0, 3); }).find("--stride 0 is outside 1..8") != std::string::npos);
  CHECK(error_of([] { WindowAverager(8, 9, 3); }).find("--stride 9 is outside 1..8") != std::string::npos);
  CHECK(error_of([] { WindowAverager(0, 1, 3); }).find("temporal window 0") != std::string::npos);
  CHECK(error_of([] {
          WindowAverager a(4, 2, 3);
          a.finish();
        }).find("no frames") != std::string::npos);
}
