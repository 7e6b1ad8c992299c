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
#include "engine/version.h"
#include "tests/cli_fixture.h"
#include "tests/redis_server.h"

#ifdef JWTX_CLI_PATH

// ASan, TSan and MSan reserve terabytes of shadow address space, so `ulimit -v` breaks them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define JWTX_TEST_SHADOW_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define JWTX_TEST_SHADOW_SANITIZER 1
#endif
#endif
#ifndef JWTX_TEST_SHADOW_SANITIZER
#define JWTX_TEST_SHADOW_SANITIZER 0
#endif

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

// ---- Issue 9: CLI hardening. Each test below fails on the CLI of 787a239. ----

class CliHardeningTest : public CliTest {
 protected:
  // Verify args for a key made by keygen(), plus |extra|, plus |tokens|.
  std::vector<std::string> verify_with(const std::string& alg, const std::string& kid,
                                       const std::vector<std::string>& extra,
                                       const std::vector<std::string>& tokens = {}) {
    std::vector<std::string> args = {"verify"};
    for (auto& a : key_args(alg, kid)) args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), tokens.begin(), tokens.end());
    return args;
  }
  std::string fp(const std::string& token) {
    return std::string(jwtx::view(jwtx::fingerprint(token)));
  }
  // The "error" member of every output line.
  std::vector<std::string> errors_of(const run_result& r) {
    std::vector<std::string> errors;
    simdjson::dom::parser parser;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
      errors.push_back(str(parse_line(parser, line), "error"));
    return errors;
  }
  // Runs |shell_prefix| (e.g. "ulimit -v 250000;") then the CLI, like CliTest::run().
  run_result run_limited(const std::string& shell_prefix, const std::vector<std::string>& args,
                         const std::string& input) {
    const fs::path in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in, std::ios::binary) << input;
    std::string cmd = shell_prefix + " " + quote(JWTX_CLI_PATH);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " <" + quote(in.string()) + " >" + quote(out.string()) + " 2>" + quote(err.string());
    const int rc = std::system(("sh -c " + quote(cmd)).c_str());
    run_result r;
    r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }
};

// Item 7: one output line per input line; no input at all is exit 3, never "all valid".
TEST_F(CliHardeningTest, EmptyInputIsExitThreeAndBlankLinesAreMalformed) {
  const std::string kid = keygen("ES256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600"});
  ASSERT_EQ(tokens.size(), 1u);
  const std::string& t = tokens[0];

  for (bool summary : {false, true}) {
    SCOPED_TRACE(summary);
    auto args = verify_with(
        "ES256", kid, summary ? std::vector<std::string>{"--summary"} : std::vector<std::string>{});
    run_result empty = run(args, "");
    EXPECT_EQ(empty.exit_code, 3) << empty.out << empty.err;
    EXPECT_TRUE(empty.out.empty()) << empty.out;
    EXPECT_NE(empty.err.find("no tokens"), std::string::npos) << empty.err;
  }
  run_result decode_empty = run({"decode"}, "");
  EXPECT_EQ(decode_empty.exit_code, 3) << decode_empty.err;

  // Only blank lines (LF and CRLF): each is a malformed token, exit 1.
  run_result blanks = run(verify_with("ES256", kid, {}), "\n\r\n");
  EXPECT_EQ(blanks.exit_code, 1) << blanks.out;
  EXPECT_EQ(errors_of(blanks), (std::vector<std::string>{"malformed", "malformed"}));

  // Output line N answers input line N; a last line without '\n' counts; the final '\n' does not
  // add a line.
  run_result mixed = run(verify_with("ES256", kid, {}), t + "\r\n\n" + t + "\n\n" + t);
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_EQ(errors_of(mixed),
            (std::vector<std::string>{"ok", "malformed", "ok", "malformed", "ok"}));
  run_result final_newline = run(verify_with("ES256", kid, {}), t + "\n" + t + "\n");
  EXPECT_EQ(final_newline.exit_code, 0) << final_newline.out;
  EXPECT_EQ(errors_of(final_newline), (std::vector<std::string>{"ok", "ok"}));
  run_result decode_blank = run({"decode"}, t + "\n\n");
  EXPECT_EQ(lines_of(decode_blank.out).size(), 2u) << decode_blank.out;
  EXPECT_EQ(decode_blank.exit_code, 1);
}

