// jwtx_verify_bench — end-to-end verify cost per algorithm, split into pipeline stages, against
// the raw BoringSSL primitive on the same bytes (the "ceiling").
//
// For every JWS algorithm one ~500-byte access token (kid, iss, sub, aud, exp, iat, jti, scope,
// roles, tenant_id) is minted with a freshly generated key. Keys are loaded the way a server
// loads them (oct JWKs in one key_set, public JWKs in another), and the ceiling benchmarks take
// their raw key material from those same loaded jwtx::key objects, so both sides use identical
// keys and identical signing input.
//
//   BM_Verify/<alg>            jwtx::verifier::verify(token, result&), result reused, fixed clock,
//                              policy with iss + aud.
//   BM_Stage_<stage>/<alg>     one pipeline stage alone on the same token: Split, Decode (three
//                              segments into padded buffers), Parse (header + claims JSON with
//                              reused parsers, read_header, read_claims), KeySelect (find(kid) +
//                              compatible_with), Crypto (verify_signature), Policy (check_policy).
//   BM_Parse/claims_bytes:<N>  BM_Stage_Parse's work (the HS256 header + claims) for claims of
//                              about N = 200, 1024, 4096 bytes (the payload above, cut down or
//                              grown by a "groups" array): JSON parse cost against claim size.
//   BM_Ceiling/<alg>[/variant] the BoringSSL primitive with the key prepared outside the loop.
//                              HS*: "oneshot" (HMAC() with the key bytes) and "ctx_copy" (a
//                              precomputed HMAC_CTX copied per token, what jwtx does); RS*: digest
//                              + RSA_verify; PS*: digest + RSA_verify_pss_mgf1; ES*: digest +
//                              ECDSA_do_verify on a pre-built ECDSA_SIG (decoding r||s is jwtx's
//                              cost, not the ceiling's); EdDSA: ED25519_verify.
//   BM_Alt/HS256/sha256_ctx    informational, not a ceiling: HMAC-SHA256 from precomputed
//                              SHA256_CTX inner/outer states (what a leaner jwtx HMAC could do).
//
// After the run a summary table prints, per algorithm, jwtx ns/token, the ceiling (the faster
// variant for HS*), ceiling_ns / jwtx_ns (the fraction of the ceiling's throughput jwtx reaches)
// and the per-stage ns. Unless --benchmark_min_time is given, each benchmark runs for 0.2 s.
#include <benchmark/benchmark.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/bench_options.h"
#include "bench/benchmark_init.h"
#include "bench/micro_suite.h"
#include "engine/jws/algorithm.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/jws/boringssl_names.h"
#include "engine/jws/claims.h"
#include "engine/jws/header.h"
#include "engine/jws/json_rules.h"
#include "engine/jws/signature.h"
#include "engine/jws/token_view.h"
#include "engine/keys/key_set.h"
#include "engine/policy.h"
#include "engine/signer.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace {

using jwtx::algorithm;
using jwtx::status;

constexpr std::int64_t kNow = 1'700'000'000;  // the injected clock
constexpr std::string_view kIssuer = "https://issuer.bench.example";
constexpr std::string_view kAudience = "orders-api";
constexpr std::size_t kMaxDepth = 16;  // verifier_options::max_json_depth default
constexpr double kDefaultMinTime = 0.2;

constexpr algorithm kAlgorithms[] = {
    algorithm::HS256, algorithm::HS384, algorithm::HS512, algorithm::RS256, algorithm::RS384,
    algorithm::RS512, algorithm::PS256, algorithm::PS384, algorithm::PS512, algorithm::ES256,
    algorithm::ES384, algorithm::ES512, algorithm::EdDSA,
};

// Issue targets: ceiling_ns / jwtx_ns at least this much (0 = no target).
double target_ratio(algorithm a) {
  switch (a) {
    case algorithm::HS256:
      return 0.65;
    case algorithm::RS256:
    case algorithm::PS256:
    case algorithm::ES256:
    case algorithm::EdDSA:
      return 0.90;
    default:
      return 0;
  }
}

bool is_hmac(algorithm a) { return jwtx::required_key_type(a) == jwtx::key_type::oct; }

