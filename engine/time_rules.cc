#include "engine/time_rules.h"

#include <array>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>

// The exact comparisons below rely on IEEE binary64 round-to-nearest without excess precision.
#ifdef __FAST_MATH__
#error "engine/time_rules.cc must not be built with -ffast-math (it needs exact IEEE sums)"
#endif
static_assert(std::numeric_limits<double>::is_iec559 && FLT_EVAL_METHOD == 0);

namespace jwtx {
namespace {

// Knuth's TwoSum: s + e == a + b exactly, with s = fl(a + b). Holds for any order of a and b, and
// with subnormals; needs only that nothing overflows, which check_times guarantees (every term but
// one is below 2^40, and DBL_MAX + 2^40 still rounds to DBL_MAX).
struct sum2 {
  double s, e;
};
sum2 two_sum(double a, double b) noexcept {
  const double s = a + b;
  const double bv = s - a;
  const double av = s - bv;
  return {s, (a - av) + (b - bv)};
}

// Sign (-1, 0 or 1) of the exact real sum of |terms|. Shewchuk's Grow-Expansion ("Adaptive
// Precision Floating-Point Arithmetic and Fast Robust Geometric Predicates", 1997, Theorem 10)
// keeps the partial sum as non-overlapping components of increasing magnitude, so the last
// non-zero component carries the sign of the whole. Why exact and not fl(exp + leeway): rounding
// can move a sum by half an ulp either way, so near a boundary the naive test could accept a token
// the rule rejects (and a 2^-30 s leeway next to a 1.7e9 s clock would vanish altogether).
template <std::size_t N>
int exact_sign(const double (&terms)[N]) noexcept {
  double h[N] = {};
  std::size_t m = 0;
  for (double q : terms) {
    for (std::size_t i = 0; i < m; ++i) {
      const sum2 t = two_sum(q, h[i]);
      h[i] = t.e;
      q = t.s;
    }
    h[m++] = q;
  }
  for (std::size_t i = N; i-- > 0;) {
    if (h[i] != 0) return h[i] > 0 ? 1 : -1;
  }
  return 0;
}

// The same sign, fast: the plain left-to-right sum decides unless it lies within its own worst-case
// rounding error of zero. For N <= 4 terms that error is below 3 * 2^-53 * sum(|t|) (recursive
// summation, Higham's gamma_3), so 2^-50 * sum(|t|) bounds it with room for the rounding of the
// bound itself. Only sums within about a microsecond of a boundary (or with an overflowing
// magnitude, e.g. exp near DBL_MAX: bound = inf) take the exact path; a cache hit runs this three
// times, so the common case must stay a few additions.
template <std::size_t N>
int sign_of_sum(const double (&terms)[N]) noexcept {
  static_assert(N <= 4, "the error bound below is for at most four terms");
  double sum = 0, magnitude = 0;
  for (double t : terms) {
    sum += t;
    magnitude += std::fabs(t);
  }
  const double bound = magnitude * 0x1p-50;
  if (sum > bound) return 1;
  if (sum < -bound) return -1;
  return exact_sign(terms);
}

}  // namespace

status check_times(const time_claims& c, const time_limits& l, double now) noexcept {
  const double leeway = l.leeway_seconds;
  if (!valid_leeway(leeway) || (l.max_age_seconds && !valid_max_age(*l.max_age_seconds)))
    return status::options_invalid;
  if (!valid_clock(now)) return status::clock_invalid;
  for (const std::optional<double>* v : {&c.exp, &c.nbf, &c.iat}) {
    if (*v && !std::isfinite(**v)) return status::claim_type;
  }
  if (l.max_age_seconds && !c.iat) return status::missing_claim;

  // From here every value is finite and only the claim in each sum can exceed 2^40.
  if (c.exp && sign_of_sum({now, -*c.exp, -leeway}) >= 0) return status::expired;
  if (c.nbf && sign_of_sum({*c.nbf, -now, -leeway}) > 0) return status::not_yet_valid;
  if (c.iat && sign_of_sum({*c.iat, -now, -leeway}) > 0) return status::issued_in_future;
  if (l.max_age_seconds && sign_of_sum({now, -*c.iat, -*l.max_age_seconds, -leeway}) > 0)
    return status::too_old;
  return status::ok;
}

std::string seconds_text(double seconds) {
  if (std::isnan(seconds)) return "nan";
  if (std::isinf(seconds)) return seconds > 0 ? "inf" : "-inf";
  std::array<char, 32> buf;  // the shortest form of any double fits in 24 chars
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), seconds);
  return std::string(buf.data(), r.ptr);
}

}  // namespace jwtx
