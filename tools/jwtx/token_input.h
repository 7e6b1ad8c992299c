// Token input for `jwtx verify` and `jwtx decode`: one token per input line, read in bounded
// memory.
//
// Line rules (the same for stdin and for tokens given as arguments):
//  - every line is one token, so output line N always answers input line N: a blank line is a
//    token too (and fails as malformed);
//  - lines end at '\n'; one trailing '\r' is stripped (CRLF input); a last line without '\n'
//    counts; the final '\n' does not start another line, so empty input is zero tokens;
//  - an RFC 6750 scheme prefix is stripped: "Bearer" in any case followed by one or more spaces
//    (0x20), so a pasted "Authorization" value works. Anything else (a tab, leading spaces, spaces
//    inside the token) is kept and fails verification as malformed or bad_base64.
//
// Memory: a line longer than |max_bytes| (after stripping) is never held: it is flagged too_large
// while being read and only streamed through SHA-256 for its fingerprint, so reading costs
// O(max_bytes + 64 KiB) per line however long the line is.
#pragma once

#include <openssl/sha.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fingerprint.h"

namespace jwtx::cli {

struct input_token {
  // The token (prefix and '\r' stripped). Empty when too_large.
  std::string token;
  // The line was longer than max_bytes and was dropped while reading.
  bool too_large = false;
  // When too_large: jwtx::fingerprint() of the whole stripped line (first 8 bytes of its SHA-256,
  // lowercase hex), computed by streaming; otherwise unset (use fingerprint(token)).
  fingerprint_text fingerprint{};
};

// Splits a byte stream into input_tokens (rules above) as the bytes arrive, so a caller can act on
// each line before the input ends. feed() calls |on_line| for every line a chunk completes;
// finish() for a last line without '\n'. The input_token handed to |on_line| is the reader's own
// and valid only during the call: its buffer is reused, so reading allocates nothing per line once
// warm. Holds at most max_bytes of token (plus a 7-byte head) whatever the line length.
class token_line_reader {
 public:
  explicit token_line_reader(std::size_t max_bytes) : max_(max_bytes) {}

  template <class OnLine>
  void feed(std::string_view chunk, OnLine&& on_line) {
    for (std::size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
      append(chunk.substr(0, nl));
      on_line(end_line());
      reset();
      chunk.remove_prefix(nl + 1);
    }
    append(chunk);
  }
  // At the end of the input: the last line, if it had any byte and no '\n'.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (!started_) return;
    on_line(end_line());
    reset();
  }

 private:
  enum class state { head, spaces, body };
  void append(std::string_view bytes);  // bytes of the current line (no '\n')
  const input_token& end_line();        // ends it (the token, valid until reset())
  void reset();                         // ready for the next line, buffers kept
  void end_head();
  void body(std::string_view bytes);
  void keep(std::string_view bytes);

  std::size_t max_;
  state state_ = state::head;
  bool started_ = false;
  bool held_cr_ = false;
  std::string head_;
  input_token line_;
  SHA256_CTX sha_{};
};

// Reads |in| to its end, one input_token per line (rules above). Returns false and sets *error to
// the OS reason if reading fails.
bool read_input_tokens(std::FILE* in, std::size_t max_bytes, std::vector<input_token>* out,
                       std::string* error);

// Tokens given as command-line arguments, with the same stripping as lines (length is left to the
// verifier, which rejects long ones as too_large itself).
std::vector<input_token> input_tokens_from_args(const std::vector<std::string>& args);

// |token| without a leading "Bearer " scheme prefix (case-insensitive, one or more spaces).
std::string_view strip_bearer(std::string_view token);

}  // namespace jwtx::cli