// One-shot digest of |in| with |a|'s hash into |out| (64 bytes); returns the digest length.
std::size_t digest(algorithm a, std::string_view in, std::uint8_t* out) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(in.data());
  switch (jwtx::hash_size(a)) {
    case 48:
      SHA384(p, in.size(), out);
      return 48;
    case 64:
      SHA512(p, in.size(), out);
      return 64;
    default:
      SHA256(p, in.size(), out);
      return 32;
  }
}

std::string kid_for(algorithm a) { return "bench-" + std::string(jwtx::algorithm_name(a)); }

// A realistic access-token payload (~300 bytes of JSON).
std::string payload_json() {
  return "{\"iss\":\"" + std::string(kIssuer) + "\",\"sub\":\"user-00421337\",\"aud\":\"" +
         std::string(kAudience) + "\",\"exp\":" + std::to_string(kNow + 900) +
         ",\"iat\":" + std::to_string(kNow - 60) +
         ",\"jti\":\"6f1c2a9e-3b7d-4e58-9a41-0c2d7e8f9b13\",\"azp\":\"web-client\","
         "\"scope\":\"openid profile email orders:read orders:write invoices:read\","
         "\"roles\":[\"viewer\",\"editor\",\"billing-admin\"],\"tenant_id\":\"tenant-0042\"}";
}

// Claims of about |bytes| bytes (never less than iss, sub, aud, exp, iat): the registered claims
// and a "groups" array of short strings, the usual way claims grow.
std::string payload_json_of_size(std::size_t bytes) {
  std::string s = "{\"iss\":\"" + std::string(kIssuer) + "\",\"sub\":\"user-00421337\",\"aud\":\"" +
                  std::string(kAudience) + "\",\"exp\":" + std::to_string(kNow + 900) +
                  ",\"iat\":" + std::to_string(kNow - 60) + ",\"groups\":[";
  for (int i = 0; s.size() + 18 <= bytes; ++i)
    s += std::string(i ? "," : "") + "\"group-" + std::to_string(100000 + i) + "\"";
  return s + "]}";
}

// A byte buffer followed by simdjson's padding (zeroed), like the verifier's decode buffers.
struct padded {
  std::vector<std::uint8_t> bytes;
  std::size_t size = 0;
  void assign(std::string_view s) {
    bytes.assign(s.size() + simdjson::SIMDJSON_PADDING, 0);
    std::memcpy(bytes.data(), s.data(), s.size());
    size = s.size();
  }
};

// Everything one algorithm's benchmarks need, prepared once.
struct alg_case {
  algorithm alg{};
  std::string token;
  const jwtx::verifier* verifier = nullptr;
  const jwtx::key_set* keys = nullptr;
  const jwtx::key* key = nullptr;          // the loaded key the token's kid names
  jwtx::token_view parts;                  // views into |token|
  std::string header, payload, signature;  // decoded segments
  bssl::UniquePtr<ECDSA_SIG> ecdsa_sig;    // ES*: r||s parsed once, for the ceiling
  bssl::ScopedHMAC_CTX hmac_key;           // HS*: keyed context, for the ctx_copy ceiling
};

struct bench_env {
  std::vector<jwtx::signing_key> signers;
  std::shared_ptr<const jwtx::key_set> hmac_keys, pub_keys;
  std::unique_ptr<jwtx::verifier> hmac_verifier, pub_verifier;
  std::vector<std::unique_ptr<alg_case>> cases;  // indexed like kAlgorithms
  // BM_Parse/claims_bytes:N: only header and payload are set.
  std::vector<std::pair<std::size_t, std::unique_ptr<alg_case>>> parse_cases;
};

jwtx::verifier_options bench_options() {
  return jwtx::bench::fixed_clock_options(kIssuer, kAudience, static_cast<double>(kNow));
}

bool fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "jwtx_verify_bench: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  return false;
}

