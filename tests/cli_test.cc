// End-to-end tests of the `jwtx` binary: keygen -> mint -> verify / decode, run as a real process
// in a scratch directory. JWTX_CLI_PATH (set by tests/CMakeLists.txt) names the built binary.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/fingerprint.h"
#include "tests/cli_fixture.h"
#include "tests/redis_server.h"

#ifdef JWTX_CLI_PATH

namespace {

using namespace jwtx::testing;  // NOLINT: the fixture and its helpers

TEST_F(CliTest, KeygenMintVerifyEveryAlgorithmFamily) {
  for (std::string alg : {"HS256", "RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"}) {
    SCOPED_TRACE(alg);
    const std::string kid = keygen(alg);
    ASSERT_TRUE(fs::exists(path(kid + ".private.jwk.json")));
    if (alg.starts_with("HS")) {
      EXPECT_EQ(fs::file_size(path(kid + ".secret")), 32u);
    } else {
      ASSERT_TRUE(fs::exists(path(kid + ".public.jwks.json")));
      ASSERT_TRUE(fs::exists(path(kid + ".private.pem")));
      ASSERT_TRUE(fs::exists(path(kid + ".public.pem")));
      const std::string jwks = slurp(path(kid + ".public.jwks.json"));
      EXPECT_EQ(jwks.find("\"d\""), std::string::npos) << "private member in public JWKS";
      EXPECT_NE(slurp(path(kid + ".public.pem")).find("BEGIN PUBLIC KEY"), std::string::npos);
    }

    const auto tokens =
        mint({"--key", path(kid + ".private.jwk.json"), "--claims", R"({"sub":"alice","n":1})",
              "--exp-in", "600", "--iat-now", "--count", "3"});
    ASSERT_EQ(tokens.size(), 3u);
    EXPECT_NE(tokens[0], tokens[1]);  // distinct jti

    std::vector<std::string> args = {"verify"};
    for (auto& a : key_args(alg, kid)) args.push_back(a);
    args.insert(args.end(), tokens.begin(), tokens.end());
    run_result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u);
    simdjson::dom::parser parser;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto obj = parse_line(parser, lines[i]);
      bool valid = false;
      EXPECT_EQ(obj["valid"].get_bool().get(valid), simdjson::SUCCESS);
      EXPECT_TRUE(valid) << lines[i];
      EXPECT_EQ(str(obj, "error"), "ok");
      EXPECT_EQ(str(obj, "alg"), alg);
      EXPECT_EQ(str(obj, "kid"), kid);
      EXPECT_EQ(str(obj, "sub"), "alice");
      EXPECT_EQ(str(obj, "fingerprint"), std::string(jwtx::view(jwtx::fingerprint(tokens[i]))));
    }
    expect_no_token(r, tokens);

    if (!alg.starts_with("HS")) {
      // The same tokens verify against the PEM public key (kid taken from the file name).
      run_result p = run({"verify", "--pem", path(kid + ".public.pem"), "--algs", alg, tokens[0]});
      EXPECT_EQ(p.exit_code, 0) << p.err << p.out;
      EXPECT_NE(p.out.find("\"valid\":true"), std::string::npos) << p.out;
    }
  }
}

TEST_F(CliTest, TamperedSignatureIsBadSignature) {
  const std::string kid = keygen("ES256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600"});
  ASSERT_EQ(tokens.size(), 1u);
  const std::string bad = tamper_signature(tokens[0]);
  ASSERT_NE(bad, tokens[0]);
  std::vector<std::string> args = {"verify"};
  for (auto& a : key_args("ES256", kid)) args.push_back(a);
  args.push_back(bad);
  run_result r = run(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("\"valid\":false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"error\":\"bad_signature\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"sub\":null"), std::string::npos) << r.out;
  expect_no_token(r, {bad, tokens[0]});
}

TEST_F(CliTest, WrongKeyIsRejected) {
  const std::string signer = keygen("RS256");
  run_result g = run({"keygen", "--alg", "RS256", "--kid", signer, "--out-dir", path("other")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const auto tokens = mint({"--key", path(signer + ".private.jwk.json"), "--exp-in", "600"});
  ASSERT_EQ(tokens.size(), 1u);
  run_result r = run({"verify", "--jwks", path("other/" + signer + ".public.jwks.json"), "--algs",
                      "RS256", tokens[0]});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("\"error\":\"bad_signature\""), std::string::npos) << r.out;
}

TEST_F(CliTest, ExpiryFollowsInjectedClock) {
  const std::string kid = keygen("EdDSA");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--claims", R"({"sub":"x"})",
                            "--now", "1000000", "--exp-in", "30"});
  ASSERT_EQ(tokens.size(), 1u);
  auto verify_at = [&](const std::string& now) {
    std::vector<std::string> args = {"verify", "--now", now, "--leeway", "0"};
    for (auto& a : key_args("EdDSA", kid)) args.push_back(a);
    args.push_back(tokens[0]);
    return run(args);
  };
  run_result later = verify_at("1000100");
  EXPECT_EQ(later.exit_code, 1);
  EXPECT_NE(later.out.find("\"error\":\"expired\""), std::string::npos) << later.out;
  run_result within = verify_at("1000010");
  EXPECT_EQ(within.exit_code, 0) << within.out;
  EXPECT_NE(within.out.find("\"error\":\"ok\""), std::string::npos) << within.out;
}

