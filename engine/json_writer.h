// JSON string literal encoding shared by the signer (JWK / header output) and the jwtx CLI.
#pragma once

#include <string>
#include <string_view>

namespace jwtx {

// Appends |s| to |out| as a quoted JSON string literal (RFC 8259 §7). '"' and '\' are
// backslash-escaped; \n \r \t \b \f use their short escapes; every other byte below 0x20, and
// 0x7f, is written as \u00XX (lowercase hex). All other bytes, including UTF-8 sequences, are
// copied unchanged: |s| is not validated as UTF-8.
void append_json_string(std::string& out, std::string_view s);

}  // namespace jwtx