// Generates keys, loads them, mints one token per algorithm and checks that jwtx and the ceiling
// both accept it. Returns false (after printing why) on any failure.
bool make_env(bench_env& env) {
  jwtx::key_set_builder hmac_builder, pub_builder;
  for (const algorithm a : kAlgorithms) {
    std::string error;
    auto sk = jwtx::signing_key::generate(a, kid_for(a), 2048, &error);
    if (!sk) return fail("key generation", error);
    const status s = is_hmac(a) ? hmac_builder.add_jwk(sk->private_jwk(), kid_for(a))
                                : pub_builder.add_jwk(sk->public_jwk(), kid_for(a));
    if (s != status::ok) return fail("key load", (is_hmac(a) ? hmac_builder : pub_builder).error());
    env.signers.push_back(std::move(*sk));
  }
  jwtx::key_set_result hr = hmac_builder.build(), pr = pub_builder.build();
  if (!hr) return fail("hmac key set", hr.error);
  if (!pr) return fail("public key set", pr.error);
  env.hmac_keys = hr.set;
  env.pub_keys = pr.set;
  env.hmac_verifier = std::make_unique<jwtx::verifier>(env.hmac_keys, bench_options());
  env.pub_verifier = std::make_unique<jwtx::verifier>(env.pub_keys, bench_options());

  const std::string body = payload_json();
  for (std::size_t i = 0; i < std::size(kAlgorithms); ++i) {
    auto c = std::make_unique<alg_case>();
    const algorithm a = kAlgorithms[i];
    const std::string_view name = jwtx::algorithm_name(a);
    c->alg = a;
    c->token = env.signers[i].mint(body);
    c->verifier = is_hmac(a) ? env.hmac_verifier.get() : env.pub_verifier.get();
    c->keys = is_hmac(a) ? env.hmac_keys.get() : env.pub_keys.get();
    c->key = c->keys->find(kid_for(a));
    if (c->key == nullptr) return fail("kid not found", name);
    if (jwtx::split_token(c->token, &c->parts) != status::ok) return fail("split", name);
    if (!jwtx::base64url::decode(c->parts.header, &c->header) ||
        !jwtx::base64url::decode(c->parts.payload, &c->payload) ||
        !jwtx::base64url::decode(c->parts.signature, &c->signature))
      return fail("decode", name);
    if (c->verifier->verify(c->token).status() != status::ok) return fail("jwtx verify", name);

    const auto* sig = reinterpret_cast<const std::uint8_t*>(c->signature.data());
    if (jwtx::required_key_type(a) == jwtx::key_type::ec) {
      const std::size_t coord = c->signature.size() / 2;
      c->ecdsa_sig.reset(ECDSA_SIG_new());
      BIGNUM* r = BN_bin2bn(sig, coord, nullptr);
      BIGNUM* s = BN_bin2bn(sig + coord, coord, nullptr);
      if (!c->ecdsa_sig || !r || !s || !ECDSA_SIG_set0(c->ecdsa_sig.get(), r, s)) {
        BN_free(r);
        BN_free(s);
        return fail("ECDSA_SIG", name);
      }
    }
    if (is_hmac(a)) {
      const std::string& secret = c->key->hmac_secret();
      if (!HMAC_Init_ex(c->hmac_key.get(), secret.data(), secret.size(),
                        jwtx::detail::digest_for(a), nullptr))
        return fail("HMAC_Init_ex", name);
    }
    env.cases.push_back(std::move(c));
  }
  for (const std::size_t bytes : {200, 1024, 4096}) {
    auto c = std::make_unique<alg_case>();
    c->header = env.cases.front()->header;
    c->payload = payload_json_of_size(bytes);
    env.parse_cases.emplace_back(bytes, std::move(c));
  }
  return true;
}

// ---- jwtx ---------------------------------------------------------------------------------------

void bm_verify(benchmark::State& state, const alg_case* c) {
  jwtx::verify_result r;
  c->verifier->verify(c->token, r);  // warm: sizes the result's buffers
  for (auto _ : state) {
    c->verifier->verify(c->token, r);
    benchmark::DoNotOptimize(r.status());
  }
  if (!r.ok()) state.SkipWithError("verify failed");
  state.SetItemsProcessed(state.iterations());
}

