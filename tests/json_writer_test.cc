// quoted_for_message: untrusted text made safe for messages (issue 9 item 11).
#include "engine/json_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace jwtx {
namespace {

TEST(QuotedForMessage, EscapesEverythingATerminalCouldInterpret) {
  EXPECT_EQ(quoted_for_message("kid-1"), "\"kid-1\"");
  EXPECT_EQ(quoted_for_message(""), "\"\"");
  EXPECT_EQ(quoted_for_message("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quoted_for_message("\x1b[2J\r\n\t\b\f\x01\x7f"),
            R"("\u001b[2J\r\n\t\b\f\u0001\u007f")");
  // Valid UTF-8: C1 CSI (U+009B), RLO (U+202E), an astral character as a surrogate pair.
  EXPECT_EQ(quoted_for_message("\xc2\x9b\xe2\x80\xae\xf0\x9f\x94\x91"),
            R"("\u009b\u202e\ud83d\udd11")");
  // Invalid UTF-8: stray continuation, overlong '/', a surrogate, truncated sequence, 0xff.
  EXPECT_EQ(quoted_for_message("\x80\xc0\xaf\xed\xa0\x80\xe2\x82\xff"),
            R"("\x80\xc0\xaf\xed\xa0\x80\xe2\x82\xff")");
  std::string nul("a\0b", 3);
  EXPECT_EQ(quoted_for_message(nul), R"("a\u0000b")");
}

TEST(QuotedForMessage, TruncatesWithTheFullLengthAndNeverSplitsACharacter) {
  const std::string big(10 * 1024, 'x');
  const std::string q = quoted_for_message(big);
  EXPECT_EQ(q, "\"" + std::string(64, 'x') + "\"...(10240 bytes)");
  EXPECT_EQ(quoted_for_message("abcdef", 3), "\"abc\"...(6 bytes)");
  EXPECT_EQ(quoted_for_message("abc", 3), "\"abc\"");
  // "ab" + U+20AC (3 bytes): a 4-byte cap would cut the euro sign, so it stops before it.
  EXPECT_EQ(quoted_for_message("ab\xe2\x82\xac", 4), "\"ab\"...(5 bytes)");
  EXPECT_EQ(quoted_for_message("ab\xe2\x82\xac", 5), R"("ab\u20ac")");
  // Worst case stays under the documented bound: all control bytes, 6 characters each.
  const std::string controls(1000, '\x01');
  EXPECT_LT(quoted_for_message(controls).size(), 6u * 64 + 40);
}

}  // namespace
}  // namespace jwtx
