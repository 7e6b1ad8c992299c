// Zipf popularity over n ranks: rank r (0-based) is drawn with probability (r + 1)^-s / H(n, s).
// Sampling inverts the cumulative distribution by binary search (O(log n)); the workload draws its
// whole send order once before anything is timed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace jwtx::capacity {

class zipf_table {
 public:
  // n >= 1, s >= 0 (s = 0: uniform).
  zipf_table(std::size_t n, double s) : probability_(n), cumulative_(n) {
    double total = 0;
    for (std::size_t r = 0; r < n; ++r) total += probability_[r] = std::pow(double(r + 1), -s);
    double running = 0;
    for (std::size_t r = 0; r < n; ++r) {
      probability_[r] /= total;
      running += probability_[r];
      cumulative_[r] = running;
    }
    cumulative_.back() = 1.0;  // rounding must not leave a gap at the top
  }
  // The rank for |u| uniform in [0, 1).
  std::size_t sample(double u) const noexcept {
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()),
                                 cumulative_.size() - 1);
  }
  const std::vector<double>& probabilities() const noexcept { return probability_; }

 private:
  std::vector<double> probability_, cumulative_;
};

}  // namespace jwtx::capacity
