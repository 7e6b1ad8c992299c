#include "tools/jwtx/bench/workload.h"

#include <oneapi/tbb/parallel_for.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "engine/json_writer.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/signer.h"
#include "tools/jwtx/bench/zipf.h"
#include "tools/jwtx/yaml_reader.h"

namespace jwtx::capacity {

// ---- reasons ------------------------------------------------------------------------------------

std::string_view reason_name(invalid_reason r) noexcept {
  switch (r) {
    case invalid_reason::expired:
      return "expired";
    case invalid_reason::tampered_signature:
      return "tampered_signature";
    case invalid_reason::wrong_audience:
      return "wrong_audience";
    case invalid_reason::wrong_issuer:
      return "wrong_issuer";
    case invalid_reason::unknown_kid:
      return "unknown_kid";
    case invalid_reason::alg_none:
      return "alg_none";
    case invalid_reason::malformed:
      return "malformed";
    case invalid_reason::revoked_jti:
      return "revoked_jti";
  }
  return "unknown";
}

std::optional<invalid_reason> parse_reason(std::string_view name) noexcept {
  for (const invalid_reason r : kAllReasons) {
    if (reason_name(r) == name) return r;
  }
  return std::nullopt;
}

status expected_status(invalid_reason r) noexcept {
  switch (r) {
    case invalid_reason::expired:
      return status::expired;
    case invalid_reason::tampered_signature:
      return status::bad_signature;
    case invalid_reason::wrong_audience:
      return status::audience_mismatch;
    case invalid_reason::wrong_issuer:
      return status::issuer_mismatch;
    case invalid_reason::unknown_kid:
      return status::key_not_found;
    case invalid_reason::alg_none:
      return status::alg_not_allowed;
    case invalid_reason::malformed:
      return status::malformed;
    case invalid_reason::revoked_jti:
      return status::revoked;
  }
  return status::internal_error;
}

bool reaches_signature(invalid_reason r) noexcept {
  // The claims (exp, iss, aud, jti) are read only after the signature verified.
  return r != invalid_reason::unknown_kid && r != invalid_reason::alg_none &&
         r != invalid_reason::malformed;
}

std::vector<std::pair<algorithm, double>> default_mix() {
  return {{algorithm::RS256, 0.60},
          {algorithm::ES256, 0.25},
          {algorithm::EdDSA, 0.10},
          {algorithm::HS256, 0.05}};
}

// ---- workload file ------------------------------------------------------------------------------

namespace {

using file_reader = jwtx::cli::yaml_reader;  // tools/jwtx/yaml_reader.h

bool read_mix(file_reader& r, const YAML::Node& n, workload_config* c) {
  if (!n.IsMap() || n.size() == 0) return r.fail("mix", "expected a map of algorithm -> weight");
  c->mix.clear();
  for (const auto& kv : n) {
    const std::string name = kv.first.Scalar();
    const std::string path = "mix." + name;
    const std::optional<algorithm> a = algorithm_from_name(name);
    if (!a) return r.fail(path, "unknown algorithm");
    double w = 0;
    if (!r.number(kv.second, path, 0, 1e6, &w)) return false;
    if (w > 0) c->mix.emplace_back(*a, w);
  }
  if (c->mix.empty()) return r.fail("mix", "every weight is 0");
  return true;
}

bool read_invalid(file_reader& r, const YAML::Node& n, workload_config* c) {
  if (!r.map(n, "invalid", {"fraction", "reasons"})) return false;
  if (n["fraction"] && !r.number(n["fraction"], "invalid.fraction", 0, 1, &c->invalid_fraction))
    return false;
  if (const YAML::Node rs = n["reasons"]) {
    if (!rs.IsMap() || rs.size() == 0)
      return r.fail("invalid.reasons", "expected a map of reason -> weight");
    c->reasons.clear();
    for (const auto& kv : rs) {
      const std::string path = "invalid.reasons." + kv.first.Scalar();
      const std::optional<invalid_reason> reason = parse_reason(kv.first.Scalar());
      if (!reason) return r.fail(path, "unknown reason");
      double w = 0;
      if (!r.number(kv.second, path, 0, 1e6, &w)) return false;
      if (w > 0) c->reasons.emplace_back(*reason, w);
    }
    if (c->reasons.empty()) return r.fail("invalid.reasons", "every weight is 0");
  }
  return true;
}

bool read_lists(file_reader& r, const YAML::Node& root, workload_config* c) {
  if (const YAML::Node w = root["workers"]) {
    if (!w.IsSequence() || w.size() == 0) return r.fail("workers", "expected a list of counts");
    c->workers.clear();
    for (std::size_t i = 0; i < w.size(); ++i) {
      unsigned n = 0;
      if (!r.whole(w[i], "workers[" + std::to_string(i) + "]", 1, 1024, &n)) return false;
      c->workers.push_back(n);
    }
  }
  if (const YAML::Node f = root["rate_fractions"]) {
    if (!f.IsSequence() || f.size() == 0)
      return r.fail("rate_fractions", "expected a list of fractions");
    c->rate_fractions.clear();
    for (std::size_t i = 0; i < f.size(); ++i) {
      double v = 0;
      if (!r.number(f[i], "rate_fractions[" + std::to_string(i) + "]", 0.001, 10, &v)) return false;
      c->rate_fractions.push_back(v);
    }
  }
  return true;
}

}  // namespace

std::optional<workload_config> parse_workload(std::string_view text, std::string* why,
                                              const workload_config& base) {
  file_reader r(why);
  workload_config c = base;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!r.map(root, "(top level)",
               {"mix", "claims_bytes", "invalid", "distinct_tokens", "zipf_exponent",
                "cache_entries", "revoked_extra", "leeway_seconds", "issuer", "audience", "seed",
                "duration_seconds", "workers", "rate_fractions"}))
      return std::nullopt;
    if (root["mix"] && !read_mix(r, root["mix"], &c)) return std::nullopt;
    if (const YAML::Node s = root["claims_bytes"]) {
      if (!r.map(s, "claims_bytes", {"min", "max"})) return std::nullopt;
      if (s["min"] && !r.whole(s["min"], "claims_bytes.min", 100, 60000, &c.min_claims_bytes))
        return std::nullopt;
      if (s["max"] && !r.whole(s["max"], "claims_bytes.max", 100, 60000, &c.max_claims_bytes))
        return std::nullopt;
      if (c.min_claims_bytes > c.max_claims_bytes) {
        r.fail("claims_bytes", "min is larger than max");
        return std::nullopt;
      }
    }
    if (root["invalid"] && !read_invalid(r, root["invalid"], &c)) return std::nullopt;
    double seed = 0, duration = 0;
    const bool ok =
        (!root["distinct_tokens"] ||
         r.whole(root["distinct_tokens"], "distinct_tokens", 1,
                 static_cast<double>(kMaxDistinctTokens), &c.distinct_tokens)) &&
        (!root["zipf_exponent"] ||
         r.number(root["zipf_exponent"], "zipf_exponent", 0, 5, &c.zipf_exponent)) &&
        (!root["cache_entries"] ||
         r.whole(root["cache_entries"], "cache_entries", 0, static_cast<double>(kMaxCacheEntries),
                 &c.cache_entries)) &&
        (!root["revoked_extra"] ||
         r.whole(root["revoked_extra"], "revoked_extra", 0, 1e6, &c.revoked_extra)) &&
        (!root["leeway_seconds"] ||
         r.number(root["leeway_seconds"], "leeway_seconds", 0, 86400, &c.leeway_seconds)) &&
        (!root["issuer"] || r.non_empty_string(root["issuer"], "issuer", &c.issuer)) &&
        (!root["audience"] || r.non_empty_string(root["audience"], "audience", &c.audience)) &&
        (!root["seed"] || r.whole(root["seed"], "seed", 0, 9e15, &seed)) &&
        (!root["duration_seconds"] ||
         r.number(root["duration_seconds"], "duration_seconds", 0.01, 3600, &duration)) &&
        read_lists(r, root, &c);
    if (!ok) return std::nullopt;
    if (root["seed"]) c.seed = static_cast<std::uint64_t>(seed);
    if (root["duration_seconds"]) c.duration_seconds = duration;
    return c;
  } catch (const YAML::Exception& e) {
    if (why) *why = "parse error: " + std::string(e.what());
  } catch (const std::exception& e) {
    if (why) *why = std::string("workload: ") + e.what();
  }
  return std::nullopt;
}

