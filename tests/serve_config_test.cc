// tools/jwtx/serve/config: the strict YAML config of `jwtx serve` and the gateway built from it.
#ifdef JWTX_SERVE
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/test_support.h"
#include "tools/jwtx/serve/config.h"
#include "tools/jwtx/serve/key_sources.h"

namespace jwtx::serve {
namespace {

using jwtx::testing::key_for;

// A JWKS file with the ES256 test key, removed at the end of the test.
class ServeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jwks_path_ = ::testing::TempDir() + "serve_config_" + std::to_string(::getpid()) + ".json";
    std::ofstream(jwks_path_) << make_jwks({key_for(algorithm::ES256).public_jwk()});
  }
  void TearDown() override { std::remove(jwks_path_.c_str()); }

  std::string provider_yaml(const std::string& extra = "") const {
    return "providers:\n"
           "  corp:\n"
           "    issuer: https://issuer.example\n"
           "    audiences: [api]\n"
           "    algorithms: [ES256]\n"
           "    local_jwks: {filename: " +
           jwks_path_ + "}\n" + extra;
  }

  // The error message of parse_config() (empty when it parsed).
  static std::string parse_error(const std::string& yaml) {
    std::string why;
    return parse_config(yaml, &why) ? "" : why;
  }

  std::string jwks_path_;
};

TEST_F(ServeConfigTest, FullProviderParsesAndBuilds) {
  std::string why;
  auto c = parse_config(provider_yaml("    clock_skew_seconds: 30\n"
                                      "    from_headers: [{name: X-Jwt, value_prefix: \"Tok \"}]\n"
                                      "    from_cookies: [session]\n"
                                      "    claim_to_headers:\n"
                                      "      - {claim_name: sub, header_name: X-Jwt-Sub}\n"
                                      "    forward_payload_header: X-Jwt-Payload\n"
                                      "    requirements:\n"
                                      "      scopes: [read]\n"
                                      "      claims:\n"
                                      "        - {name: tenant, one_of: [acme, globex]}\n"
                                      "        - {name: email_verified, equals: \"true\"}\n"),
                        &why);
  ASSERT_TRUE(c) << why;
  ASSERT_EQ(c->providers.size(), 1u);
  const provider_config& p = c->providers[0];
  EXPECT_EQ(p.name, "corp");
  EXPECT_EQ(p.clock_skew_seconds, 30);
  EXPECT_EQ(p.cache_entries, 65536u);
  ASSERT_EQ(p.from_headers.size(), 1u);
  EXPECT_EQ(p.from_headers[0].value_prefix, "Tok ");
  EXPECT_EQ(p.require.claims.size(), 2u);
  EXPECT_EQ(p.require.claims[1].one_of, std::vector<std::string>{"true"});
  auto g = build_gateway(*c, &why);
  ASSERT_TRUE(g) << why;
  ASSERT_EQ(g->providers.size(), 1u);
  // The built verifier enforces the provider's issuer, audience and algorithms.
  std::string token = jwtx::testing::craft(
      key_for(algorithm::ES256), algorithm::ES256,
      jwtx::testing::std_header(algorithm::ES256, "ES256-key"),
      "{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"exp\":9999999999}");
  EXPECT_EQ(g->providers[0].verify->verify(token).status(), jwtx::status::ok);
}