TEST_F(CliTest, MissingKeyFileIsUsageErrorNamingTheFile) {
  run_result r = run({"verify", "--jwks", path("no-such-keys.json"), "--algs", "RS256", "a.b.c"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-keys.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(CliTest, InvalidKeyFileIsUsageErrorWithReason) {
  // A private JWK is not a JWKS: the load must fail and say why, naming the file.
  const std::string kid = keygen("ES256");
  const std::string file = path(kid + ".private.jwk.json");
  run_result r = run({"verify", "--jwks", file, "--algs", "ES256", "a.b.c"});
  EXPECT_EQ(r.exit_code, 2);
  // File names in messages are quoted (and escaped): jwtx::cli::quote_input.
  EXPECT_NE(r.err.find("cannot load keys from \"" + file + "\""), std::string::npos) << r.err;
  // A JWKS carrying the private key is refused too (a verifier must not hold signing keys).
  const std::string jwks = path("private.jwks.json");
  std::ofstream(jwks) << "{\"keys\":[" << slurp(file) << "]}";
  run_result p = run({"verify", "--jwks", jwks, "--algs", "ES256", "a.b.c"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("private.jwks.json"), std::string::npos) << p.err;
}

TEST_F(CliTest, AlgNoneAndUnknownAlgsAreUsageErrors) {
  const std::string kid = keygen("ES256");
  for (std::string algs : {"none", "ES256,none", "ES256,HS257", "NONE"}) {
    SCOPED_TRACE(algs);
    run_result r =
        run({"verify", "--jwks", path(kid + ".public.jwks.json"), "--algs", algs, "a.b.c"});
    EXPECT_EQ(r.exit_code, 2);
    const std::string bad = algs.substr(algs.rfind(',') + 1);
    EXPECT_NE(r.err.find("\"" + bad + "\""), std::string::npos) << r.err;
  }
  run_result no_keys = run({"verify", "--algs", "ES256", "a.b.c"});
  EXPECT_EQ(no_keys.exit_code, 2);
  run_result bad_flag = run({"verify", "--no-such-flag"});
  EXPECT_EQ(bad_flag.exit_code, 2);
}

TEST_F(CliTest, SummaryCountsEveryStatus) {
  const std::string kid = keygen("ES256");
  auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "5"});
  ASSERT_EQ(tokens.size(), 5u);
  std::string input;
  for (const auto& t : tokens) input += t + "\r\n";  // CRLF input is accepted
  input += tamper_signature(tokens[0]) + "\n\n";     // a blank line is a (malformed) token
  input += "not-a-token\n";
  std::vector<std::string> args = {"verify", "--summary", "--threads", "2"};
  for (auto& a : key_args("ES256", kid)) args.push_back(a);
  run_result r = run(args, input);
  EXPECT_EQ(r.exit_code, 1);
  simdjson::dom::parser parser;
  auto obj = parse_line(parser, lines_of(r.out).at(0));
  std::uint64_t total = 0, ok = 0, bad_sig = 0, malformed = 0;
  EXPECT_EQ(obj["total"].get_uint64().get(total), simdjson::SUCCESS);
  EXPECT_EQ(obj["counts"]["ok"].get_uint64().get(ok), simdjson::SUCCESS);
  EXPECT_EQ(obj["counts"]["bad_signature"].get_uint64().get(bad_sig), simdjson::SUCCESS);
  EXPECT_EQ(obj["counts"]["malformed"].get_uint64().get(malformed), simdjson::SUCCESS);
  EXPECT_EQ(total, 8u);
  EXPECT_EQ(ok, 5u);
  EXPECT_EQ(bad_sig, 1u);
  EXPECT_EQ(malformed, 2u);  // the blank line and "not-a-token"
  double rate = 0;
  EXPECT_EQ(obj["tokens_per_second"].get_double().get(rate), simdjson::SUCCESS);
  EXPECT_GT(rate, 0);
  EXPECT_EQ(lines_of(r.out).size(), 1u);  // only the summary
  expect_no_token(r, tokens);
}

TEST_F(CliTest, RepeatedTokensAreCacheHitsUnlessTheCacheIsOff) {
  const std::string kid = keygen("ES256");
  auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "4"});
  ASSERT_EQ(tokens.size(), 4u);
  std::string input;
  for (int round = 0; round < 3; ++round)
    for (const auto& t : tokens) input += t + "\n";
  input += tamper_signature(tokens[0]) + "\n";  // a bad copy of a cached token: still rejected
  for (const char* entries : {"1024", "0"}) {
    std::vector<std::string> args = {"verify", "--summary", "--cache-entries", entries};
    for (auto& a : key_args("ES256", kid)) args.push_back(a);
    run_result r = run(args, input);
    EXPECT_EQ(r.exit_code, 1);
    simdjson::dom::parser parser;
    auto obj = parse_line(parser, lines_of(r.out).at(0));
    std::uint64_t ok = 0, bad_sig = 0, hits = 0, misses = 0, inserts = 0;
    EXPECT_EQ(obj["counts"]["ok"].get_uint64().get(ok), simdjson::SUCCESS);
    EXPECT_EQ(obj["counts"]["bad_signature"].get_uint64().get(bad_sig), simdjson::SUCCESS);
    EXPECT_EQ(ok, 12u);
    EXPECT_EQ(bad_sig, 1u);
    if (std::string_view(entries) == "0") {
      EXPECT_EQ(obj["cache"].error(), simdjson::NO_SUCH_FIELD);
      continue;
    }
    EXPECT_EQ(obj["cache"]["hits"].get_uint64().get(hits), simdjson::SUCCESS);
    EXPECT_EQ(obj["cache"]["misses"].get_uint64().get(misses), simdjson::SUCCESS);
    EXPECT_EQ(obj["cache"]["inserts"].get_uint64().get(inserts), simdjson::SUCCESS);
    EXPECT_EQ(hits, 8u);
    EXPECT_EQ(misses, 5u);  // 4 first sightings + the tampered copy
    EXPECT_EQ(inserts, 4u);
    expect_no_token(r, tokens);
  }
}

