// engine/gateway: how every server-side status maps to HTTP (issue 13, item 5 of the serve work):
// the server's own conditions are never an RFC 6750 invalid_token, token faults always are.
#include <gtest/gtest.h>

#include <string>

#include "engine/gateway/auth_request.h"

namespace jwtx::gateway {
namespace {

const response_header* find(const verdict& v, const std::string& name) {
  for (const response_header& h : v.headers) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

TEST(ServeStatusMapping, ServerSideStatusesAre500Or503) {
  for (jwtx::status s :
       {jwtx::status::options_invalid, jwtx::status::clock_invalid, jwtx::status::internal_error}) {
    verdict v = refusal_verdict(s);
    EXPECT_EQ(v.http_status, 500) << status_name(s);
    EXPECT_EQ(find(v, "WWW-Authenticate"), nullptr) << status_name(s);
    ASSERT_TRUE(v.token_status);
    EXPECT_EQ(*v.token_status, s);
  }
  for (jwtx::status s : {jwtx::status::overloaded, jwtx::status::shutting_down,
                         jwtx::status::revocation_unavailable}) {
    verdict v = refusal_verdict(s);
    EXPECT_EQ(v.http_status, 503) << status_name(s);
    ASSERT_NE(find(v, "Retry-After"), nullptr) << status_name(s);
    EXPECT_EQ(find(v, "Retry-After")->value, std::to_string(kRetryAfterSeconds));
    EXPECT_EQ(find(v, "WWW-Authenticate"), nullptr) << status_name(s);
  }
}

TEST(ServeStatusMapping, TokenFaultsAreRfc6750InvalidToken) {
  for (jwtx::status s :
       {jwtx::status::expired, jwtx::status::bad_signature, jwtx::status::revoked}) {
    verdict v = refusal_verdict(s);
    EXPECT_EQ(v.http_status, 401) << status_name(s);
    ASSERT_NE(find(v, "WWW-Authenticate"), nullptr);
    EXPECT_EQ(find(v, "WWW-Authenticate")->value,
              "Bearer error=\"invalid_token\", error_description=\"" + std::string(status_name(s)) +
                  "\"");
    EXPECT_EQ(find(v, "Retry-After"), nullptr);
  }
}

}  // namespace
}  // namespace jwtx::gateway