// Item 8: --threads is bounded (RCU reader slots) and a failed thread start is survived.
TEST_F(CliHardeningTest, ThreadsAreBoundedAndThreadStartFailureDoesNotAbort) {
  const std::string kid = keygen("HS256");
  auto tokens =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "300"});
  ASSERT_EQ(tokens.size(), 300u);
  std::string input;
  for (const auto& t : tokens) input += t + "\n";
  for (const char* bad : {"129", "100000", "-1", "4294967297", "2.5"}) {
    SCOPED_TRACE(bad);
    run_result r = run(verify_with("HS256", kid, {"--threads", bad}), input);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
  }
  run_result most = run(verify_with("HS256", kid, {"--threads", "128", "--summary"}), input);
  EXPECT_EQ(most.exit_code, 0) << most.err;

#if JWTX_TEST_SHADOW_SANITIZER
  GTEST_SKIP() << "address space limits do not work under ASan/TSan/MSan";
#else
  // 250 MB of address space holds the process and only a few 8 MB thread stacks: most of the
  // 100 threads cannot start. Before: std::terminate (SIGABRT) with joinable threads alive.
  run_result limited = run_limited("ulimit -s 8192; ulimit -v 250000;",
                                   verify_with("HS256", kid, {"--threads", "100"}), input);
  EXPECT_EQ(limited.exit_code, 0) << limited.err;
  const auto lines = lines_of(limited.out);
  ASSERT_EQ(lines.size(), tokens.size()) << limited.err;
  simdjson::dom::parser parser;
  for (std::size_t i = 0; i < tokens.size(); i += 37) {
    EXPECT_EQ(str(parse_line(parser, lines[i]), "fingerprint"), fp(tokens[i]));
  }
  EXPECT_NE(limited.err.find("verifier threads"), std::string::npos) << limited.err;
#endif
}

