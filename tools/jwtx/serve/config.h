// `jwtx serve` configuration: a YAML file in the vocabulary of Envoy's jwt_authn, loaded strictly.
//
//   providers:                       # a map: provider name -> provider (at least one)
//     corp:
//       issuer: https://idp.example  # chooses this provider for tokens with this (unverified) iss
//       audiences: [api]
//       algorithms: [ES256, RS256]   # required: the allow-list
//       local_jwks: {filename: /etc/jwtx/keys.json}    # a JWKS file, or
//       local_pem: {filename: /etc/jwtx/key.pem}       # one PEM public key, or
//       remote_jwks: {uri: https://idp.example/jwks, cache_duration: 300, timeout: 2}
//       clock_skew_seconds: 60
//       cache_entries: 65536          # verified-token cache; 0 disables
//       from_headers: [{name: Authorization, value_prefix: "Bearer "}]
//       from_cookies: [session]
//       claim_to_headers: [{claim_name: sub, header_name: X-Jwt-Sub}]
//       forward_payload_header: X-Jwt-Payload
//       requirements: {scopes: [read], claims: [{name: tenant, one_of: [acme, globex]}]}
//   revocation:                      # optional: the fleet's revocation list in Redis
//     redis: "127.0.0.1:6379/jwtx:revoked"   # HOST:PORT[/KEY], as `jwtx verify --revocation-redis`
//     max_staleness: 30              # seconds without a sync before the policy below applies
//     fail_closed: false             # true: tokens with a jti get 503 while the list is stale
//
// Strict: an unknown key, a value of the wrong type, a missing required key, a duplicate key or a
// second key source each fail the load with one message naming the path
// ("providers.corp.audiences[1]: expected a string"). Durations are seconds (numbers).
//
// Errors are values: nothing here throws (yaml-cpp's exceptions are caught at this boundary).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/gateway/auth_request.h"
#include "engine/jws/algorithm.h"
#include "engine/revocation/revocation.h"

namespace jwtx::serve {

// Mirrors the remote JWKS fetcher's options (engine/keys/remote_jwks.h, being written on another
// branch); build_gateway() refuses it until that fetcher is merged.
struct remote_jwks_config {
  std::string uri;
  double cache_duration_seconds = 300;
  double timeout_seconds = 2;
};

struct provider_config {
  std::string name;
  std::string issuer;
  std::vector<std::string> audiences;
  algorithm_set algorithms;
  std::optional<std::string> local_jwks_file;
  std::optional<std::string> local_pem_file;
  std::optional<remote_jwks_config> remote_jwks;
  double clock_skew_seconds = 60;
  // Verified-token cache entries (verifier_options::cache_entries; 0 disables). A gateway sees the
  // same token many times, so the cache is on by default (at most 256 bytes an entry: 16 MiB).
  std::size_t cache_entries = 65536;
  std::vector<gateway::header_location> from_headers;
  std::vector<std::string> from_cookies;
  std::vector<gateway::claim_header> claim_to_headers;
  std::string forward_payload_header;
  gateway::requirements require;
};

// One revocation list (a redis_revocation_feed into one revocation_set) checked by every
// provider's verifier, cache hits included.
struct revocation_config {
  std::string redis;  // "HOST:PORT[/KEY]" (parse_redis_endpoint() accepted it)
  double max_staleness_seconds = 30;
  bool fail_closed = false;
};

struct serve_config {
  std::vector<provider_config> providers;
  std::optional<revocation_config> revocation;
};

// Parses YAML text. nullopt with *why set (path + reason) on any error.
std::optional<serve_config> parse_config(const std::string& yaml, std::string* why);

// Reads and parses |path| (the file name is part of *why on failure).
std::optional<serve_config> load_config(const std::string& path, std::string* why);

// Loads each provider's keys and builds its verifier (options checked by validate_options()), then
// gateway::validate(). nullopt with *why naming the provider on failure. When c.revocation is set,
// every verifier checks |revoked| (borrowed: it must outlive the returned verifiers) with the
// configured staleness policy; without a set the revocation section is refused.
std::optional<gateway::gateway_config> build_gateway(const serve_config& c, std::string* why,
                                                     const revocation_set* revoked = nullptr);

}  // namespace jwtx::serve