void bm_split(benchmark::State& state, const alg_case* c) {
  jwtx::token_view v;
  for (auto _ : state) {
    benchmark::DoNotOptimize(c->token.data());
    benchmark::DoNotOptimize(jwtx::split_token(c->token, &v));
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

// Decodes one segment like the verifier does: into a padded buffer, then zeroes the padding.
bool decode_padded(std::string_view seg, std::uint8_t* out) {
  const jwtx::base64url::decode_result r = jwtx::base64url::decode(seg, out);
  if (!r.ok) return false;
  std::memset(out + r.size, 0, simdjson::SIMDJSON_PADDING);
  return true;
}

void bm_decode(benchmark::State& state, const alg_case* c) {
  std::vector<std::uint8_t> h(c->parts.header.size() + simdjson::SIMDJSON_PADDING);
  std::vector<std::uint8_t> p(c->parts.payload.size() + simdjson::SIMDJSON_PADDING);
  std::vector<std::uint8_t> s(c->parts.signature.size() + simdjson::SIMDJSON_PADDING);
  bool ok = true;
  for (auto _ : state) {
    ok &= decode_padded(c->parts.header, h.data());
    ok &= decode_padded(c->parts.payload, p.data());
    ok &= decode_padded(c->parts.signature, s.data());
    benchmark::ClobberMemory();
  }
  if (!ok) state.SkipWithError("decode failed");
  state.SetItemsProcessed(state.iterations());
}

void bm_parse(benchmark::State& state, const alg_case* c) {
  simdjson::dom::parser header_parser, claims_parser;
  std::vector<std::string_view> names;
  jwtx::registered_claims claims;
  padded h, p;
  h.assign(c->header);
  p.assign(c->payload);
  status st = status::ok;
  for (auto _ : state) {
    simdjson::dom::element root;
    st = jwtx::parse_json_object(header_parser, h.bytes.data(), h.size, kMaxDepth, names, &root);
    if (st != status::ok) break;
    jwtx::jose_header jh;
    st = jwtx::read_header(root.get_object().value_unsafe(), &jh);
    if (st != status::ok) break;
    benchmark::DoNotOptimize(jh);
    st = jwtx::parse_json_object(claims_parser, p.bytes.data(), p.size, kMaxDepth, names, &root);
    if (st != status::ok) break;
    claims.clear();
    st = jwtx::read_claims(root.get_object().value_unsafe(), &claims);
    if (st != status::ok) break;
    benchmark::DoNotOptimize(claims);
  }
  if (st != status::ok) state.SkipWithError("parse failed");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(c->header.size() + c->payload.size()));
}

void bm_key_select(benchmark::State& state, const alg_case* c) {
  const std::string kid = kid_for(c->alg);
  const std::string_view kid_view = kid;
  bool ok = true;
  for (auto _ : state) {
    benchmark::DoNotOptimize(kid_view.data());
    const jwtx::key* k = c->keys->find(kid_view);
    ok &= k != nullptr && k->compatible_with(c->alg);
    benchmark::DoNotOptimize(k);
  }
  if (!ok) state.SkipWithError("key select failed");
  state.SetItemsProcessed(state.iterations());
}

void bm_crypto(benchmark::State& state, const alg_case* c) {
  const auto* sig = reinterpret_cast<const std::uint8_t*>(c->signature.data());
  status st = status::ok;
  for (auto _ : state) {
    st = jwtx::verify_signature(c->alg, *c->key, c->parts.signing_input, sig, c->signature.size());
    benchmark::DoNotOptimize(st);
  }
  if (st != status::ok) state.SkipWithError("verify_signature failed");
  state.SetItemsProcessed(state.iterations());
}

void bm_policy(benchmark::State& state, const alg_case* c) {
  simdjson::dom::parser parser;
  std::vector<std::string_view> names;
  padded p;
  p.assign(c->payload);
  simdjson::dom::element root;
  jwtx::registered_claims claims;
  if (jwtx::parse_json_object(parser, p.bytes.data(), p.size, kMaxDepth, names, &root) !=
          status::ok ||
      jwtx::read_claims(root.get_object().value_unsafe(), &claims) != status::ok) {
    state.SkipWithError("claims did not parse");
    return;
  }
  const simdjson::dom::object obj = root.get_object().value_unsafe();
  const jwtx::policy& pol = c->verifier->options().claims;
  status st = status::ok;
  for (auto _ : state) {
    st = jwtx::check_policy(pol, claims, obj, static_cast<double>(kNow));
    benchmark::DoNotOptimize(st);
  }
  if (st != status::ok) state.SkipWithError("policy failed");
  state.SetItemsProcessed(state.iterations());
}

// ---- ceilings -----------------------------------------------------------------------------------

const std::uint8_t* input_bytes(const alg_case* c) {
  return reinterpret_cast<const std::uint8_t*>(c->parts.signing_input.data());
}
const std::uint8_t* sig_bytes(const alg_case* c) {
  return reinterpret_cast<const std::uint8_t*>(c->signature.data());
}

void bm_ceiling_hmac_oneshot(benchmark::State& state, const alg_case* c) {
  const std::string& secret = c->key->hmac_secret();
  const EVP_MD* md = jwtx::detail::digest_for(c->alg);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  for (auto _ : state) {
    HMAC(md, secret.data(), secret.size(), input_bytes(c), c->parts.signing_input.size(), mac,
         &mac_len);
    benchmark::DoNotOptimize(mac);
  }
  if (mac_len != c->signature.size() || std::memcmp(mac, c->signature.data(), mac_len) != 0)
    state.SkipWithError("HMAC mismatch");
  state.SetItemsProcessed(state.iterations());
}

void bm_ceiling_hmac_ctx_copy(benchmark::State& state, const alg_case* c) {
  bssl::ScopedHMAC_CTX ctx;
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned mac_len = 0;
  bool ok = true;
  for (auto _ : state) {
    ok &= HMAC_CTX_copy_ex(ctx.get(), c->hmac_key.get()) == 1;
    ok &= HMAC_Update(ctx.get(), input_bytes(c), c->parts.signing_input.size()) == 1;
    ok &= HMAC_Final(ctx.get(), mac, &mac_len) == 1;
    benchmark::DoNotOptimize(mac);
  }
  if (!ok || mac_len != c->signature.size() || std::memcmp(mac, c->signature.data(), mac_len) != 0)
    state.SkipWithError("HMAC mismatch");
  state.SetItemsProcessed(state.iterations());
}

// Not a ceiling (the summary ignores it): HS256 from precomputed SHA-256 inner/outer states,
// copied by value per token instead of through HMAC_CTX_copy_ex (three EVP_MD_CTX copies). Shows
// what a leaner HMAC path in jwtx could reach.
void bm_alt_hs256_sha_ctx(benchmark::State& state, const alg_case* c) {
  const std::string& secret = c->key->hmac_secret();
  std::uint8_t block[SHA256_CBLOCK] = {};
  if (secret.size() > sizeof block) {
    SHA256(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size(), block);
  } else {
    std::memcpy(block, secret.data(), secret.size());
  }
  SHA256_CTX inner, outer;
  std::uint8_t pad[SHA256_CBLOCK];
  for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&inner);
  SHA256_Update(&inner, pad, sizeof pad);
  for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&outer);
  SHA256_Update(&outer, pad, sizeof pad);
  std::uint8_t mac[SHA256_DIGEST_LENGTH];
  for (auto _ : state) {
    SHA256_CTX ctx = inner;
    SHA256_Update(&ctx, input_bytes(c), c->parts.signing_input.size());
    SHA256_Final(mac, &ctx);
    ctx = outer;
    SHA256_Update(&ctx, mac, sizeof mac);
    SHA256_Final(mac, &ctx);
    benchmark::DoNotOptimize(mac);
  }
  if (c->signature.size() != sizeof mac || std::memcmp(mac, c->signature.data(), sizeof mac) != 0)
    state.SkipWithError("HMAC mismatch");
  state.SetItemsProcessed(state.iterations());
}