// Item 10: private key files are 0600 even over a 0666 file, and a symlink at the target is
// replaced, never written through.
TEST_F(CliHardeningTest, KeygenForceWritesFreshFilesAndNeverFollowsSymlinks) {
  const std::string kid = "k";
  const std::vector<std::string> args = {"keygen", "--alg",     "ES256",       "--kid",
                                         kid,      "--out-dir", dir_.string(), "--force"};
  const fs::path priv = path(kid + ".private.jwk.json"), pem = path(kid + ".private.pem");
  std::ofstream(priv) << "old";
  fs::permissions(priv, fs::perms(0666));
  // A symlink where the private PEM goes, pointing at a file the user cares about.
  const fs::path victim = path("victim.txt");
  std::ofstream(victim) << "precious";
  fs::permissions(victim, fs::perms(0644));
  fs::create_symlink(victim, pem);

  run_result r = run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::status(priv).permissions(), fs::perms(0600));
  EXPECT_NE(slurp(priv), "old");
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_EQ(fs::status(victim).permissions(), fs::perms(0644));
  EXPECT_FALSE(fs::is_symlink(pem));
  EXPECT_EQ(fs::status(pem).permissions(), fs::perms(0600));
  EXPECT_NE(slurp(pem).find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(fs::status(path(kid + ".public.pem")).permissions(), fs::perms(0644));
  // No temporary file is left behind.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }

  // Without --force: an existing file (or symlink) anywhere in the set refuses the whole run
  // before anything is written.
  const std::string other = "o";
  std::ofstream(path(other + ".public.pem")) << "x";
  run_result refused =
      run({"keygen", "--alg", "ES256", "--kid", other, "--out-dir", dir_.string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find(other + ".public.pem"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(path(other + ".private.jwk.json")));
}

// Item 13, the memory bound itself: a 300 MB line is rejected within a 250 MB address space.
// Before, the CLI held all of stdin (and a copy of each line) in memory, so it died of bad_alloc.
TEST_F(CliHardeningTest, OverlongLineIsReadInBoundedMemory) {
#if JWTX_TEST_SHADOW_SANITIZER
  GTEST_SKIP() << "address space limits do not work under ASan/TSan/MSan";
#else
  const std::string kid = keygen("ES256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600"});
  ASSERT_EQ(tokens.size(), 1u);
  const std::string huge(300u << 20, 'A');
  run_result r = run_limited("ulimit -v 250000;", verify_with("ES256", kid, {}),
                             huge + "\n" + tokens[0] + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.err;
  simdjson::dom::parser parser;
  EXPECT_EQ(str(parse_line(parser, lines[0]), "error"), "too_large");
  EXPECT_EQ(str(parse_line(parser, lines[0]), "fingerprint"), fp(huge));
  EXPECT_EQ(str(parse_line(parser, lines[1]), "error"), "ok");
#endif
}

// Item 13: a line over --max-bytes is too_large while reading, named by its own fingerprint (of the
// token after "Bearer " / '\r' stripping), and the next line is still verified.
TEST_F(CliHardeningTest, OverlongLineIsTooLargeWithItsOwnFingerprint) {
  const std::string kid = keygen("ES256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600"});
  ASSERT_EQ(tokens.size(), 1u);
  const std::string& t = tokens[0];
  const std::string huge(50u << 20, 'A');
  run_result r = run(verify_with("ES256", kid, {"--max-bytes", "1000"}),
                     "Bearer " + huge + "\r\n" + t + "\n" + huge + "\n");
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.err;
  simdjson::dom::parser parser;
  EXPECT_EQ(str(parse_line(parser, lines[0]), "error"), "too_large");
  EXPECT_EQ(str(parse_line(parser, lines[0]), "fingerprint"), fp(huge));
  EXPECT_EQ(str(parse_line(parser, lines[1]), "error"), "ok");
  EXPECT_EQ(str(parse_line(parser, lines[2]), "fingerprint"), fp(huge));
  EXPECT_NE(str(parse_line(parser, lines[2]), "detail").find("--max-bytes (1000 bytes)"),
            std::string::npos)
      << lines[2];
  EXPECT_EQ(r.out.find("AAAAAAAA"), std::string::npos);

  // The limit is on the token: exactly --max-bytes passes (the '\r' and prefix do not count),
  // one byte less is too_large with the token's fingerprint.
  const std::string exact = std::to_string(t.size()), less = std::to_string(t.size() - 1);
  run_result at = run(verify_with("ES256", kid, {"--max-bytes", exact}), "bearer  " + t + "\r\n");
  EXPECT_EQ(errors_of(at), (std::vector<std::string>{"ok"})) << at.out;
  run_result over = run(verify_with("ES256", kid, {"--max-bytes", less}), "Bearer " + t + "\r\n");
  EXPECT_EQ(errors_of(over), (std::vector<std::string>{"too_large"}));
  EXPECT_NE(over.out.find(fp(t)), std::string::npos) << over.out;
  run_result decoded = run({"decode", "--max-bytes", "1000"}, huge + "\n");
  EXPECT_NE(decoded.out.find("\"error\":\"too_large\""), std::string::npos) << decoded.out;
  EXPECT_NE(decoded.out.find(fp(huge)), std::string::npos) << decoded.out;
}

// Items 12 + 18: --max-keys-tried reaches verifier_options::max_keys_tried, and --summary counts
// the tokens whose key search stopped at the cap.
TEST_F(CliHardeningTest, MaxKeysTriedCapsTheKidlessSearchAndIsCounted) {
  std::string keys;
  for (const char* kid : {"a", "b", "c"}) {
    ASSERT_EQ(run({"keygen", "--alg", "ES256", "--kid", kid, "--out-dir", dir_.string()}).exit_code,
              0);
    simdjson::dom::parser parser;
    simdjson::dom::element jwks;
    ASSERT_EQ(parser.parse(slurp(path(std::string(kid) + ".public.jwks.json"))).get(jwks),
              simdjson::SUCCESS);
    keys += (keys.empty() ? "" : ",") + simdjson::minify(jwks["keys"].at(0));
  }
  std::ofstream(path("abc.jwks.json")) << R"({"keys":[)" << keys << "]}";
  // Signed by the third key, without a kid: the search tries a, b, then c.
  const auto token = mint(
      {"--key", path("c.private.jwk.json"), "--header", R"({"alg":"ES256"})", "--exp-in", "600"});
  ASSERT_EQ(token.size(), 1u);
  auto verify = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"verify", "--jwks", path("abc.jwks.json"), "--algs", "ES256"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(token[0]);
    return run(args);
  };
  EXPECT_EQ(errors_of(verify({})), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(errors_of(verify({"--max-keys-tried", "3"})), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(errors_of(verify({"--max-keys-tried", "2"})),
            (std::vector<std::string>{"key_not_found"}));
  run_result summary = verify({"--max-keys-tried", "2", "--summary"});
  EXPECT_NE(summary.out.find("\"key_search_capped\":1"), std::string::npos) << summary.out;
}

// Items 3, 14, 15: every numeric flag of every verb is range-checked (exit 2, the flag named).
TEST_F(CliHardeningTest, NumericFlagsAreRangeChecked) {
  const std::string kid = keygen("ES256");
  const std::string key = path(kid + ".private.jwk.json");
  struct bad_flag {
    std::vector<std::string> args;
    std::string flag;
  };
  std::vector<bad_flag> cases;
  auto verify_bad = [&](const std::string& flag, std::vector<std::string> values) {
    for (const auto& v : values)
      cases.push_back({verify_with("ES256", kid, {flag, v}, {"a.b.c"}), flag});
  };
  verify_bad("--leeway", {"nan", "inf", "-inf", "1e400", "-1", "86401", "", "1s", "0x10"});
  verify_bad("--now", {"nan", "inf", "-1", "1e400", "253402300800"});
  verify_bad("--max-age", {"nan", "-5", "inf"});
  verify_bad("--max-bytes", {"-1", "0", "18446744073709551616", "67108865", "1e3", "+5"});
  verify_bad("--cache-entries", {"-1", "16777217", "1.5"});  // engine: kMaxCacheEntries
  verify_bad("--threads", {"-1", "129"});
  verify_bad("--min-rsa-bits", {"0", "512", "16385", "-2048"});
  verify_bad("--max-json-depth", {"0", "-1", "1025"});  // engine: kMaxJsonDepthLimit
  verify_bad("--max-keys-tried", {"0", "-1", "1025"});
  verify_bad("--revocation-max-staleness", {"nan", "-1", "86401", "1e9"});
  verify_bad("--revocation-wait", {"nan", "-1", "301"});
  for (const char* v : {"9223372036854775807", "-9223372036854775808", "253402300800", "1e3"})
    cases.push_back({{"mint", "--key", key, "--exp-in", v}, "--exp-in"});
  cases.push_back(
      {{"revoke", "--redis", "127.0.0.1:1", "--jti", "j", "--retention", "-1"}, "--retention"});
  // Each operand in range, the sum not: exp must still be a valid Unix time.
  cases.push_back({{"mint", "--key", key, "--now", "253402300799", "--exp-in", "1"}, "--exp-in"});
  cases.push_back({{"mint", "--key", key, "--now", "0", "--exp-in", "-1"}, "--exp-in"});
  for (const char* v : {"-1", "253402300800", "nan"})
    cases.push_back({{"mint", "--key", key, "--now", v}, "--now"});
  for (const char* v : {"0", "-1", "1.5", "0x10"})
    cases.push_back({{"mint", "--key", key, "--count", v}, "--count"});
  for (const char* v : {"0", "-2048", "512", "16385", "2048.5"})
    cases.push_back(
        {{"keygen", "--alg", "RS256", "--kid", "r", "--out-dir", path("r"), "--rsa-bits", v},
         "--rsa-bits"});
  const std::vector<std::string> revoke = {"revoke", "--redis", "127.0.0.1:1", "--jti", "j"};
  for (const char* v : {"nan", "inf", "-1", "1e400"}) {
    for (const char* flag : {"--exp", "--ttl", "--timeout"}) {
      auto args = revoke;
      args.insert(args.end(), {flag, v});
      cases.push_back({args, flag});
    }
  }
  for (const auto& c : cases) {
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    SCOPED_TRACE(shown);
    run_result r = run(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.flag), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  // In range still works: negative --exp-in mints an expired token, fractions are seconds.
  const auto expired = mint({"--key", key, "--now", "1000", "--exp-in", "-10"});
  ASSERT_EQ(expired.size(), 1u);
  run_result r = run(verify_with("ES256", kid, {"--now", "1000.5", "--leeway", "0.25"}, expired));
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{"expired"})) << r.err;
}

// Item 18: each policy knob of verifier_options / policy has a flag that changes the outcome.
TEST_F(CliHardeningTest, LibraryPolicyKnobsHaveFlags) {
  const std::string es = keygen("ES256");
  const std::string es_key = path(es + ".private.jwk.json");

  // --max-age (iat required; too_old past max_age + leeway).
  const auto aged = mint({"--key", es_key, "--now", "1000", "--iat-now", "--exp-in", "100000"});
  ASSERT_EQ(aged.size(), 1u);
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {"--now", "2000"}, aged))),
            (std::vector<std::string>{"ok"}));
  EXPECT_EQ(errors_of(run(verify_with(
                "ES256", es, {"--now", "2000", "--max-age", "500", "--leeway", "0"}, aged))),
            (std::vector<std::string>{"too_old"}));

  // --max-json-depth.
  const auto deep =
      mint({"--key", es_key, "--exp-in", "600", "--claims", R"({"a":{"b":{"c":1}}})"});
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {}, deep))), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {"--max-json-depth", "2"}, deep))),
            (std::vector<std::string>{"too_deep"}));

  // --ignore-aud-when-unconfigured.
  const auto with_aud = mint({"--key", es_key, "--exp-in", "600", "--claims", R"({"aud":"api"})"});
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {}, with_aud))),
            (std::vector<std::string>{"audience_mismatch"}));
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {"--ignore-aud-when-unconfigured"}, with_aud))),
            (std::vector<std::string>{"ok"}));

  // --plain-jws (payload_is_jwt = false): no claim policy, so no exp needed; claim flags refused.
  const auto no_exp = mint({"--key", es_key, "--claims", R"({"x":1})"});
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {}, no_exp))),
            (std::vector<std::string>{"missing_claim"}));
  EXPECT_EQ(errors_of(run(verify_with("ES256", es, {"--plain-jws"}, no_exp))),
            (std::vector<std::string>{"ok"}));
  run_result plain_iss = run(verify_with("ES256", es, {"--plain-jws", "--iss", "x"}, no_exp));
  EXPECT_EQ(plain_iss.exit_code, 2) << plain_iss.out;

  // --min-rsa-bits.
  const std::string rs = keygen("RS256");
  const auto rs_tok = mint({"--key", path(rs + ".private.jwk.json"), "--exp-in", "600"});
  EXPECT_EQ(errors_of(run(verify_with("RS256", rs, {}, rs_tok))), (std::vector<std::string>{"ok"}));
  EXPECT_EQ(errors_of(run(verify_with("RS256", rs, {"--min-rsa-bits", "3072"}, rs_tok))),
            (std::vector<std::string>{"key_too_small"}));

  // --cache-algs: HS256 is not cached by default; listed, repeats hit the cache.
  const std::string hs = keygen("HS256");
  const auto hs_tok = mint({"--key", path(hs + ".private.jwk.json"), "--exp-in", "600"});
  const std::string repeated = hs_tok.at(0) + "\n" + hs_tok.at(0) + "\n" + hs_tok.at(0) + "\n";
  auto hits = [&](std::vector<std::string> extra) {
    extra.push_back("--summary");
    run_result r = run(verify_with("HS256", hs, extra), repeated);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    simdjson::dom::parser parser;
    std::uint64_t n = 99;
    EXPECT_EQ(parse_line(parser, lines_of(r.out).at(0))["cache"]["hits"].get_uint64().get(n),
              simdjson::SUCCESS);
    return n;
  };
  EXPECT_EQ(hits({}), 0u);
  EXPECT_EQ(hits({"--cache-algs", "HS256,ES256"}), 2u);
  EXPECT_EQ(run(verify_with("HS256", hs, {"--cache-algs", "hs256"}, hs_tok)).exit_code, 2);

  // --allow-mixed-key-types: one JWKS with an HMAC secret and a public key.
  const std::string mixed = path("mixed.jwks.json");
  std::string es_jwks = slurp(path(es + ".public.jwks.json"));
  es_jwks = es_jwks.substr(es_jwks.find('[') + 1);
  es_jwks = es_jwks.substr(0, es_jwks.rfind(']'));
  std::string hs_jwk = slurp(path(hs + ".private.jwk.json"));
  while (!hs_jwk.empty() && hs_jwk.back() == '\n') hs_jwk.pop_back();
  std::ofstream(mixed) << "{\"keys\":[" << hs_jwk << "," << es_jwks << "]}";
  const std::vector<std::string> mixed_args = {"verify", "--jwks",      mixed,
                                               "--algs", "HS256,ES256", hs_tok.at(0)};
  run_result refused = run(mixed_args);
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  auto allowed_args = mixed_args;
  allowed_args.push_back("--allow-mixed-key-types");
  run_result allowed = run(allowed_args);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err << allowed.out;
}

