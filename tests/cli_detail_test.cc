// `jwtx verify` JSON lines carry a "detail" for invalid tokens (issue 9, item 16): appended after
// the existing fields, one sentence naming the rule, never the token's own content.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "tests/cli_fixture.h"

#ifdef JWTX_CLI_PATH

namespace {

using namespace jwtx::testing;  // NOLINT: the fixture and its helpers

// The member names of one JSON line, in order.
std::vector<std::string> keys_of(simdjson::dom::object obj) {
  std::vector<std::string> keys;
  for (auto field : obj) keys.emplace_back(field.key);
  return keys;
}

TEST_F(CliTest, InvalidTokensCarryADetailAfterTheExistingFields) {
  const std::string kid = keygen("ES256");
  const auto tokens = mint({"--key", path(kid + ".private.jwk.json"), "--claims",
                            R"({"sub":"SUBMARK","aud":"AUDMARK","jti":"JTIMARK"})", "--now",
                            "1700000000", "--exp-in", "600"});
  ASSERT_EQ(tokens.size(), 1u);
  std::vector<std::string> args = {"verify"};
  for (const auto& a : key_args("ES256", kid)) args.push_back(a);
  // Line 1: valid (its audience configured); line 2: expired; line 3: not a JWS.
  for (const char* a : {"--aud", "AUDMARK", "--now", "1700000001"}) args.push_back(a);
  run_result ok_run = run(args, tokens[0] + "\n");
  EXPECT_EQ(ok_run.exit_code, 0) << ok_run.err << ok_run.out;
  simdjson::dom::parser parser;
  const auto ok_lines = lines_of(ok_run.out);
  ASSERT_EQ(ok_lines.size(), 1u);
  EXPECT_EQ(keys_of(parse_line(parser, ok_lines[0])),
            (std::vector<std::string>{"valid", "error", "alg", "kid", "sub", "fingerprint"}));

  args.back() = "1700000660";  // exp + leeway (60): expired
  run_result r = run(args, tokens[0] + "\nnot-a-token\n");
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  auto expired = parse_line(parser, lines[0]);
  EXPECT_EQ(keys_of(expired), (std::vector<std::string>{"valid", "error", "alg", "kid", "sub",
                                                        "fingerprint", "detail"}));
  EXPECT_EQ(str(expired, "error"), "expired");
  EXPECT_EQ(str(expired, "detail"),
            "the token expired: now (1700000660) is at or after exp (1700000600) + leeway (60)");
  auto malformed = parse_line(parser, lines[1]);
  EXPECT_EQ(str(malformed, "error"), "malformed");
  EXPECT_EQ(str(malformed, "detail"),
            "the token has 1 segment; a JWS has exactly 3 (header.payload.signature)");
  EXPECT_EQ(r.out.find("MARK\",\"detail"), std::string::npos);
  expect_no_token(r, tokens);
}

TEST_F(CliTest, DetailNamesConfigurationButNeverTokenStrings) {
  const std::string kid = keygen("ES256");
  // A second key whose kid the verifier does not know.
  run_result g = run({"keygen", "--alg", "ES256", "--kid", "KIDMARK", "--out-dir", dir_.string()});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const auto unknown = mint({"--key", path("KIDMARK.private.jwk.json"), "--exp-in", "600"});
  const auto wrong_aud = mint({"--key", path(kid + ".private.jwk.json"), "--claims",
                               R"({"aud":"AUDMARK","iss":"ISSMARK"})", "--exp-in", "600"});
  ASSERT_EQ(unknown.size(), 1u);
  ASSERT_EQ(wrong_aud.size(), 1u);
  std::vector<std::string> args = {"verify"};
  for (const auto& a : key_args("ES256", kid)) args.push_back(a);
  for (const char* a : {"--aud", "api", "--aud", "other", "--iss", "https://issuer.example"})
    args.push_back(a);
  run_result r = run(args, unknown[0] + "\n" + wrong_aud[0] + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  simdjson::dom::parser parser;
  auto first = parse_line(parser, lines[0]);
  EXPECT_EQ(str(first, "error"), "key_not_found");
  EXPECT_EQ(str(first, "detail"), "the token's kid matches no key in the key set");
  auto second = parse_line(parser, lines[1]);
  EXPECT_EQ(str(second, "error"), "issuer_mismatch");
  EXPECT_EQ(str(second, "detail"),
            "the token's iss is not an allowed issuer (allowed: \"https://issuer.example\")");
  for (const auto& line : lines) {
    const std::string detail = str(parse_line(parser, line), "detail");
    EXPECT_EQ(detail.find("MARK"), std::string::npos) << detail;
  }
  // Without --iss the same token fails on its audience, and the detail lists the configured ones.
  args.resize(args.size() - 2);
  r = run(args, wrong_aud[0] + "\n");
  const std::string detail = str(parse_line(parser, lines_of(r.out).at(0)), "detail");
  EXPECT_EQ(detail,
            "none of the token's 1 aud value is an allowed audience (allowed: \"api\", \"other\")");
}

}  // namespace

#endif  // JWTX_CLI_PATH