// ---- generation ---------------------------------------------------------------------------------

namespace {

constexpr double kNow = 1'700'000'000;  // the built-in workload's fixed clock

// One kind of token: a valid one of an algorithm, or an invalid one of a reason.
struct category_spec {
  std::string name;
  double share = 0;  // of the tokens sent
  std::optional<algorithm> alg;
  std::optional<invalid_reason> reason;
};

std::string hex(std::uint64_t x) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

// Claims JSON of |bytes| bytes (at least the fixed members' size), padded with a "pad" claim.
std::string claims_json(std::string_view iss, std::string_view aud, double exp,
                        const std::string& jti, std::size_t user, std::size_t bytes) {
  // iss and aud may come from a workload file: escaped, so any string makes valid JSON.
  std::string p = "{\"iss\":";
  append_json_string(p, iss);
  p += ",\"sub\":\"user-" + std::to_string(user) + "\",\"aud\":";
  append_json_string(p, aud);
  p += ",\"exp\":" + std::to_string(static_cast<std::int64_t>(exp)) +
       ",\"iat\":" + std::to_string(static_cast<std::int64_t>(kNow - 60)) + ",\"jti\":\"" + jti +
       "\",\"scope\":\"openid profile orders:read\"";
  const std::size_t fixed = p.size() + std::string_view(",\"pad\":\"\"}").size();
  p += ",\"pad\":\"" + std::string(bytes > fixed ? bytes - fixed : 0, 'p') + "\"}";
  return p;
}

// Assigns categories to popularity ranks (see the header): rank i goes to the category whose sent
// share error |target * mass - sent| shrinks the most by taking it (ties: the furthest behind).
std::vector<std::uint16_t> assign_categories(const std::vector<category_spec>& cats,
                                             const std::vector<double>& rank_probability) {
  std::vector<double> sent(cats.size(), 0);
  std::vector<std::uint16_t> out(rank_probability.size());
  double mass = 0;
  for (std::size_t i = 0; i < rank_probability.size(); ++i) {
    const double p = rank_probability[i];
    mass += p;
    std::size_t best = 0;
    double best_change = 1e300, best_deficit = -1e300;
    for (std::size_t k = 0; k < cats.size(); ++k) {
      const double deficit = cats[k].share * mass - sent[k];
      const double change = std::abs(deficit - p) - std::abs(deficit);
      if (change < best_change || (change == best_change && deficit > best_deficit)) {
        best_change = change;
        best_deficit = deficit;
        best = k;
      }
    }
    sent[best] += p;
    out[i] = static_cast<std::uint16_t>(best);
  }
  return out;
}

std::vector<category_spec> categories_of(const workload_config& c) {
  std::vector<category_spec> cats;
  double mix_total = 0;
  for (const auto& [a, w] : c.mix) mix_total += w;
  for (const auto& [a, w] : c.mix)
    cats.push_back({std::string(algorithm_name(a)), (1 - c.invalid_fraction) * w / mix_total, a,
                    std::nullopt});
  std::vector<std::pair<invalid_reason, double>> reasons = c.reasons;
  if (reasons.empty()) {
    for (const invalid_reason r : kAllReasons) reasons.emplace_back(r, 1.0);
  }
  double reason_total = 0;
  for (const auto& [r, w] : reasons) reason_total += w;
  if (c.invalid_fraction > 0) {
    for (const auto& [r, w] : reasons)
      cats.push_back({"invalid: " + std::string(reason_name(r)),
                      c.invalid_fraction * w / reason_total, std::nullopt, r});
  }
  return cats;
}

bool check_config(const workload_config& c, std::string* why) {
  auto bad = [&](const char* m) {
    if (why) *why = m;
    return false;
  };
  if (c.mix.empty()) return bad("the algorithm mix is empty");
  if (c.distinct_tokens == 0 || c.distinct_tokens > kMaxDistinctTokens)
    return bad("distinct_tokens must be in [1, 1000000]");
  if (c.min_claims_bytes > c.max_claims_bytes) return bad("claims_bytes: min is larger than max");
  if (!(c.invalid_fraction >= 0 && c.invalid_fraction <= 1))
    return bad("invalid.fraction must be in [0, 1]");
  if (c.sequence_length == 0) return bad("the send sequence is empty");
  return true;
}

}  // namespace

