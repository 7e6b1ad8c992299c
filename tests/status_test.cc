#include "engine/status.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "engine/jws/algorithm.h"

namespace jwtx {
namespace {

TEST(Status, NamesAreUniqueSnakeCaseAndRoundTrip) {
  std::set<std::string_view> seen;
  for (int i = 0; i < kStatusCount; ++i) {
    const auto s = static_cast<status>(i);
    const std::string_view name = status_name(s);
    ASSERT_FALSE(name.empty());
    for (char c : name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(status_from_name(name), s);
  }
  EXPECT_EQ(status_from_name("no_such_status"), std::nullopt);
}

TEST(Status, StableNumericValuesOfDocumentedNames) {
  // Metrics and logs store the number; these must never move.
  EXPECT_EQ(static_cast<int>(status::ok), 0);
  EXPECT_EQ(status_name(status::bad_signature), "bad_signature");
  EXPECT_EQ(status_name(status::unsupported_jwe), "unsupported_jwe");
  EXPECT_EQ(status_name(status::revoked), "revoked");
  EXPECT_EQ(static_cast<int>(status::revocation_unavailable), 30);
  // Appended for issue 9 (invalid options / clock fail closed).
  EXPECT_EQ(static_cast<int>(status::options_invalid), 31);
  EXPECT_EQ(static_cast<int>(status::clock_invalid), 32);
  EXPECT_EQ(status_name(status::options_invalid), "options_invalid");
  EXPECT_EQ(status_name(status::clock_invalid), "clock_invalid");
  // Appended for issue 10 (the pipeline's backpressure and shutdown answers).
  EXPECT_EQ(static_cast<int>(status::overloaded), 33);
  EXPECT_EQ(static_cast<int>(status::shutting_down), 34);
  EXPECT_EQ(status_name(status::overloaded), "overloaded");
  EXPECT_EQ(status_name(status::shutting_down), "shutting_down");
  EXPECT_EQ(kStatusCount, 35);
}

TEST(Status, StreamsItsName) {
  std::ostringstream os;
  os << status::too_deep << ' ' << status::ok;
  EXPECT_EQ(os.str(), "too_deep ok");
}

TEST(Algorithm, NoneIsNeverAnAlgorithm) {
  for (const char* n : {"none", "None", "NONE", "nOnE", "", "HS256 ", "hs256", "ES256K", "Ed25519"})
    EXPECT_EQ(algorithm_from_name(n), std::nullopt) << n;
  std::string_view bad;
  EXPECT_EQ(parse_algorithm_list("RS256,none", &bad), std::nullopt);
  EXPECT_EQ(bad, "none");
  auto set = parse_algorithm_list("RS256,ES256", &bad);
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->contains(algorithm::RS256));
  EXPECT_FALSE(set->contains(algorithm::HS256));
}

}  // namespace
}  // namespace jwtx