// Item 16 (CLI): --version, LICENSE, weak RSA keys, alg-name hints, the HMAC kid hint,
// --require typos, and the "Bearer " prefix.
TEST_F(CliHardeningTest, VersionAndLicense) {
  run_result r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("jwtx ") + JWTX_VERSION + "\n");
  EXPECT_STREQ(jwtx::jwtx_version(), JWTX_VERSION);
  EXPECT_EQ(std::string(JWTX_VERSION), std::to_string(JWTX_VERSION_MAJOR) + "." +
                                           std::to_string(JWTX_VERSION_MINOR) + "." +
                                           std::to_string(JWTX_VERSION_PATCH));
  const std::string license = slurp(fs::path(JWTX_SOURCE_DIR) / "LICENSE");
  EXPECT_NE(license.find("Apache License"), std::string::npos);
  EXPECT_NE(license.find("Version 2.0, January 2004"), std::string::npos);
}

TEST_F(CliHardeningTest, WeakRsaKeyNeedsExplicitFlag) {
  const std::vector<std::string> args = {"keygen",    "--alg",       "RS256",      "--kid", "weak",
                                         "--out-dir", dir_.string(), "--rsa-bits", "1024"};
  run_result refused = run(args);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--allow-weak-key"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(path("weak.private.jwk.json")));
  auto allowed = args;
  allowed.push_back("--allow-weak-key");
  run_result made = run(allowed);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto t = mint({"--key", path("weak.private.jwk.json"), "--exp-in", "600"});
  EXPECT_EQ(errors_of(run(verify_with("RS256", "weak", {}, t))),
            (std::vector<std::string>{"key_too_small"}));
  EXPECT_EQ(errors_of(run(verify_with("RS256", "weak", {"--min-rsa-bits", "1024"}, t))),
            (std::vector<std::string>{"ok"}));
}