void bm_ceiling_rsa(benchmark::State& state, const alg_case* c) {
  RSA* rsa = c->key->rsa();
  const EVP_MD* md = jwtx::detail::digest_for(c->alg);
  const bool pss =
      c->alg == algorithm::PS256 || c->alg == algorithm::PS384 || c->alg == algorithm::PS512;
  const int nid = EVP_MD_type(md);
  std::uint8_t d[64];
  int ok = 1;
  for (auto _ : state) {
    const std::size_t n = digest(c->alg, c->parts.signing_input, d);
    ok &= pss ? RSA_verify_pss_mgf1(rsa, d, n, md, md, static_cast<int>(n), sig_bytes(c),
                                    c->signature.size())
              : RSA_verify(nid, d, n, sig_bytes(c), c->signature.size(), rsa);
  }
  if (ok != 1) state.SkipWithError("RSA verify failed");
  state.SetItemsProcessed(state.iterations());
}

void bm_ceiling_ecdsa(benchmark::State& state, const alg_case* c) {
  const EC_KEY* ec = c->key->ec();
  std::uint8_t d[64];
  int ok = 1;
  for (auto _ : state) {
    const std::size_t n = digest(c->alg, c->parts.signing_input, d);
    ok &= ECDSA_do_verify(d, n, c->ecdsa_sig.get(), ec);
  }
  if (ok != 1) state.SkipWithError("ECDSA verify failed");
  state.SetItemsProcessed(state.iterations());
}

