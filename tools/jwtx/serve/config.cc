#include "tools/jwtx/serve/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string_view>

#include "engine/keys/key_set.h"
#include "engine/revocation/redis_revocation.h"
#include "engine/verifier.h"
#include "tools/jwtx/serve/key_sources.h"
#include "tools/jwtx/yaml_reader.h"

namespace jwtx::serve {
namespace {

using reader = jwtx::cli::yaml_reader;  // tools/jwtx/yaml_reader.h

bool read_algorithms(reader& r, const YAML::Node& node, const std::string& path,
                     algorithm_set* out) {
  std::vector<std::string> names;
  if (!r.strings(node, path, &names)) return false;
  if (names.empty()) return r.fail(path, "must list at least one algorithm");
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto a = algorithm_from_name(names[i]);
    if (!a) return r.fail(reader::index(path, i), "unknown algorithm '" + names[i] + "'");
    out->add(*a);
  }
  return true;
}

bool read_filename(reader& r, const YAML::Node& node, const std::string& path, std::string* out) {
  if (!r.map(node, path, {"filename"})) return false;
  if (!node["filename"]) return r.fail(reader::join(path, "filename"), "required");
  return r.string(node["filename"], reader::join(path, "filename"), out);
}

// A whole number of seconds in [lo, hi] (the fetcher's cache bounds and interval are integral).
bool whole_seconds(reader& r, const YAML::Node& node, const std::string& path, double lo, double hi,
                   double* out) {
  if (!node) return true;
  if (!r.number(node, path, lo, hi, out)) return false;
  return *out == std::floor(*out) || r.fail(path, "expected a whole number of seconds");
}

bool read_remote(reader& r, const YAML::Node& node, const std::string& path,
                 remote_jwks_config* out) {
  if (!r.map(node, path,
             {"uri", "discovery", "cache_duration", "timeout", "min_cache", "max_cache",
              "min_refetch_interval", "ca_file"})) {
    return false;
  }
  auto at = [&](const char* key) { return reader::join(path, key); };
  if (node["discovery"]) {
    const YAML::Node d = node["discovery"];
    if (!d.IsScalar() || (d.Scalar() != "true" && d.Scalar() != "false")) {
      return r.fail(at("discovery"), "expected true or false");
    }
    out->discovery = d.Scalar() == "true";
  }
  if (node["uri"] && !r.string(node["uri"], at("uri"), &out->uri)) return false;
  if (out->discovery == !out->uri.empty()) {
    return r.fail(path, "needs exactly one of uri / discovery: true");
  }
  if (node["ca_file"] && !r.string(node["ca_file"], at("ca_file"), &out->ca_file)) return false;
  if (node["timeout"] &&
      !r.number(node["timeout"], at("timeout"), 0.001, 60, &out->timeout_seconds)) {
    return false;
  }
  if (!whole_seconds(r, node["cache_duration"], at("cache_duration"), 1, 86400 * 7,
                     &out->cache_duration_seconds) ||
      !whole_seconds(r, node["min_cache"], at("min_cache"), 1, 86400 * 7,
                     &out->min_cache_seconds) ||
      !whole_seconds(r, node["max_cache"], at("max_cache"), 1, 86400 * 7,
                     &out->max_cache_seconds) ||
      !whole_seconds(r, node["min_refetch_interval"], at("min_refetch_interval"), 0, 86400,
                     &out->min_refetch_interval_seconds)) {
    return false;
  }
  if (out->min_cache_seconds > out->max_cache_seconds) {
    return r.fail(path, "min_cache must not exceed max_cache");
  }
  return true;
}

bool read_requirements(reader& r, const YAML::Node& node, const std::string& path,
                       gateway::requirements* out) {
  if (!r.map(node, path, {"scopes", "claims"})) return false;
  if (node["scopes"] && !r.strings(node["scopes"], reader::join(path, "scopes"), &out->scopes)) {
    return false;
  }
  if (!node["claims"]) return true;
  const std::string cpath = reader::join(path, "claims");
  if (!node["claims"].IsSequence()) return r.fail(cpath, "expected a list");
  for (std::size_t i = 0; i < node["claims"].size(); ++i) {
    const YAML::Node c = node["claims"][i];
    const std::string p = reader::index(cpath, i);
    gateway::claim_requirement req;
    if (!r.map(c, p, {"name", "equals", "one_of"})) return false;
    if (!c["name"] || !r.string(c["name"], reader::join(p, "name"), &req.claim)) {
      return r.fail(reader::join(p, "name"), "required (a string)");
    }
    if (c["equals"].IsDefined() == c["one_of"].IsDefined()) {
      return r.fail(p, "needs exactly one of equals / one_of");
    }
    if (c["equals"]) {
      std::string v;
      if (!r.string(c["equals"], reader::join(p, "equals"), &v)) return false;
      req.one_of.push_back(std::move(v));
    } else if (!r.strings(c["one_of"], reader::join(p, "one_of"), &req.one_of)) {
      return false;
    }
    out->claims.push_back(std::move(req));
  }
  return true;
}

bool read_provider(reader& r, const std::string& name, const YAML::Node& node,
                   const std::string& path, provider_config* out) {
  out->name = name;
  if (!r.map(node, path,
             {"issuer", "audiences", "algorithms", "local_jwks", "local_pem", "remote_jwks",
              "clock_skew_seconds", "cache_entries", "from_headers", "from_cookies",
              "claim_to_headers", "forward_payload_header", "requirements"})) {
    return false;
  }
  auto at = [&](const char* key) { return reader::join(path, key); };
  if (node["issuer"] && !r.string(node["issuer"], at("issuer"), &out->issuer)) return false;
  if (node["audiences"] && !r.strings(node["audiences"], at("audiences"), &out->audiences)) {
    return false;
  }
  if (!node["algorithms"]) return r.fail(at("algorithms"), "required (the allow-list)");
  if (!read_algorithms(r, node["algorithms"], at("algorithms"), &out->algorithms)) return false;
  int sources = 0;
  if (node["local_jwks"]) {
    ++sources;
    out->local_jwks_file.emplace();
    if (!read_filename(r, node["local_jwks"], at("local_jwks"), &*out->local_jwks_file)) {
      return false;
    }
  }
  if (node["local_pem"]) {
    ++sources;
    out->local_pem_file.emplace();
    if (!read_filename(r, node["local_pem"], at("local_pem"), &*out->local_pem_file)) {
      return false;
    }
  }
  if (node["remote_jwks"]) {
    ++sources;
    out->remote_jwks.emplace();
    if (!read_remote(r, node["remote_jwks"], at("remote_jwks"), &*out->remote_jwks)) return false;
  }
  if (sources != 1) {
    return r.fail(path, "needs exactly one key source (local_jwks, local_pem or remote_jwks)");
  }
  if (out->remote_jwks && out->remote_jwks->discovery && out->issuer.empty()) {
    return r.fail(at("remote_jwks.discovery"), "needs the provider's issuer");
  }
  if (node["clock_skew_seconds"] && !r.number(node["clock_skew_seconds"], at("clock_skew_seconds"),
                                              0, kMaxLeewaySeconds, &out->clock_skew_seconds)) {
    return false;
  }
  double entries = static_cast<double>(out->cache_entries);
  if (node["cache_entries"] && !r.number(node["cache_entries"], at("cache_entries"), 0,
                                         static_cast<double>(kMaxCacheEntries), &entries)) {
    return false;
  }
  if (entries != static_cast<double>(static_cast<std::size_t>(entries))) {
    return r.fail(at("cache_entries"), "expected a whole number");
  }
  out->cache_entries = static_cast<std::size_t>(entries);
  if (node["from_headers"]) {
    const YAML::Node h = node["from_headers"];
    if (!h.IsSequence()) return r.fail(at("from_headers"), "expected a list");
    for (std::size_t i = 0; i < h.size(); ++i) {
      const std::string p = reader::index(at("from_headers"), i);
      gateway::header_location loc;
      if (!r.map(h[i], p, {"name", "value_prefix"})) return false;
      if (!h[i]["name"] || !r.string(h[i]["name"], reader::join(p, "name"), &loc.name)) {
        return r.fail(reader::join(p, "name"), "required (a string)");
      }
      if (h[i]["value_prefix"] &&
          !r.string(h[i]["value_prefix"], reader::join(p, "value_prefix"), &loc.value_prefix)) {
        return false;
      }
      out->from_headers.push_back(std::move(loc));
    }
  }
  if (node["from_cookies"] &&
      !r.strings(node["from_cookies"], at("from_cookies"), &out->from_cookies)) {
    return false;
  }
  if (node["claim_to_headers"]) {
    const YAML::Node h = node["claim_to_headers"];
    if (!h.IsSequence()) return r.fail(at("claim_to_headers"), "expected a list");
    for (std::size_t i = 0; i < h.size(); ++i) {
      const std::string p = reader::index(at("claim_to_headers"), i);
      gateway::claim_header ch;
      if (!r.map(h[i], p, {"claim_name", "header_name"})) return false;
      if (!h[i]["claim_name"] || !h[i]["header_name"]) {
        return r.fail(p, "needs claim_name and header_name");
      }
      if (!r.string(h[i]["claim_name"], reader::join(p, "claim_name"), &ch.claim) ||
          !r.string(h[i]["header_name"], reader::join(p, "header_name"), &ch.header)) {
        return false;
      }
      out->claim_to_headers.push_back(std::move(ch));
    }
  }
  if (node["forward_payload_header"] &&
      !r.string(node["forward_payload_header"], at("forward_payload_header"),
                &out->forward_payload_header)) {
    return false;
  }
  return !node["requirements"] ||
         read_requirements(r, node["requirements"], at("requirements"), &out->require);
}

bool read_revocation(reader& r, const YAML::Node& node, revocation_config* out) {
  const std::string path = "revocation";
  if (!r.map(node, path, {"redis", "max_staleness", "fail_closed"})) return false;
  if (!node["redis"]) return r.fail("revocation.redis", "required (HOST:PORT[/KEY])");
  if (!r.string(node["redis"], "revocation.redis", &out->redis)) return false;
  std::string bad;
  if (!parse_redis_endpoint(out->redis, &bad)) return r.fail("revocation.redis", bad);
  if (node["max_staleness"] && !r.number(node["max_staleness"], "revocation.max_staleness", 0,
                                         86400, &out->max_staleness_seconds)) {
    return false;
  }
  return !node["fail_closed"] ||
         r.boolean(node["fail_closed"], "revocation.fail_closed", &out->fail_closed);
}

std::shared_ptr<const key_set> load_keys(const provider_config& p, std::string* why) {
  const std::string* file = p.local_jwks_file ? &*p.local_jwks_file : &*p.local_pem_file;
  std::ifstream in(*file, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) {
    *why = "provider '" + p.name + "': cannot read " + *file;
    return nullptr;
  }
  key_set_builder b;
  status s =
      p.local_jwks_file ? b.add_jwks(content.str(), *file) : b.add_pem(content.str(), "", *file);
  auto built = s == status::ok ? b.build() : key_set_result{};
  if (!built) {
    *why = "provider '" + p.name + "': " + (b.error().empty() ? built.error : b.error());
    return nullptr;
  }
  return built.set;
}

}  // namespace