TEST_F(CliHardeningTest, AlgorithmNamesAreCaseSensitiveWithAHint) {
  const std::string kid = keygen("ES256");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"verify", "--jwks", path(kid + ".public.jwks.json"), "--algs", "RS256,es256", "a.b.c"},
           {"keygen", "--alg", "es256", "--kid", "x", "--out-dir", dir_.string()},
           {"mint", "--key", path(kid + ".private.jwk.json"), "--alg", "es256"}}) {
    SCOPED_TRACE(args[0]);
    run_result r = run(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("\"es256\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean \"ES256\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("case-sensitive"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 "
                         "ES512 EdDSA"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(CliHardeningTest, HmacTokenWithKidButSecretWithoutKidGetsAHint) {
  const std::string kid = keygen("HS256");
  const auto tokens =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "2"});
  run_result r = run({"verify", "--hmac-secret-file", path(kid + ".secret"), "--algs", "HS256",
                      tokens.at(0), tokens.at(1)});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(errors_of(r), (std::vector<std::string>{"key_not_found", "key_not_found"}));
  EXPECT_NE(r.err.find("2 tokens carry a kid but the HMAC secret"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--hmac-kid"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("--hmac-kid", r.err.find("--hmac-kid") + 1), std::string::npos)
      << "hint printed once: " << r.err;
  run_result fixed = run(verify_with("HS256", kid, {}, tokens));
  EXPECT_EQ(fixed.exit_code, 0);
  EXPECT_TRUE(fixed.err.empty()) << fixed.err;
}

TEST_F(CliHardeningTest, RequireTakesRegisteredNamesAndRequireClaimTheRest) {
  const std::string kid = keygen("EdDSA");
  const auto with_role = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600",
                               "--claims", R"({"sub":"s","role":"admin"})"});
  const auto without = mint(
      {"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--claims", R"({"sub":"s"})"});
  run_result typo = run(verify_with("EdDSA", kid, {"--require", "sub,bogus"}, with_role));
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("\"bogus\""), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("--require-claim"), std::string::npos) << typo.err;
  run_result role = run(verify_with("EdDSA", kid, {"--require", "sub", "--require-claim", "role"},
                                    {with_role.at(0), without.at(0)}));
  EXPECT_EQ(errors_of(role), (std::vector<std::string>{"ok", "missing_claim"}));
}

