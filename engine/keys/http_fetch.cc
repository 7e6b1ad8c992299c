#include "engine/keys/http_fetch.h"

#include <curl/curl.h>

#include <mutex>
#include <new>

namespace jwtx {
namespace {

// curl_global_init is not thread-safe on every libcurl build: once per process, before any handle.
bool global_init(std::string* why) {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    if (why) *why = std::string("curl_global_init: ") + curl_easy_strerror(code);
    return false;
  }
  return true;
}

struct transfer {
  const http_fetch_options* options;
  http_response* response;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) noexcept {
  auto* t = static_cast<transfer*>(user);
  const std::size_t bytes = size * n;
  if (t->response->body.size() + bytes > t->options->max_body_bytes) {
    t->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  try {
    t->response->body.append(data, bytes);
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return bytes;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) noexcept {
  auto* t = static_cast<transfer*>(user);
  const std::size_t bytes = size * n;
  std::string_view line(data, bytes);
  // A new status line (after 1xx) starts the headers of another response: keep only the last's.
  if (line.starts_with("HTTP/")) t->response->cache_control.clear();
  constexpr std::string_view kName = "cache-control:";
  if (!starts_with_nocase(line, kName)) return bytes;
  std::string_view value = line.substr(kName.size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ' ||
                            value.back() == '\t')) {
    value.remove_suffix(1);
  }
  // The header block is bounded by libcurl (CURL_MAX_HTTP_HEADER per line); cap the join too.
  if (t->response->cache_control.size() + value.size() > 4096) return bytes;
  try {
    if (!t->response->cache_control.empty()) t->response->cache_control += ", ";
    t->response->cache_control.append(value);
  } catch (const std::bad_alloc&) {
    return 0;
  }
  return bytes;
}

http_error classify(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return http_error::invalid_url;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return http_error::connect;
    case CURLE_OPERATION_TIMEDOUT:
      return http_error::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return http_error::tls;
    case CURLE_FILESIZE_EXCEEDED:
      return http_error::too_large;
    default:
      return http_error::other;
  }
}

}  // namespace

const char* http_error_name(http_error e) noexcept {
  switch (e) {
    case http_error::none:
      return "none";
    case http_error::invalid_url:
      return "invalid_url";
    case http_error::connect:
      return "connect";
    case http_error::timeout:
      return "timeout";
    case http_error::tls:
      return "tls";
    case http_error::too_large:
      return "too_large";
    case http_error::interrupted:
      return "interrupted";
    case http_error::other:
      return "other";
  }
  return "other";
}

std::unique_ptr<http_client> http_client::create(std::string* why) {
  if (!global_init(why)) return nullptr;
  std::unique_ptr<http_client> c(new (std::nothrow) http_client());
  if (!c) {
    if (why) *why = "out of memory";
    return nullptr;
  }
  c->multi_ = curl_multi_init();
  if (!c->multi_) {
    if (why) *why = "curl_multi_init failed";
    return nullptr;
  }
  return c;
}

http_client::~http_client() {
  if (multi_) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void http_client::interrupt() noexcept {
  interrupted_.store(true, std::memory_order_release);
  // Thread-safe by contract (curl_multi_wakeup, libcurl >= 7.68): ends the poll below early.
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

http_result http_client::get(std::string_view url, const http_fetch_options& options) noexcept {
  http_result result;
  try {
    std::string scheme, host;
    if (!parse_http_url(url, &scheme, &host)) {
      result.error = http_error::invalid_url;
      result.message = "not an http(s) URL";
      return result;
    }
    if (interrupted_.load(std::memory_order_acquire)) {
      result.error = http_error::interrupted;
      result.message = "stopped";
      return result;
    }
    CURL* easy = curl_easy_init();
    if (!easy) {
      result.error = http_error::other;
      result.message = "curl_easy_init failed";
      return result;
    }
    const std::string url_copy(url);
    transfer t{&options, &result.response};
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy, CURLOPT_URL, url_copy.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM-based DNS timeouts in threads
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(options.max_body_bytes));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // whatever this libcurl can decode
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "jwtx");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);

    auto* multi = static_cast<CURLM*>(multi_);
    curl_multi_add_handle(multi, easy);
    CURLcode code = CURLE_OK;
    bool done = false;
    bool stopped = false;
    while (!done) {
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) {
        code = CURLE_FAILED_INIT;
        break;
      }
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
          code = msg->data.result;
          done = true;
        }
      }
      if (done) break;
      if (interrupted_.load(std::memory_order_acquire)) {
        stopped = true;
        break;
      }
      // libcurl's own timers (CURLOPT_TIMEOUT_MS) end the transfer; 1 s is only the idle cap.
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    curl_multi_remove_handle(multi, easy);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.response.status);
    curl_easy_cleanup(easy);

    if (stopped) {
      result.error = http_error::interrupted;
      result.message = "stopped";
    } else if (code == CURLE_OK) {
      result.error = http_error::none;
    } else {
      result.error = t.too_large ? http_error::too_large : classify(code);
      result.message = host + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(code));
      if (result.error == http_error::too_large) {
        result.message = host + ": body over " + std::to_string(options.max_body_bytes) + " bytes";
      }
    }
    if (result.error != http_error::none) result.response.body.clear();
  } catch (...) {
    result = http_result{};
    result.error = http_error::other;
    result.message = "out of memory";
  }
  return result;
}

bool parse_http_url(std::string_view url, std::string* scheme, std::string* host) {
  CURLU* u = curl_url();
  if (!u) return false;
  const std::string copy(url);
  bool ok = curl_url_set(u, CURLUPART_URL, copy.c_str(), 0) == CURLUE_OK;
  char* s = nullptr;
  char* h = nullptr;
  if (ok) ok = curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK;
  if (ok) ok = curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK;
  if (ok) {
    *scheme = s;
    *host = h;
    ok = *scheme == "http" || *scheme == "https";
  }
  curl_free(s);
  curl_free(h);
  curl_url_cleanup(u);
  return ok;
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  if (!host.starts_with("127.")) return false;
  for (char c : host) {
    if (c != '.' && (c < '0' || c > '9')) return false;
  }
  return true;
}

}  // namespace jwtx