void bm_ceiling_ed25519(benchmark::State& state, const alg_case* c) {
  const std::uint8_t* pub = c->key->ed25519_public();
  int ok = 1;
  for (auto _ : state) {
    ok &= ED25519_verify(input_bytes(c), c->parts.signing_input.size(), sig_bytes(c), pub);
  }
  if (ok != 1) state.SkipWithError("Ed25519 verify failed");
  state.SetItemsProcessed(state.iterations());
}

// ---- registration and summary -------------------------------------------------------------------

void register_all(const bench_env& env) {
  using fn = void (*)(benchmark::State&, const alg_case*);
  struct stage {
    const char* name;
    fn f;
  };
  const stage stages[] = {
      {"BM_Verify/", bm_verify},
      {"BM_Stage_Split/", bm_split},
      {"BM_Stage_Decode/", bm_decode},
      {"BM_Stage_Parse/", bm_parse},
      {"BM_Stage_KeySelect/", bm_key_select},
      {"BM_Stage_Crypto/", bm_crypto},
      {"BM_Stage_Policy/", bm_policy},
  };
  for (const auto& [bytes, c] : env.parse_cases) {
    const std::string name = "BM_Parse/claims_bytes:" + std::to_string(bytes);
    benchmark::RegisterBenchmark(name.c_str(), bm_parse, c.get());
  }
  for (const auto& c : env.cases) {
    const std::string alg(jwtx::algorithm_name(c->alg));
    for (const stage& s : stages) {
      benchmark::RegisterBenchmark((s.name + alg).c_str(), s.f, c.get());
    }
    const std::string ceiling = "BM_Ceiling/" + alg;
    switch (jwtx::required_key_type(c->alg)) {
      case jwtx::key_type::oct:
        benchmark::RegisterBenchmark((ceiling + "/oneshot").c_str(), bm_ceiling_hmac_oneshot,
                                     c.get());
        benchmark::RegisterBenchmark((ceiling + "/ctx_copy").c_str(), bm_ceiling_hmac_ctx_copy,
                                     c.get());
        if (c->alg == algorithm::HS256)
          benchmark::RegisterBenchmark("BM_Alt/HS256/sha256_ctx", bm_alt_hs256_sha_ctx, c.get());
        break;
      case jwtx::key_type::rsa:
        benchmark::RegisterBenchmark(ceiling.c_str(), bm_ceiling_rsa, c.get());
        break;
      case jwtx::key_type::ec:
        benchmark::RegisterBenchmark(ceiling.c_str(), bm_ceiling_ecdsa, c.get());
        break;
      case jwtx::key_type::okp:
        benchmark::RegisterBenchmark(ceiling.c_str(), bm_ceiling_ed25519, c.get());
        break;
    }
  }
}

// Displays as usual and records the best (lowest) CPU ns per iteration of every benchmark. CPU
// time, not wall time: the benches are single-threaded and often share cores with other work, and
// time spent descheduled says nothing about jwtx.
class recording_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred || r.iterations <= 0) continue;
      const double ns = r.cpu_accumulated_time * 1e9 / static_cast<double>(r.iterations);
      auto [it, inserted] = ns_.emplace(r.benchmark_name(), ns);
      if (!inserted) it->second = std::min(it->second, ns);
    }
    ConsoleReporter::ReportRuns(runs);
  }

  std::optional<double> ns(const std::string& name) const {
    const auto it = ns_.find(name);
    if (it == ns_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, double> ns_;
};

std::string cell(std::optional<double> v, const char* fmt = "%.0f") {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, *v);
  return buf;
}

