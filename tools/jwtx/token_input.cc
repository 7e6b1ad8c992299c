#include "tools/jwtx/token_input.h"

#include <openssl/sha.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace jwtx::cli {
namespace {

constexpr std::string_view kScheme = "Bearer ";  // RFC 6750 §2.1, scheme name case-insensitive

// Builds one line's input_token from the line's bytes as they arrive (never a '\n'), holding at
// most max_bytes of token plus a 7-byte head.
class line_builder {
 public:
  explicit line_builder(std::size_t max_bytes) : max_(max_bytes) {}

  // True once any byte of the current line has been fed.
  bool started() const { return started_; }

  void feed(std::string_view bytes) {
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

  // Ends the line and returns its token; the builder is then ready for the next line.
  input_token finish() {
    if (state_ == state::head) {
      // Shorter than the prefix: it cannot be one.
      state_ = state::body;
      body(head_);
    }
    // A '\r' still held back was the line's last byte: CRLF, dropped.
    input_token t;
    if (too_large_) {
      std::uint8_t digest[SHA256_DIGEST_LENGTH];
      SHA256_Final(digest, &sha_);
      static constexpr char kHex[] = "0123456789abcdef";
      for (std::size_t i = 0; i < t.fingerprint.size() / 2; ++i) {
        t.fingerprint[2 * i] = kHex[digest[i] >> 4];
        t.fingerprint[2 * i + 1] = kHex[digest[i] & 15];
      }
      t.too_large = true;
    } else {
      t.token = std::move(token_);
    }
    *this = line_builder(max_);
    return t;
  }

 private:
  enum class state { head, spaces, body };

  void end_head() {
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
  void body(std::string_view bytes) {
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

  void keep(std::string_view bytes) {
    if (!too_large_) {
      if (token_.size() + bytes.size() <= max_) {
        token_.append(bytes);
        return;
      }
      // Over the limit: from now on only the digest sees the bytes.
      too_large_ = true;
      SHA256_Init(&sha_);
      SHA256_Update(&sha_, token_.data(), token_.size());
      token_.clear();
    }
    SHA256_Update(&sha_, bytes.data(), bytes.size());
  }

  std::size_t max_;
  state state_ = state::head;
  bool started_ = false;
  bool held_cr_ = false;
  bool too_large_ = false;
  std::string head_;
  std::string token_;
  SHA256_CTX sha_{};
};

}  // namespace

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
  line_builder line(max_bytes);
  std::string buf(1 << 16, '\0');
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
    std::string_view chunk(buf.data(), n);
    for (std::size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
      line.feed(chunk.substr(0, nl));
      out->push_back(line.finish());
      chunk.remove_prefix(nl + 1);
    }
    line.feed(chunk);
  }
  if (std::ferror(in)) {
    *error = std::strerror(errno);
    return false;
  }
  if (line.started()) out->push_back(line.finish());  // a last line without '\n'
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
