// JSON string literal encoding shared by the signer (JWK / header output) and the jwtx CLI, and
// quoting of untrusted text for messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jwtx {

// Appends |s| to |out| as a quoted JSON string literal (RFC 8259 §7). '"' and '\' are
// backslash-escaped; \n \r \t \b \f use their short escapes; every other byte below 0x20, and
// 0x7f, is written as \u00XX (lowercase hex). All other bytes, including UTF-8 sequences, are
// copied unchanged: |s| is not validated as UTF-8.
void append_json_string(std::string& out, std::string_view s);

// Makes untrusted text (a kid, alg, kty, PEM label, ... from a key file) safe to put in an error
// message or a log line: returns it as a double-quoted, pure 7-bit ASCII string with no control
// bytes. '"' and '\' are backslash-escaped, \n \r \t \b \f use their short escapes, other bytes
// below 0x20 and 0x7f become \u00XX, every valid UTF-8 sequence beyond ASCII becomes \uXXXX (a
// surrogate pair above U+FFFF) so no C1 control or bidi override reaches a terminal raw, and every
// byte of invalid UTF-8 becomes \xHH. At most |max_bytes| input bytes are shown (never a partial
// UTF-8 sequence); a longer input ends in "...(N bytes)" after the closing quote, N being its full
// length. The result is therefore bounded: under 6 * max_bytes + 40 characters. Never throws
// except std::bad_alloc.
std::string quoted_for_message(std::string_view s, std::size_t max_bytes = 64);

}  // namespace jwtx
