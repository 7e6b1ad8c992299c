// `jwtx mint`: signs tokens with a private JWK (tests, benches, local experiments). Prints one
// token per line on stdout — the only jwtx verb that prints tokens, because making them is its job.
#include <openssl/rand.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "engine/jws/algorithm.h"
#include "engine/signer.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
namespace {

constexpr std::uint64_t kMaxCount = 100'000'000;  // output is streamed; this only bounds run time

struct mint_options {
  std::string key_file;
  std::string alg;
  std::string claims = "{}";
  std::string header;
  std::optional<std::int64_t> exp_in;
  bool iat_now = false;
  std::optional<std::int64_t> now;
  std::optional<std::size_t> count;
};

int run_mint(const mint_options& o) {
  std::string jwk, err;
  std::optional<algorithm> alg;
  if (!o.alg.empty()) {
    alg = parse_algorithm_flag("--alg", o.alg, &err);
    if (!alg) return fail(err);
  }
  if (!read_file(o.key_file, &jwk, &err)) {
    return fail("cannot read " + quote_input(o.key_file) + ": " + err);
  }
  std::optional<signing_key> key = signing_key::from_private_jwk(jwk, alg, &err);
  if (!key) return fail("cannot load key from " + quote_input(o.key_file) + ": " + sanitized(err));

  // The payload: --claims (a JSON object, minified) plus the generated members.
  simdjson::dom::parser parser;
  simdjson::dom::object claims;
  if (parser.parse(o.claims).get_object().get(claims) != simdjson::SUCCESS) {
    return fail("--claims is not a JSON object");
  }
  auto has = [&](const char* name) { return claims[name].error() == simdjson::SUCCESS; };
  const std::int64_t now = o.now ? *o.now : static_cast<std::int64_t>(std::time(nullptr));
  std::string extra;
  if (o.exp_in) {
    if (has("exp")) return fail("--exp-in given but --claims already has \"exp\"");
    // Both operands are range-checked (|x| <= kMaxUnixTime), so the sum cannot overflow; the
    // result must still be a Unix time the flags accept.
    const std::int64_t exp = now + *o.exp_in;
    if (exp < 0 || exp > kMaxUnixTime) {
      return fail("--exp-in " + std::to_string(*o.exp_in) + " puts exp at " + std::to_string(exp) +
                  ", outside [0, " + std::to_string(kMaxUnixTime) + "]");
    }
    extra += ",\"exp\":" + std::to_string(exp);
  }
  if (o.iat_now) {
    if (has("iat")) return fail("--iat-now given but --claims already has \"iat\"");
    extra += ",\"iat\":" + std::to_string(now);
  }
  const bool add_jti = o.count.has_value();
  if (add_jti && has("jti")) return fail("--count adds \"jti\" but --claims already has one");
  std::string base = simdjson::minify(claims);
  base.pop_back();  // reopen the object: "{...}" -> "{..."
  const bool empty_object = base.size() == 1;
  if (empty_object && !extra.empty()) extra.erase(0, 1);  // no leading comma after "{"

  // jti values: a random per-run prefix (from BoringSSL) and the token's index.
  std::string jti_prefix;
  if (add_jti) {
    std::uint8_t rnd[8];
    RAND_bytes(rnd, sizeof(rnd));
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::uint8_t b : rnd) {
      jti_prefix.push_back(kHex[b >> 4]);
      jti_prefix.push_back(kHex[b & 0xf]);
    }
    jti_prefix.push_back('-');
  }

  const std::size_t count = o.count.value_or(1);
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (out.size() >= (1u << 20)) {  // written in batches: memory stays flat for any --count
      write_stdout(out);
      out.clear();
    }
    std::string payload = base + extra;
    if (add_jti) {
      if (!(empty_object && extra.empty())) payload.push_back(',');
      payload += "\"jti\":\"" + jti_prefix + std::to_string(i) + "\"";
    }
    payload.push_back('}');
    std::string token = key->mint(payload, o.header);
    if (token.empty() || token.back() == '.') return fail("signing failed");
    out += token;
    out.push_back('\n');
  }
  write_stdout(out);
  return kExitOk;
}

}  // namespace

verb add_mint(CLI::App& app) {
  auto o = std::make_shared<mint_options>();
  CLI::App* cmd = app.add_subcommand("mint", "Sign tokens with a private JWK (one per line)");
  cmd->add_option("--key", o->key_file, "Private JWK file (from jwtx keygen)")->required();
  cmd->add_option("--alg", o->alg, "Algorithm (default: the JWK's alg)");
  cmd->add_option("--claims", o->claims, "Payload JSON object")->capture_default_str();
  cmd->add_option("--header", o->header, "Header JSON, used verbatim");
  cmd->add_option("--exp-in", o->exp_in, "Add exp = now + S (negative: already expired)")
      ->check(integer_in(-kMaxUnixTime, kMaxUnixTime));
  cmd->add_flag("--iat-now", o->iat_now, "Add iat = now");
  cmd->add_option("--now", o->now, "Unix time to use as now")->check(integer_in(0, kMaxUnixTime));
  cmd->add_option("--count", o->count, "Mint N tokens, each with a distinct jti")
      ->check(count_in(1, kMaxCount));
  return {cmd, [o] { return run_mint(*o); }};
}

}  // namespace jwtx::cli