std::optional<workload> build_workload(const workload_config& cfg, std::string* why) {
  if (!check_config(cfg, why)) return std::nullopt;
  const std::vector<category_spec> cats = categories_of(cfg);

  // Keys: one per algorithm of the mix (invalid tokens are signed with these too).
  key_set_options ko;
  ko.allow_mixed_symmetric = true;  // the default mix has HS256 next to public keys; all have kids
  key_set_builder builder(ko);
  std::map<algorithm, signing_key> signers;
  for (const auto& [a, w] : cfg.mix) {
    std::string error;
    const std::string kid = "bench-" + std::string(algorithm_name(a));
    std::optional<signing_key> k = signing_key::generate(a, kid, 2048, &error);
    if (!k) {
      if (why) *why = "generating the " + kid + " key failed: " + error;
      return std::nullopt;
    }
    const bool oct = required_key_type(a) == key_type::oct;
    if (builder.add_jwk(oct ? k->private_jwk() : k->public_jwk(), kid) != status::ok) {
      if (why) *why = "loading the " + kid + " key failed: " + builder.error();
      return std::nullopt;
    }
    signers.emplace(a, std::move(*k));
  }
  key_set_result built = builder.build();
  if (!built) {
    if (why) *why = "building the key set failed: " + built.error;
    return std::nullopt;
  }

  workload w;
  w.keys = built.set;
  for (const category_spec& c : cats) w.categories.push_back(c.name);

  // Popularity: rank r (0-based) has probability proportional to 1 / (r + 1)^s.
  const zipf_table zipf(cfg.distinct_tokens, cfg.zipf_exponent);
  const std::vector<std::uint16_t> rank_category = assign_categories(cats, zipf.probabilities());

  // The algorithm an invalid token is signed with: the valid mix, round-robin by deficit.
  std::vector<double> alg_sent(cfg.mix.size(), 0);
  double mix_total = 0;
  for (const auto& [a, wt] : cfg.mix) mix_total += wt;
  std::mt19937_64 rng(cfg.seed);
  std::uniform_real_distribution<double> unit(0, 1);

  struct plan_item {
    std::size_t claims_bytes;
    algorithm alg;
  };
  std::vector<plan_item> plan(cfg.distinct_tokens);
  w.tokens.resize(cfg.distinct_tokens);
  for (std::size_t i = 0; i < cfg.distinct_tokens; ++i) {
    const category_spec& c = cats[rank_category[i]];
    const double u = unit(rng);
    plan[i].claims_bytes =
        cfg.min_claims_bytes +
        static_cast<std::size_t>(static_cast<double>(cfg.max_claims_bytes - cfg.min_claims_bytes) *
                                 u * u * u);
    if (c.alg) {
      plan[i].alg = *c.alg;
    } else {
      std::size_t best = 0;
      double best_deficit = -1e300;
      double n = 1;
      for (const double s : alg_sent) n += s;
      for (std::size_t k = 0; k < cfg.mix.size(); ++k) {
        const double deficit = cfg.mix[k].second / mix_total * n - alg_sent[k];
        if (deficit > best_deficit) {
          best_deficit = deficit;
          best = k;
        }
      }
      alg_sent[best] += 1;
      plan[i].alg = cfg.mix[best].first;
    }
    workload_token& t = w.tokens[i];
    t.category = rank_category[i];
    t.expected = c.reason ? expected_status(*c.reason) : status::ok;
    t.reaches_signature = c.reason ? reaches_signature(*c.reason) : true;
    const bool keyless =
        c.reason == invalid_reason::alg_none || c.reason == invalid_reason::malformed;
    if (!keyless) t.alg = plan[i].alg;
  }

  // Minting (RSA signing dominates: ~1 ms a token) on every core.
  std::vector<std::string> revoked_jtis(cfg.distinct_tokens);
  tbb::parallel_for(std::size_t{0}, cfg.distinct_tokens, [&](std::size_t i) {
    const category_spec& c = cats[w.tokens[i].category];
    const signing_key& key = signers.at(plan[i].alg);
    const std::string jti =
        "jti-" + std::to_string(i) + "-" + hex(cfg.seed * 0x9e3779b97f4a7c15u + i);
    std::string_view iss = cfg.issuer, aud = cfg.audience;
    double exp = kNow + 3600;
    if (c.reason == invalid_reason::wrong_issuer) iss = "https://other-issuer.bench";
    if (c.reason == invalid_reason::wrong_audience) aud = "billing-api";
    if (c.reason == invalid_reason::expired) exp = kNow - 3600 - cfg.leeway_seconds;
    const std::string body = claims_json(iss, aud, exp, jti, i, plan[i].claims_bytes);
    std::string token;
    if (c.reason == invalid_reason::alg_none) {
      token = base64url::encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." +
              base64url::encode(body) + ".";
    } else if (c.reason == invalid_reason::unknown_kid) {
      token = key.mint(body, "{\"alg\":\"" + std::string(algorithm_name(plan[i].alg)) +
                                 "\",\"typ\":\"JWT\",\"kid\":\"no-such-key\"}");
    } else {
      token = key.mint(body);
    }
    if (c.reason == invalid_reason::tampered_signature) {
      // One character in the middle of the signature, kept inside the base64url alphabet.
      const std::size_t pos = token.rfind('.') + 1 + (token.size() - token.rfind('.') - 1) / 2;
      token[pos] = token[pos] == 'A' ? 'B' : 'A';
    }
    if (c.reason == invalid_reason::malformed) token.resize(token.rfind('.'));
    if (c.reason == invalid_reason::revoked_jti) revoked_jtis[i] = jti;
    w.tokens[i].token = std::move(token);
  });

  // Revocation: the revoked tokens' jti values plus revoked_extra others, in one publication.
  w.revoked = std::make_unique<revocation_set>();
  std::vector<revocation_entry> entries;
  for (std::string& j : revoked_jtis) {
    if (!j.empty()) entries.push_back({std::move(j), kNow + 7200});
  }
  for (std::size_t i = 0; i < cfg.revoked_extra; ++i)
    entries.push_back({"revoked-elsewhere-" + hex(cfg.seed + i), kNow + 7200});
  w.revoked->add_many(entries);

  verifier_options o;
  o.algorithms = algorithm_set::all();
  o.claims.issuers = {cfg.issuer};
  o.claims.audiences = {cfg.audience};
  o.claims.leeway_seconds = cfg.leeway_seconds;
  o.claims.clock = [] { return kNow; };
  o.claims.revoked = w.revoked.get();
  o.max_token_bytes = 64 * 1024;
  w.engine_nocache = std::make_shared<const verifier>(w.keys, o);
  o.cache_entries = cfg.cache_entries;
  w.engine = std::make_shared<const verifier>(w.keys, o);
  std::string bad;
  if (validate_options(o, &bad) != status::ok) {
    if (why) *why = "verifier options: " + bad;
    return std::nullopt;
  }

  // The send order: Zipf ranks are token indices (rank i is token i).
  w.sequence.resize(cfg.sequence_length);
  for (std::uint32_t& s : w.sequence) s = static_cast<std::uint32_t>(zipf.sample(unit(rng)));
  w.sends.reserve(w.sequence.size());
  for (const std::uint32_t s : w.sequence) w.sends.push_back(w.tokens[s].token);

  // The description.
  workload_info& info = w.info;
  info.source = "built-in";
  info.distinct_tokens = cfg.distinct_tokens;
  info.zipf_exponent = cfg.zipf_exponent;
  info.cache_entries = cfg.cache_entries;
  info.revoked_jtis = entries.size();
  info.min_token_bytes = ~std::uint64_t{0};
  for (const workload_token& t : w.tokens) {
    info.min_token_bytes = std::min<std::uint64_t>(info.min_token_bytes, t.token.size());
    info.max_token_bytes = std::max<std::uint64_t>(info.max_token_bytes, t.token.size());
  }
  w.max_token_bytes = info.max_token_bytes;
  // The shares actually sent (the send order), not the targets: a small category whose first
  // token is a popular one can exceed its target (reported, not hidden).
  std::vector<double> sent(cats.size(), 0);
  for (const std::uint32_t s : w.sequence) sent[w.tokens[s].category] += 1;
  for (std::size_t k = 0; k < cats.size(); ++k) {
    const category_spec& c = cats[k];
    (c.alg ? info.algorithms : info.invalid)
        .push_back({c.alg ? c.name : std::string(status_name(expected_status(*c.reason))),
                    sent[k] / static_cast<double>(w.sequence.size())});
  }
  return w;
}

