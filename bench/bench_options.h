// Verifier options shared by the benchmarks: every algorithm allowed, one issuer, one audience and
// a fixed injected clock, so a bench's verdicts never depend on when it runs.
#pragma once

#include <string>
#include <string_view>

#include "engine/verifier.h"

namespace jwtx::bench {

inline verifier_options fixed_clock_options(std::string_view issuer, std::string_view audience,
                                            double now) {
  verifier_options o;
  o.algorithms = algorithm_set::all();
  o.claims.issuers = {std::string(issuer)};
  o.claims.audiences = {std::string(audience)};
  o.claims.clock = [now] { return now; };
  return o;
}

}  // namespace jwtx::bench