TEST_F(CliHardeningTest, BearerPrefixIsStrippedOtherWhitespaceIsNot) {
  const std::string kid = keygen("ES256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600"});
  const std::string& t = tokens.at(0);
  const std::string input = "Bearer " + t + "\nbEaReR   " + t + "\r\n" + "Bearer\t" + t + "\n" +
                            " " + t + "\n" + t + " \n" + "Bearer" + t + "\n";
  run_result r = run(verify_with("ES256", kid, {}), input);
  EXPECT_EQ(r.exit_code, 1);
  const auto errors = errors_of(r);
  ASSERT_EQ(errors.size(), 6u) << r.out;
  EXPECT_EQ(errors[0], "ok");
  EXPECT_EQ(errors[1], "ok");
  for (std::size_t i = 2; i < errors.size(); ++i) EXPECT_NE(errors[i], "ok") << i;
  simdjson::dom::parser parser;
  EXPECT_EQ(str(parse_line(parser, lines_of(r.out).at(0)), "fingerprint"), fp(t));
  // The same for arguments.
  run_result arg = run(verify_with("ES256", kid, {}, {"Bearer " + t}));
  EXPECT_EQ(arg.exit_code, 0) << arg.out;
  expect_no_token(r, tokens);
}

// Item 11 (CLI): input-derived text in messages is escaped and capped.
TEST_F(CliHardeningTest, MessagesEscapeAndCapInput) {
  const std::string kid = keygen("ES256");
  const std::string evil = "x\x1b[31m\nFORGED: ok\r\xc2\x9b";
  const std::string jwks = path(kid + ".public.jwks.json");
  std::vector<run_result> runs = {
      run({"verify", "--jwks", jwks, "--algs", "ES256," + evil, "a.b.c"}),
      run({"verify", "--jwks", path(evil), "--algs", "ES256", "a.b.c"}),
      run({"verify", "--jwks", jwks, "--algs", "ES256", "--require", evil, "a.b.c"}),
      run({"verify", "--jwks", jwks, "--algs", "ES256", "--leeway", evil, "a.b.c"}),
      run({"verify", "--jwks", jwks, "--algs", "ES256", "--bogus" + evil, "a.b.c"}),
      run({"keygen", "--alg", evil, "--kid", "x", "--out-dir", dir_.string()}),
  };
  // A key the loader skips, with a hostile kid: the note quoting it is escaped as well.
  const std::string skipped = path("skipped.jwks.json");
  std::string keys = slurp(jwks);
  keys.insert(
      keys.find('[') + 1,
      R"({"kty":"EC","kid":"a\u001b[2J\nFORGED","use":"enc","crv":"P-256","x":"AA","y":"AA"},)");
  std::ofstream(skipped) << keys;
  runs.push_back(run({"verify", "--jwks", skipped, "--algs", "ES256", "a.b.c"}));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE(i);
    const run_result& r = runs[i];
    EXPECT_NE(r.err.find("jwtx:"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("\xc2\x9b"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("\nFORGED"), std::string::npos) << r.err;
  }
  // Capped: a 100 KB algorithm name yields a short message that says how long the input was.
  run_result long_name =
      run({"verify", "--jwks", jwks, "--algs", std::string(100000, 'Z'), "a.b.c"});
  EXPECT_EQ(long_name.exit_code, 2);
  EXPECT_LT(long_name.err.size(), 1000u) << long_name.err.size();
  EXPECT_NE(long_name.err.find("(100000 bytes)"), std::string::npos) << long_name.err;
}

}  // namespace

#endif  // JWTX_CLI_PATH