TEST_F(CliTest, RevokeThenVerifyAgainstRedisAndFailClosedWhenItIsGone) {
  jwtx::testing::redis_server redis;
  std::string why;
  ASSERT_TRUE(redis.start(&why)) << why;
  const std::string where = "127.0.0.1:" + std::to_string(redis.port()) + "/fleet:revoked";
  const std::string kid = keygen("ES256");
  const auto with_jti = [&](const std::string& jti) {
    auto t = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--claims",
                   R"({"jti":")" + jti + R"("})"});
    return t.at(0);
  };
  const std::string revoked = with_jti("stolen-1"), fine = with_jti("fine-1");
  run_result r = run({"revoke", "--redis", where, "--jti", "stolen-1", "--ttl", "600"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::vector<std::string> args = {"verify", "--revocation-redis", where};
  for (auto& a : key_args("ES256", kid)) args.push_back(a);
  r = run(args, revoked + "\n" + fine + "\n");
  EXPECT_EQ(r.exit_code, 1);
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(R"("error":"revoked")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"("error":"ok")"), std::string::npos) << lines[1];
  expect_no_token(r, {revoked, fine});

  // Redis gone: the list cannot be loaded. Fail-closed rejects tokens that carry a jti.
  redis.kill();
  args.insert(args.end(), {"--revocation-fail-closed", "--revocation-max-staleness", "0",
                           "--revocation-wait", "0.2"});
  r = run(args, fine + "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(R"("error":"revocation_unavailable")"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("not loaded yet"), std::string::npos) << r.err;
  args.erase(std::find(args.begin(), args.end(), "--revocation-fail-closed"));
  r = run(args, fine + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // fail-open (the default) accepts
  std::vector<std::string> bad = {"verify", "--revocation-redis", "no-port"};
  for (auto& a : key_args("ES256", kid)) bad.push_back(a);
  r = run(bad, fine + "\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--revocation-redis"), std::string::npos) << r.err;
}

TEST_F(CliTest, ThreadedOutputKeepsInputOrder) {
  const std::string kid = keygen("HS256");
  auto tokens =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "40"});
  ASSERT_EQ(tokens.size(), 40u);
  for (std::size_t i = 0; i < tokens.size(); i += 3) tokens[i] = tamper_signature(tokens[i]);
  std::string input;
  for (const auto& t : tokens) input += t + "\n";
  std::vector<std::string> args = {"verify", "--threads", "4"};
  for (auto& a : key_args("HS256", kid)) args.push_back(a);
  run_result r = run(args, input);
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), tokens.size());
  simdjson::dom::parser parser;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    auto obj = parse_line(parser, lines[i]);
    EXPECT_EQ(str(obj, "fingerprint"), std::string(jwtx::view(jwtx::fingerprint(tokens[i]))));
    EXPECT_EQ(str(obj, "error"), i % 3 == 0 ? "bad_signature" : "ok") << i;
  }
  expect_no_token(r, tokens);
}

