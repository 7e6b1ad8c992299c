// Token fingerprints: the only way jwtx ever names a token in logs or output.
#pragma once

#include <array>
#include <string_view>

namespace jwtx {

// 16 lowercase hex chars: the first 8 bytes of SHA-256 over the whole token. Long enough to
// correlate log lines, too short to help anyone who does not already hold the token.
using fingerprint_text = std::array<char, 16>;

fingerprint_text fingerprint(std::string_view token) noexcept;

inline std::string_view view(const fingerprint_text& f) noexcept { return {f.data(), f.size()}; }

}  // namespace jwtx
