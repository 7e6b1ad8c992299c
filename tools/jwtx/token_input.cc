#include "tools/jwtx/token_input.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace jwtx::cli {
namespace {

constexpr std::string_view kScheme = "Bearer ";  // RFC 6750 §2.1, scheme name case-insensitive

}  // namespace

void token_line_reader::append(std::string_view bytes) {
  if (bytes.empty()) return;
  started_ = true;
  while (!bytes.empty()) {
    switch (state_) {
      case state::head: {
        // Collect as many bytes as the scheme prefix has, then decide.
        const std::size_t take = std::min(kScheme.size() - head_.size(), bytes.size());
        head_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (head_.size() == kScheme.size()) end_head();
        break;
      }
      case state::spaces:
        while (!bytes.empty() && bytes.front() == ' ') bytes.remove_prefix(1);
        if (!bytes.empty()) state_ = state::body;
        break;
      case state::body:
        body(bytes);
        bytes = {};
        break;
    }
  }
}

const input_token& token_line_reader::end_line() {
  if (state_ == state::head) {
    // Shorter than the prefix: it cannot be one.
    state_ = state::body;
    body(head_);
  }
  // A '\r' still held back was the line's last byte: CRLF, dropped.
  if (line_.too_large) {
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256_Final(digest, &sha_);
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < line_.fingerprint.size() / 2; ++i) {
      line_.fingerprint[2 * i] = kHex[digest[i] >> 4];
      line_.fingerprint[2 * i + 1] = kHex[digest[i] & 15];
    }
  }
  return line_;
}

void token_line_reader::reset() {
  state_ = state::head;
  started_ = false;
  held_cr_ = false;
  head_.clear();
  line_.token.clear();
  line_.too_large = false;
  line_.fingerprint = {};
}

void token_line_reader::end_head() {
  if (strip_bearer(head_).empty()) {
    state_ = state::spaces;  // exactly "Bearer ": the rest of the prefix is more spaces
  } else {
    state_ = state::body;
    body(head_);
  }
  head_.clear();
}

// Token bytes, except that a '\r' at the end of |bytes| is held back until we know whether the
// line ends right after it.
void token_line_reader::body(std::string_view bytes) {
  if (bytes.empty()) return;
  if (held_cr_) {
    held_cr_ = false;
    keep("\r");
  }
  if (bytes.back() == '\r') {
    held_cr_ = true;
    bytes.remove_suffix(1);
  }
  keep(bytes);
}

void token_line_reader::keep(std::string_view bytes) {
  if (!line_.too_large) {
    if (line_.token.size() + bytes.size() <= max_) {
      line_.token.append(bytes);
      return;
    }
    // Over the limit: from now on only the digest sees the bytes.
    line_.too_large = true;
    SHA256_Init(&sha_);
    SHA256_Update(&sha_, line_.token.data(), line_.token.size());
    line_.token.clear();
  }
  SHA256_Update(&sha_, bytes.data(), bytes.size());
}

std::string_view strip_bearer(std::string_view token) {
  if (token.size() < kScheme.size() || token[kScheme.size() - 1] != ' ') return token;
  for (std::size_t i = 0; i + 1 < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(token[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i])))
      return token;
  }
  token.remove_prefix(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

bool read_input_tokens(std::FILE* in, std::size_t max_bytes, std::vector<input_token>* out,
                       std::string* error) {
  token_line_reader reader(max_bytes);
  auto keep_line = [out](const input_token& t) { out->push_back(t); };
  std::string buf(1 << 16, '\0');
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0)
    reader.feed(std::string_view(buf.data(), n), keep_line);
  if (std::ferror(in)) {
    *error = std::strerror(errno);
    return false;
  }
  reader.finish(keep_line);
  return true;
}

std::vector<input_token> input_tokens_from_args(const std::vector<std::string>& args) {
  std::vector<input_token> tokens;
  tokens.reserve(args.size());
  for (const std::string& arg : args) {
    std::string_view t = strip_bearer(arg);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    tokens.push_back({std::string(t), false, {}});
  }
  return tokens;
}

}  // namespace jwtx::cli