// ---- replay -------------------------------------------------------------------------------------

std::optional<workload> load_replay(const replay_config& cfg, std::string* why) {
  workload w;
  w.expected_known = false;
  key_set_builder builder;
  if (builder.add_jwks(cfg.jwks_text, cfg.jwks_name) != status::ok) {
    if (why) *why = builder.error();
    return std::nullopt;
  }
  key_set_result built = builder.build();
  if (!built) {
    if (why) *why = built.error;
    return std::nullopt;
  }
  w.keys = built.set;
  std::string_view text = cfg.tokens_text;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    ++line_number;
    if (line.empty()) continue;
    // The pipeline refuses longer tokens (too_large) before verifying them: a replay of such a
    // token would measure refusals, so it is an error of the input instead.
    if (line.size() > kMaxReplayTokenBytes) {
      if (why)
        *why = cfg.tokens_name + " line " + std::to_string(line_number) + ": a token of " +
               std::to_string(line.size()) + " bytes (at most " +
               std::to_string(kMaxReplayTokenBytes) + ")";
      return std::nullopt;
    }
    workload_token t;
    t.token = std::string(line);
    w.tokens.push_back(std::move(t));
  }
  if (w.tokens.empty()) {
    if (why) *why = cfg.tokens_name + ": no token (one token per line)";
    return std::nullopt;
  }
  if (w.tokens.size() > (std::size_t{1} << 24)) {
    if (why) *why = cfg.tokens_name + ": more than 16777216 tokens";
    return std::nullopt;
  }
  verifier_options o;
  o.algorithms = cfg.algs.empty() ? algorithm_set::all() : cfg.algs;
  if (!cfg.issuer.empty()) o.claims.issuers = {cfg.issuer};
  o.claims.audiences = cfg.audiences;
  o.claims.leeway_seconds = cfg.leeway_seconds;
  if (cfg.now) {
    const double now = *cfg.now;
    o.claims.clock = [now] { return now; };
  }
  o.max_token_bytes = kMaxReplayTokenBytes;
  std::string bad;
  if (validate_options(o, &bad) != status::ok) {
    if (why) *why = bad;
    return std::nullopt;
  }
  w.engine_nocache = std::make_shared<const verifier>(w.keys, o);
  o.cache_entries = cfg.cache_entries;
  w.engine = std::make_shared<const verifier>(w.keys, o);

  // Categories: the status each token gets now (what the replay will measure), by algorithm.
  std::map<std::string, std::uint16_t> index;
  verify_result r;
  for (workload_token& t : w.tokens) {
    w.engine_nocache->verify(t.token, r);
    t.expected = r.status();
    t.alg = r.alg();
    // A signature check happened for ok and for every failure found after it.
    t.reaches_signature = r.ok() || r.status() == status::bad_signature ||
                          r.status() == status::expired || r.status() == status::not_yet_valid ||
                          r.status() == status::issuer_mismatch ||
                          r.status() == status::audience_mismatch || r.status() == status::revoked;
    const std::string name = r.ok() && t.alg ? std::string(algorithm_name(*t.alg))
                                             : "status: " + std::string(status_name(r.status()));
    auto [it, fresh] = index.emplace(name, static_cast<std::uint16_t>(w.categories.size()));
    if (fresh) w.categories.push_back(name);
    t.category = it->second;
  }
  w.sequence.resize(w.tokens.size());
  for (std::size_t i = 0; i < w.sequence.size(); ++i) w.sequence[i] = static_cast<std::uint32_t>(i);
  for (const workload_token& t : w.tokens) w.sends.push_back(t.token);

  workload_info& info = w.info;
  info.source = "replay: " + std::to_string(w.tokens.size()) + " tokens";
  info.distinct_tokens = std::set<std::string_view>(w.sends.begin(), w.sends.end()).size();
  info.cache_entries = cfg.cache_entries;
  info.min_token_bytes = ~std::uint64_t{0};
  std::vector<double> count(w.categories.size(), 0);
  for (const workload_token& t : w.tokens) {
    info.min_token_bytes = std::min<std::uint64_t>(info.min_token_bytes, t.token.size());
    info.max_token_bytes = std::max<std::uint64_t>(info.max_token_bytes, t.token.size());
    count[t.category] += 1;
  }
  w.max_token_bytes = info.max_token_bytes;
  for (std::size_t k = 0; k < w.categories.size(); ++k) {
    const bool valid = !w.categories[k].starts_with("status: ");
    (valid ? info.algorithms : info.invalid)
        .push_back({valid ? w.categories[k] : w.categories[k].substr(8),
                    count[k] / static_cast<double>(w.tokens.size())});
  }
  return w;
}

// ---- verdicts -----------------------------------------------------------------------------------

std::vector<verdict_row> check_verdicts(const workload& w) {
  std::vector<verdict_row> rows(w.categories.size());
  std::vector<std::map<status, std::uint64_t>> got(w.categories.size());
  verify_result r;
  for (const workload_token& t : w.tokens) {
    w.engine_nocache->verify(t.token, r);
    verdict_row& row = rows[t.category];
    row.category = w.categories[t.category];
    row.expected = t.expected;
    ++row.tokens;
    if (r.status() == t.expected) ++row.as_expected;
    ++got[t.category][r.status()];
  }
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (rows[k].category.empty()) rows[k].category = w.categories[k];  // no token drawn
    rows[k].returned.assign(got[k].begin(), got[k].end());
  }
  return rows;
}

bool all_as_expected(const std::vector<verdict_row>& rows) noexcept {
  for (const verdict_row& r : rows) {
    if (r.as_expected != r.tokens) return false;
  }
  return true;
}

}  // namespace jwtx::capacity