TEST_F(CliTest, RevokedJtiAndRequiredClaims) {
  const std::string kid = keygen("ES384");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--claims",
                            R"({"sub":"s","iss":"me"})", "--exp-in", "600", "--count", "2"});
  ASSERT_EQ(tokens.size(), 2u);
  run_result d = run({"decode", tokens[0]});
  simdjson::dom::parser parser;
  auto decoded = parse_line(parser, lines_of(d.out).at(0));
  std::string_view jti;
  ASSERT_EQ(decoded["claims"]["jti"].get_string().get(jti), simdjson::SUCCESS) << d.out;
  std::ofstream(path("revoked.txt")) << "other\n" << jti << "\r\n";

  std::vector<std::string> base = {"verify"};
  for (auto& a : key_args("ES384", kid)) base.push_back(a);
  auto args = base;
  args.insert(args.end(), {"--revoked-jti", path("revoked.txt"), tokens[0], tokens[1]});
  run_result r = run(args);
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"error\":\"revoked\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"error\":\"ok\""), std::string::npos) << lines[1];

  args = base;
  args.insert(args.end(), {"--require", "sub,aud", tokens[1]});
  run_result missing = run(args);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("\"error\":\"missing_claim\""), std::string::npos) << missing.out;

  args = base;
  args.insert(args.end(), {"--iss", "someone-else", "--iss", "me", tokens[1]});
  run_result iss = run(args);
  EXPECT_EQ(iss.exit_code, 0) << iss.out << iss.err;

  args = base;
  args.insert(args.end(), {"--iss", "someone-else", tokens[1]});
  run_result wrong_iss = run(args);
  EXPECT_EQ(wrong_iss.exit_code, 1);
  EXPECT_NE(wrong_iss.out.find("\"error\":\"issuer_mismatch\""), std::string::npos);
}

TEST_F(CliTest, ExpIsRequiredUnlessDisabled) {
  const std::string kid = keygen("EdDSA");
  const auto tokens =
      mint({"--key", path(kid + ".private.jwk.json"), "--claims", R"({"sub":"s"})"});
  ASSERT_EQ(tokens.size(), 1u);
  std::vector<std::string> args = {"verify"};
  for (auto& a : key_args("EdDSA", kid)) args.push_back(a);
  auto with_require = args;
  with_require.insert(with_require.end(), {"--require", "sub", tokens[0]});
  run_result r = run(with_require);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("\"error\":\"missing_claim\""), std::string::npos) << r.out;
  auto relaxed = args;
  relaxed.insert(relaxed.end(), {"--no-require-exp", tokens[0]});
  run_result ok = run(relaxed);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

TEST_F(CliTest, DecodeWarnsAndNeverPrintsTheToken) {
  const std::string kid = keygen("RS256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--claims",
                            R"({"sub":"carol","role":"admin"})", "--exp-in", "60"});
  ASSERT_EQ(tokens.size(), 1u);
  run_result r = run({"decode"}, tokens[0] + "\nx.y\n");
  EXPECT_EQ(r.exit_code, 1);  // the second line is not a JWS
  EXPECT_EQ(r.err.rfind("UNVERIFIED: signature NOT checked", 0), 0u) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u);
  simdjson::dom::parser parser;
  auto obj = parse_line(parser, lines[0]);
  bool verified = true;
  EXPECT_EQ(obj["verified"].get_bool().get(verified), simdjson::SUCCESS);
  EXPECT_FALSE(verified);
  EXPECT_EQ(str(obj["header"].get_object().value(), "alg"), "RS256");
  EXPECT_EQ(str(obj["claims"].get_object().value(), "sub"), "carol");
  EXPECT_EQ(str(obj, "fingerprint"), std::string(jwtx::view(jwtx::fingerprint(tokens[0]))));
  EXPECT_NE(lines[1].find("\"error\":\"malformed\""), std::string::npos) << lines[1];
  expect_no_token(r, tokens);
}

TEST_F(CliTest, KeygenRefusesToOverwrite) {
  const std::string kid = keygen("ES256");
  const std::string before = slurp(path(kid + ".private.jwk.json"));
  run_result r = run({"keygen", "--alg", "ES256", "--kid", kid, "--out-dir", dir_.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(kid + ".private.jwk.json"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(path(kid + ".private.jwk.json")), before);
  EXPECT_EQ(fs::status(path(kid + ".private.jwk.json")).permissions() & fs::perms::others_read,
            fs::perms::none);
}

}  // namespace

#endif  // JWTX_CLI_PATH