TEST_F(ServeConfigTest, UnknownKeysAndWrongTypesNameThePath) {
  EXPECT_EQ(parse_error(provider_yaml("    audience: [api]\n")),
            "providers.corp.audience: unknown key");
  EXPECT_EQ(parse_error(provider_yaml("    clock_skew_seconds: soon\n")),
            "providers.corp.clock_skew_seconds: expected a number");
  EXPECT_EQ(parse_error(provider_yaml("    clock_skew_seconds: 100000\n")),
            "providers.corp.clock_skew_seconds: must be in [0, 86400]");
  EXPECT_EQ(parse_error(provider_yaml("    cache_entries: 1.5\n")),
            "providers.corp.cache_entries: expected a whole number");
  EXPECT_EQ(parse_error(provider_yaml("    from_cookies: [a, [b]]\n")),
            "providers.corp.from_cookies[1]: expected a string");
  EXPECT_EQ(parse_error(provider_yaml("    requirements: {scopes: [a], claim: []}\n")),
            "providers.corp.requirements.claim: unknown key");
  EXPECT_EQ(parse_error(provider_yaml("    requirements: {claims: [{name: t}]}\n")),
            "providers.corp.requirements.claims[0]: needs exactly one of equals / one_of");
  EXPECT_EQ(parse_error(provider_yaml("    claim_to_headers: [{claim_name: sub}]\n")),
            "providers.corp.claim_to_headers[0]: needs claim_name and header_name");
  EXPECT_EQ(
      parse_error("providers:\n  corp: {algorithms: [ES256, none], local_pem: {filename: x}}"),
      "providers.corp.algorithms[1]: unknown algorithm 'none'");
  EXPECT_EQ(parse_error("providers:\n  corp: {local_pem: {filename: x}}"),
            "providers.corp.algorithms: required (the allow-list)");
  EXPECT_EQ(parse_error("providers:\n  corp: {algorithms: [ES256]}"),
            "providers.corp: needs exactly one key source (local_jwks, local_pem or remote_jwks)");
  EXPECT_EQ(parse_error(provider_yaml("    local_pem: {filename: x}\n")),
            "providers.corp: needs exactly one key source (local_jwks, local_pem or remote_jwks)");
  EXPECT_EQ(parse_error("provider: {}"), "(top level).provider: unknown key");
  EXPECT_EQ(parse_error("providers: {}"), "providers: required: a map of at least one provider");
  EXPECT_EQ(parse_error("- a\n- b"), "(top level): expected a map");
  EXPECT_EQ(parse_error(provider_yaml("    issuer: again\n")),
            "providers.corp.issuer: duplicate key");
  EXPECT_EQ(parse_error("providers: [unclosed").rfind("YAML: ", 0), 0u);
}

TEST_F(ServeConfigTest, RemoteJwksOptionsParseStrictly) {
  std::string why;
  auto c = parse_config(
      "providers:\n  idp:\n    issuer: https://idp.example\n    algorithms: [RS256]\n"
      "    remote_jwks: {uri: https://idp.example/jwks, cache_duration: 600, timeout: 1.5,\n"
      "                  min_cache: 30, max_cache: 3600, min_refetch_interval: 5,\n"
      "                  ca_file: /etc/ca.pem}\n",
      &why);
  ASSERT_TRUE(c) << why;
  ASSERT_TRUE(c->providers[0].remote_jwks);
  const remote_jwks_config& r = *c->providers[0].remote_jwks;
  EXPECT_EQ(r.uri, "https://idp.example/jwks");
  EXPECT_FALSE(r.discovery);
  EXPECT_EQ(r.cache_duration_seconds, 600);
  EXPECT_EQ(r.timeout_seconds, 1.5);
  EXPECT_EQ(r.min_cache_seconds, 30);
  EXPECT_EQ(r.max_cache_seconds, 3600);
  EXPECT_EQ(r.min_refetch_interval_seconds, 5);
  EXPECT_EQ(r.ca_file, "/etc/ca.pem");

  auto remote = [](const std::string& body, const std::string& issuer = "https://idp.example") {
    return "providers:\n  idp:\n    issuer: " + issuer +
           "\n    algorithms: [RS256]\n    remote_jwks: {" + body + "}\n";
  };
  c = parse_config(remote("discovery: true"), &why);
  ASSERT_TRUE(c) << why;
  EXPECT_TRUE(c->providers[0].remote_jwks->discovery);
  EXPECT_EQ(c->providers[0].remote_jwks->uri, "");
  EXPECT_EQ(parse_error(remote("discovery: true", "\"\"")),
            "providers.idp.remote_jwks.discovery: needs the provider's issuer");
  EXPECT_EQ(parse_error(remote("cache_duration: 60")),
            "providers.idp.remote_jwks: needs exactly one of uri / discovery: true");
  EXPECT_EQ(parse_error(remote("uri: https://x/j, discovery: true")),
            "providers.idp.remote_jwks: needs exactly one of uri / discovery: true");
  EXPECT_EQ(parse_error(remote("uri: https://x/j, discovery: yes please")),
            "providers.idp.remote_jwks.discovery: expected true or false");
  EXPECT_EQ(parse_error(remote("uri: https://x/j, min_cache: 1.5")),
            "providers.idp.remote_jwks.min_cache: expected a whole number of seconds");
  EXPECT_EQ(parse_error(remote("uri: https://x/j, min_cache: 100, max_cache: 10")),
            "providers.idp.remote_jwks: min_cache must not exceed max_cache");
  EXPECT_EQ(parse_error(remote("uri: https://x/j, timeout: 0")),
            "providers.idp.remote_jwks.timeout: must be in [0.001, 60]");
  EXPECT_EQ(parse_error(remote("uri: https://x/j, refresh: 1")),
            "providers.idp.remote_jwks.refresh: unknown key");
}