std::optional<serve_config> parse_config(const std::string& yaml, std::string* why) {
  reader r(why);
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!r.map(root, "(top level)", {"providers", "revocation"})) return std::nullopt;
    if (!root["providers"] || !root["providers"].IsMap() || root["providers"].size() == 0) {
      r.fail("providers", "required: a map of at least one provider");
      return std::nullopt;
    }
    serve_config c;
    std::set<std::string> names;
    for (const auto& kv : root["providers"]) {
      if (!kv.first.IsScalar()) {
        r.fail("providers", "a provider name is not a string");
        return std::nullopt;
      }
      const std::string name = kv.first.Scalar();
      const std::string path = "providers." + name;
      if (!names.insert(name).second) {
        r.fail(path, "duplicate provider");
        return std::nullopt;
      }
      provider_config p;
      if (!read_provider(r, name, kv.second, path, &p)) return std::nullopt;
      c.providers.push_back(std::move(p));
    }
    if (root["revocation"]) {
      c.revocation.emplace();
      if (!read_revocation(r, root["revocation"], &*c.revocation)) return std::nullopt;
    }
    return c;
  } catch (const YAML::Exception& e) {
    if (why) *why = "YAML: " + std::string(e.what());
  } catch (const std::exception& e) {
    if (why) *why = "config: " + std::string(e.what());
  }
  return std::nullopt;
}

