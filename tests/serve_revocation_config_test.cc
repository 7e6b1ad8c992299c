// tools/jwtx/serve/config: the `revocation:` section (fleet revocation list in Redis).
#ifdef JWTX_SERVE
#include <gtest/gtest.h>

#include <string>

#include "engine/revocation/revocation.h"
#include "tools/jwtx/serve/config.h"

namespace jwtx::serve {
namespace {

// No key file is needed to parse (keys are loaded by build_gateway only).
const char kProviders[] =
    "providers:\n  corp:\n    algorithms: [ES256]\n    local_jwks: {filename: /nonexistent}\n";

std::string parse_error(const std::string& yaml) {
  std::string why;
  return parse_config(yaml, &why) ? "" : why;
}

TEST(ServeRevocationConfig, ParsesTheSectionWithDefaults) {
  std::string why;
  auto c =
      parse_config(std::string(kProviders) + "revocation: {redis: \"127.0.0.1:6380/k\"}\n", &why);
  ASSERT_TRUE(c) << why;
  ASSERT_TRUE(c->revocation);
  EXPECT_EQ(c->revocation->redis, "127.0.0.1:6380/k");
  EXPECT_EQ(c->revocation->max_staleness_seconds, 30);
  EXPECT_FALSE(c->revocation->fail_closed);
  c = parse_config(std::string(kProviders) +
                       "revocation: {redis: \"[::1]:6379\", max_staleness: 5, fail_closed: true}\n",
                   &why);
  ASSERT_TRUE(c) << why;
  EXPECT_EQ(c->revocation->max_staleness_seconds, 5);
  EXPECT_TRUE(c->revocation->fail_closed);
  c = parse_config(kProviders, &why);
  ASSERT_TRUE(c) << why;
  EXPECT_FALSE(c->revocation);
}

TEST(ServeRevocationConfig, RefusesBadValuesNamingThePath) {
  const std::string p = kProviders;
  EXPECT_EQ(parse_error(p + "revocation: {}\n"), "revocation.redis: required (HOST:PORT[/KEY])");
  EXPECT_NE(parse_error(p + "revocation: {redis: \"nohost\"}\n").find("revocation.redis: "),
            std::string::npos);
  EXPECT_EQ(parse_error(p + "revocation: {redis: \"h:1\", fail_closed: yes}\n"),
            "revocation.fail_closed: expected true or false");
  EXPECT_EQ(parse_error(p + "revocation: {redis: \"h:1\", max_staleness: -1}\n"),
            "revocation.max_staleness: must be in [0, 86400]");
  EXPECT_EQ(parse_error(p + "revocation: {redis: \"h:1\", ttl: 3}\n"),
            "revocation.ttl: unknown key");
}

TEST(ServeRevocationConfig, BuildGatewayNeedsTheSet) {
  std::string why;
  auto c = parse_config(std::string(kProviders) + "revocation: {redis: \"127.0.0.1:1\"}\n", &why);
  ASSERT_TRUE(c) << why;
  EXPECT_FALSE(build_gateway(*c, &why));
  EXPECT_NE(why.find("revocation"), std::string::npos) << why;
}

}  // namespace
}  // namespace jwtx::serve
#endif  // JWTX_SERVE