TEST_F(ServeConfigTest, RemoteJwksStartsAFetcherWhoseStoreTheVerifierReads) {
  std::string why;
  // A loopback port nobody listens on: the fetcher starts, its first fetch fails.
  auto c = parse_config(
      "providers:\n  idp:\n    algorithms: [ES256]\n"
      "    remote_jwks: {uri: \"http://127.0.0.1:1/jwks\", timeout: 0.2}\n",
      &why);
  ASSERT_TRUE(c) << why;
  EXPECT_FALSE(build_gateway(*c, &why));
  EXPECT_EQ(why, "provider 'idp': remote_jwks needs key sources to run its fetcher");
  key_sources sources;
  auto g = build_gateway(*c, &why, &sources);
#ifdef JWTX_HAVE_REMOTE_JWKS
  ASSERT_TRUE(g) << why;
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_TRUE(sources.is_remote(0));
  EXPECT_FALSE(sources.ready(0));
  EXPECT_EQ(sources.not_ready(), "'idp'");
  EXPECT_EQ(sources.max_fetch_timeout(), std::chrono::milliseconds(200));
  // Until a set arrives the verifier sees an empty store: key_not_found, never a crash.
  std::string token = jwtx::testing::craft(key_for(algorithm::ES256), algorithm::ES256,
                                           jwtx::testing::std_header(algorithm::ES256, "ES256-key"),
                                           "{\"exp\":9999999999}");
  EXPECT_EQ(g->providers[0].verify->verify(token).status(), jwtx::status::key_not_found);
  metrics::registry registry;
  ASSERT_TRUE(sources.export_metrics(registry, &why)) << why;
  EXPECT_NE(registry.render().find("jwtx_jwks_ready{provider=\"idp\"} 0\n"), std::string::npos);
  // Bad fetcher options are refused with the provider's name.
  c = parse_config(
      "providers:\n  idp:\n    algorithms: [ES256]\n"
      "    remote_jwks: {uri: \"http://idp.example/jwks\"}\n",
      &why);
  ASSERT_TRUE(c) << why;
  key_sources more;
  EXPECT_FALSE(build_gateway(*c, &why, &more));
  EXPECT_NE(why.find("provider 'idp': remote JWKS uri: plain http"), std::string::npos) << why;
#else
  EXPECT_FALSE(g);
  EXPECT_NE(why.find("remote_jwks needs the JWTX_BORINGSSL=source build"), std::string::npos);
#endif
}

TEST_F(ServeConfigTest, BuildFailuresNameTheProvider) {
  std::string why;
  auto c = parse_config(
      "providers:\n  corp:\n    algorithms: [ES256]\n    local_jwks: {filename: /nonexistent/k}\n",
      &why);
  ASSERT_TRUE(c) << why;
  EXPECT_FALSE(build_gateway(*c, &why));
  EXPECT_EQ(why, "provider 'corp': cannot read /nonexistent/k");
  // Two providers for one issuer: gateway::validate() refuses.
  std::string two = provider_yaml() +
                    "  again:\n    issuer: https://issuer.example\n    algorithms: [ES256]\n"
                    "    local_jwks: {filename: " +
                    jwks_path_ + "}\n";
  c = parse_config(two, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_FALSE(build_gateway(*c, &why));
  EXPECT_NE(why.find("already used by provider 'corp'"), std::string::npos) << why;
}

}  // namespace
}  // namespace jwtx::serve
#endif  // JWTX_SERVE
