// The raw BoringSSL ceiling: what one core could verify per second if verification were nothing
// but the signature check. Per algorithm of the workload, one of its valid tokens is checked over
// and over with BoringSSL's own calls (hash of the signing input + RSA_verify /
// RSA_verify_pss_mgf1 / ECDSA_do_verify / ED25519_verify, or HMAC()), on the key jwtx loaded for
// it (by kid; a kid-less token: the first key of its type that verifies it). The signature is
// decoded (and ECDSA's r||s parsed) once, outside the timed loop: no jwtx code runs inside it.
// Single thread.
//
// Errors: an algorithm whose cost could not be measured (no valid token of it, key not found)
// keeps NaN; nothing throws.
#pragma once

#include <map>

#include "engine/jws/algorithm.h"
#include "tools/jwtx/bench/report.h"
#include "tools/jwtx/bench/workload.h"

namespace jwtx::capacity {

// Microseconds per verification, per algorithm present in |w|: the best of three rounds that
// together last |seconds| per algorithm.
std::map<algorithm, double> measure_ceiling(const workload& w, double seconds);

// The ceiling for |w|'s mix: per-algorithm costs, and rps_per_core = 1 / (the mean crypto cost
// per token SENT without a cache: Σ over sends that reach a signature check of their algorithm's
// cost, over all sends). Invalid tokens that fail before the signature count as free, so the
// ceiling describes the same token stream jwtx gets. jwtx ratios are filled by the runner.
crypto_ceiling ceiling_for(const workload& w, const std::map<algorithm, double>& us_per_verify);

}  // namespace jwtx::capacity
