// jwtx::http_client — one bounded HTTP(S) GET at a time, over libcurl's GnuTLS flavour
// (libcurl4-gnutls-dev; never OpenSSL). Used by remote_jwks; not on any hot path.
//
// Every GET is bounded: total time (connect + TLS + transfer) by |timeout|, body size by
// |max_body_bytes| (a larger Content-Length is refused before the body is read, a body that grows
// past it is cut off), protocols to http and https, no redirects (a JWKS or discovery URL that
// redirects is a configuration error worth seeing, not something to follow silently). TLS peers
// are verified (chain and host name) against |ca_file| or, if empty, the system trust store.
//
// Thread-safety: get() from one thread at a time. interrupt() from any thread at any time: the
// GET in progress returns http_error::interrupted within milliseconds (it wakes libcurl's poll),
// and every later get() returns it at once. Errors are values; nothing throws.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace jwtx {

struct http_fetch_options {
  std::chrono::milliseconds timeout{2000};
  std::size_t max_body_bytes = std::size_t{1} << 20;
  // PEM file of trusted CAs; empty: the system's default bundle.
  std::string ca_file;
};

enum class http_error {
  none,         // a response arrived (any status: check http_response::status)
  invalid_url,  // unparsable, or a scheme other than http/https
  connect,      // name resolution or TCP connect failed, or the connection broke
  timeout,      // |timeout| elapsed
  tls,          // handshake or certificate verification failed
  too_large,    // body (or announced Content-Length) over max_body_bytes
  interrupted,  // interrupt() was called
  other,        // anything else libcurl reports (message says what)
};
const char* http_error_name(http_error e) noexcept;

struct http_response {
  long status = 0;
  std::string body;
  // Every Cache-Control header of the final response joined with ", " ("" if none).
  std::string cache_control;
};

struct http_result {
  http_error error = http_error::other;
  std::string message;  // "" when error == none; else libcurl's description, with the URL's host
  http_response response;
};

class http_client {
 public:
  // Returns nullptr with a reason in *why (may be null) if libcurl cannot be initialised.
  static std::unique_ptr<http_client> create(std::string* why);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // GET |url|. Never throws (allocation failure is reported as http_error::other).
  http_result get(std::string_view url, const http_fetch_options& options) noexcept;
  // See the header comment. Irreversible.
  void interrupt() noexcept;

 private:
  http_client() = default;
  void* multi_ = nullptr;  // CURLM*, owned
  std::atomic<bool> interrupted_{false};
};

// Scheme and host of |url| ("https", "idp.example.com"), via libcurl's URL parser. False if it
// does not parse or the scheme is not http/https.
bool parse_http_url(std::string_view url, std::string* scheme, std::string* host);
// True for "localhost", 127.0.0.0/8 and ::1 (the hosts plain http is allowed to by default).
bool is_loopback_host(std::string_view host) noexcept;

}  // namespace jwtx