// Unused in jwtx_micro_bench (its output is the JSON).
[[maybe_unused]] void print_summary(const bench_env& env, const recording_reporter& rep) {
  std::printf(
      "\nsummary (CPU ns per token, best run; ratio = ceiling_ns / jwtx_ns = fraction of the "
      "ceiling's throughput jwtx reaches)\n");
  std::printf("%-6s %5s %9s %9s %-8s %6s %6s  %6s %7s %6s %7s %9s %6s %9s %7s\n", "alg", "bytes",
              "jwtx", "ceiling", "(which)", "ratio", "target", "split", "decode", "parse", "keysel",
              "crypto", "policy", "stages", "other");
  for (const auto& c : env.cases) {
    const std::string alg(jwtx::algorithm_name(c->alg));
    const std::optional<double> verify = rep.ns("BM_Verify/" + alg);
    std::optional<double> ceiling;
    std::string which = "raw";
    if (is_hmac(c->alg)) {
      const std::optional<double> one = rep.ns("BM_Ceiling/" + alg + "/oneshot");
      const std::optional<double> copy = rep.ns("BM_Ceiling/" + alg + "/ctx_copy");
      if (one && (!copy || *one <= *copy)) {
        ceiling = one;
        which = "oneshot";
      } else if (copy) {
        ceiling = copy;
        which = "ctx_copy";
      }
    } else {
      ceiling = rep.ns("BM_Ceiling/" + alg);
    }
    std::optional<double> ratio;
    if (verify && ceiling) ratio = *ceiling / *verify;
    const char* names[] = {"Split", "Decode", "Parse", "KeySelect", "Crypto", "Policy"};
    std::optional<double> stage[6];
    std::optional<double> sum = 0.0;
    for (int i = 0; i < 6; ++i) {
      stage[i] = rep.ns(std::string("BM_Stage_") + names[i] + "/" + alg);
      if (stage[i] && sum) {
        *sum += *stage[i];
      } else {
        sum.reset();
      }
    }
    std::optional<double> other;
    if (verify && sum) other = *verify - *sum;
    const double target = target_ratio(c->alg);
    std::string target_cell = "-";
    if (target > 0) {
      target_cell = cell(target, "%.2f");
      if (ratio) target_cell += *ratio >= target ? " ok" : " MISS";
    }
    std::printf("%-6s %5zu %9s %9s %-8s %6s %6s  %6s %7s %6s %7s %9s %6s %9s %7s\n", alg.c_str(),
                c->token.size(), cell(verify).c_str(), cell(ceiling).c_str(), which.c_str(),
                cell(ratio, "%.3f").c_str(), target_cell.c_str(), cell(stage[0], "%.1f").c_str(),
                cell(stage[1], "%.1f").c_str(), cell(stage[2], "%.0f").c_str(),
                cell(stage[3], "%.1f").c_str(), cell(stage[4]).c_str(),
                cell(stage[5], "%.1f").c_str(), cell(sum).c_str(), cell(other).c_str());
  }
  std::printf(
      "(stages = sum of the six stage benchmarks; other = jwtx - stages: result reset, token "
      "copy, key_store snapshot, clock call, buffer bookkeeping)\n");
}

// One per process: the registered benchmarks point into it until exit.
bench_env& shared_env() {
  static bench_env env;
  return env;
}

}  // namespace

bool jwtx::bench::register_verify_benchmarks() {
  if (!make_env(shared_env())) return false;
  register_all(shared_env());
  return true;
}

#ifndef JWTX_MICRO_SUITE  // jwtx_micro_bench has one main (bench/micro_suite.cc)
int main(int argc, char** argv) {
  if (!jwtx::bench::initialize_benchmark(argc, argv, kDefaultMinTime)) return 2;
  if (!jwtx::bench::register_verify_benchmarks()) return 2;

  recording_reporter reporter;
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  if (ran > 0) print_summary(shared_env(), reporter);
  benchmark::Shutdown();
  return 0;
}
#endif