std::optional<serve_config> load_config(const std::string& path, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) {
    if (why) *why = path + ": cannot read the file";
    return std::nullopt;
  }
  auto c = parse_config(content.str(), why);
  if (!c && why) *why = path + ": " + *why;
  return c;
}

std::optional<gateway::gateway_config> build_gateway(const serve_config& c, std::string* why,
                                                     key_sources* sources,
                                                     const revocation_set* revoked) {
  std::string local_why;
  if (!why) why = &local_why;
  if (c.revocation && !revoked) {
    *why = "revocation: no revocation list was provided to check it against";
    return std::nullopt;
  }
  gateway::gateway_config g;
  for (const provider_config& p : c.providers) {
    std::shared_ptr<const key_set> keys;
    std::shared_ptr<key_store> store;
    if (p.remote_jwks) {
      if (!sources) {
        *why = "provider '" + p.name + "': remote_jwks needs key sources to run its fetcher";
        return std::nullopt;
      }
      store = sources->add_remote(p, why);
      if (!store) return std::nullopt;
    } else {
      keys = load_keys(p, why);
      if (!keys) return std::nullopt;
      if (sources) sources->add_local(p.name);
    }
    verifier_options o;
    o.algorithms = p.algorithms;
    o.claims.leeway_seconds = p.clock_skew_seconds;
    if (!p.issuer.empty()) o.claims.issuers = {p.issuer};
    o.claims.audiences = p.audiences;
    o.cache_entries = p.cache_entries;
    if (c.revocation) {
      o.claims.revoked = revoked;
      o.claims.revocation_max_staleness_seconds = c.revocation->max_staleness_seconds;
      o.claims.revocation_fail_closed = c.revocation->fail_closed;
    }
    std::string vwhy;
    if (validate_options(o, &vwhy) != status::ok) {
      *why = "provider '" + p.name + "': " + vwhy;
      return std::nullopt;
    }
    gateway::provider gp;
    gp.name = p.name;
    gp.issuer = p.issuer;
    gp.from_headers = p.from_headers;
    gp.from_cookies = p.from_cookies;
    gp.claim_to_headers = p.claim_to_headers;
    gp.forward_payload_header = p.forward_payload_header;
    gp.require = p.require;
    gp.verify = store ? std::make_shared<const verifier>(std::move(store), std::move(o))
                      : std::make_shared<const verifier>(std::move(keys), std::move(o));
    g.providers.push_back(std::move(gp));
  }
  if (std::string bad = gateway::validate(g); !bad.empty()) {
    *why = bad;
    return std::nullopt;
  }
  return g;
}

}  // namespace jwtx::serve
