// jwtx's peer harness: jwtx::verifier on the shared inputs (protocol in peer_harness.h). Cache off
// for the per-algorithm rows (the peers do not cache); "cache" turns the verified-token cache on
// for every algorithm (cache_algorithms = all) and times the hit path on a repeated token.
#include <memory>
#include <optional>
#include <string>

#include "bench/peers/peer_harness.h"
#include "engine/keys/key_set.h"
#include "engine/verifier.h"
#include "engine/version.h"

int main(int argc, char** argv) {
  peers::inputs in;
  if (const int rc = peers::load(argc, argv, &in); rc != 0) return rc;
  const std::optional<jwtx::algorithm> alg = jwtx::algorithm_from_name(in.alg);
  if (!alg) {
    peers::print_error("jwtx", in.alg, "error", "unknown algorithm");
    return 3;
  }
  // The key is parsed once, here. make_inputs.py names every key "peer-<ALG>".
  jwtx::key_set_builder b;
  const std::string kid = "peer-" + in.alg;
  const jwtx::status added = jwtx::required_key_type(*alg) == jwtx::key_type::oct
                                 ? b.add_hmac_secret(in.key, kid, *alg)
                                 : b.add_pem(in.key, kid);
  jwtx::key_set_result keys = b.build();
  if (added != jwtx::status::ok || !keys) {
    peers::print_error("jwtx", in.alg, "error", "key not loaded");
    return 3;
  }
  jwtx::verifier_options o;
  o.algorithms = {*alg};
  o.claims.issuers = {peers::kIssuer};
  o.claims.audiences = {peers::kAudience};
  if (in.cache) {
    o.cache_entries = 4096;
    o.cache_algorithms = jwtx::algorithm_set::all();
  }
  const jwtx::verifier v(keys.set, o);
  jwtx::verify_result r;
  return peers::run("jwtx", jwtx::jwtx_version(), in, [&](const std::string& token) {
    v.verify(token, r);
    return r.ok();
  });
}
