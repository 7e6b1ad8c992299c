#include "engine/gateway/auth_request.h"

#include <algorithm>

#include "engine/jws/base64url/base64url.h"

namespace jwtx::gateway {
namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Control characters (and DEL) never belong in a header value we emit: CR/LF would split it.
bool has_control(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

// A token is one b64token-ish word: no whitespace, no controls, nothing outside visible ASCII.
bool is_token_text(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

std::string_view trim_sp(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const header_location& default_location() {
  static const header_location kBearer{"Authorization", "Bearer "};
  return kBearer;
}

std::span<const header_location> header_locations(const provider& p) {
  if (p.from_headers.empty() && p.from_cookies.empty()) return {&default_location(), 1};
  return p.from_headers;
}

bool accepts(const provider& p, const token_location& where) {
  if (where.cookie) {
    return std::find(p.from_cookies.begin(), p.from_cookies.end(), where.name) !=
           p.from_cookies.end();
  }
  for (const header_location& h : header_locations(p)) {
    if (iequals(h.name, where.name)) return true;
  }
  return false;
}

// Records a credential attempt. A second attempt anywhere (another location, the same location
// twice, even a malformed one) makes the whole request multiple_tokens: RFC 6750 §2 allows one.
void record(extracted_token& out, extracted_token attempt) {
  out = out.outcome == extract_outcome::no_token
            ? attempt
            : extracted_token{extract_outcome::multiple_tokens, {}, {}};
}

void record_malformed(extracted_token& out, extract_outcome why) { record(out, {why, {}, {}}); }

void scan_header_location(const header_location& loc, std::span<const header_field> headers,
                          extracted_token& out) {
  std::string_view prefix = loc.value_prefix;
  std::string_view bare_prefix = trim_sp(prefix);  // "Bearer" alone is a broken credential
  for (const header_field& h : headers) {
    if (!iequals(h.name, loc.name)) continue;
    std::string_view value = trim_sp(h.value);
    if (!prefix.empty() && !istarts_with(value, prefix)) {
      if (!bare_prefix.empty() && iequals(value, bare_prefix)) {
        record_malformed(out, extract_outcome::malformed_header);
      }
      continue;  // another scheme (Basic ...): not ours
    }
    std::string_view token = trim_sp(value.substr(prefix.size()));
    if (!is_token_text(token)) {
      record_malformed(out, extract_outcome::malformed_header);
      continue;
    }
    record(out, {extract_outcome::found, token, {false, loc.name}});
  }
}

void scan_cookie(std::string_view cookie_name, std::span<const header_field> headers,
                 extracted_token& out) {
  for (const header_field& h : headers) {
    if (!iequals(h.name, "cookie")) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      std::size_t semi = rest.find(';');
      std::string_view pair = trim_sp(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      std::size_t eq = pair.find('=');
      // Pairs without '=' are other software's junk: ignored rather than failing the request.
      if (eq == std::string_view::npos || trim_sp(pair.substr(0, eq)) != cookie_name) continue;
      std::string_view value = trim_sp(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (!is_token_text(value)) {
        record_malformed(out, extract_outcome::malformed_cookie);
        continue;
      }
      record(out, {extract_outcome::found, value, {true, cookie_name}});
    }
  }
}

// RFC 6901: '~' -> "~0", '/' -> "~1".
std::string pointer_for(std::string_view claim) {
  std::string p = "/";
  for (char c : claim) {
    if (c == '~') {
      p += "~0";
    } else if (c == '/') {
      p += "~1";
    } else {
      p += c;
    }
  }
  return p;
}

// A scalar claim as header/comparison text: strings raw, numbers and booleans as JSON; nullopt for
// null, objects and arrays.
std::optional<std::string> scalar_text(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(e));
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::BOOL:
      return simdjson::minify(e);
    default:
      return std::nullopt;
  }
}

bool has_space_separated(std::string_view list, std::string_view word) {
  while (!list.empty()) {
    std::size_t sp = list.find(' ');
    if (list.substr(0, sp) == word) return true;
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return false;
}

bool granted_scope(const verify_result& r, std::string_view scope) {
  if (auto s = r.claim("/scope"); !s.error() && s.value().is_string()) {
    if (has_space_separated(std::string_view(s.value()), scope)) return true;
  }
  auto scp = r.claim("/scp");
  if (scp.error()) return false;
  if (scp.value().is_string()) return has_space_separated(std::string_view(scp.value()), scope);
  if (!scp.value().is_array()) return false;
  for (simdjson::dom::element e : simdjson::dom::array(scp.value())) {
    if (e.is_string() && std::string_view(e) == scope) return true;
  }
  return false;
}

bool claim_matches(const verify_result& r, const claim_requirement& req) {
  auto v = r.claim(pointer_for(req.claim));
  if (v.error()) return false;
  auto listed = [&](const std::string& text) {
    return std::find(req.one_of.begin(), req.one_of.end(), text) != req.one_of.end();
  };
  if (v.value().is_array()) {
    for (simdjson::dom::element e : simdjson::dom::array(v.value())) {
      if (auto t = scalar_text(e); t && listed(*t)) return true;
    }
    return false;
  }
  auto t = scalar_text(v.value());
  return t && listed(*t);
}

// Header text for a claim: scalars as scalar_text(), arrays of scalars joined with ','; nullopt
// (header not sent) for absent claims, objects, nulls, and anything with a control character.
std::optional<std::string> header_text(const verify_result& r, std::string_view claim) {
  auto v = r.claim(pointer_for(claim));
  if (v.error()) return std::nullopt;
  std::optional<std::string> text;
  if (v.value().is_array()) {
    std::string joined;
    for (simdjson::dom::element e : simdjson::dom::array(v.value())) {
      auto t = scalar_text(e);
      if (!t) return std::nullopt;
      if (!joined.empty()) joined += ',';
      joined += *t;
    }
    text = std::move(joined);
  } else {
    text = scalar_text(v.value());
  }
  if (!text || has_control(*text)) return std::nullopt;
  return text;
}

std::string invalid_token_challenge(jwtx::status s) {
  return "Bearer error=\"invalid_token\", error_description=\"" + std::string(status_name(s)) +
         "\"";
}

verdict unavailable(std::optional<jwtx::status> s) {
  verdict v;
  v.http_status = 503;
  v.token_status = s;
  v.headers.push_back({"Retry-After", std::to_string(kRetryAfterSeconds)});
  return v;
}

verdict failed_token(jwtx::status s) {
  switch (s) {
    case jwtx::status::overloaded:
    case jwtx::status::shutting_down:
    case jwtx::status::revocation_unavailable:
      return unavailable(s);
    case jwtx::status::options_invalid:
    case jwtx::status::clock_invalid:
    case jwtx::status::internal_error:
    case jwtx::status::key_invalid:
    case jwtx::status::key_set_invalid: {
      verdict v;
      v.http_status = 500;
      v.token_status = s;
      return v;
    }
    default: {
      verdict v;
      v.http_status = 401;
      v.token_status = s;
      v.headers.push_back({"WWW-Authenticate", invalid_token_challenge(s)});
      return v;
    }
  }
}

}  // namespace

std::string_view extract_outcome_name(extract_outcome o) noexcept {
  switch (o) {
    case extract_outcome::found:
      return "found";
    case extract_outcome::no_token:
      return "no_token";
    case extract_outcome::multiple_tokens:
      return "multiple_tokens";
    case extract_outcome::malformed_header:
      return "malformed_header";
    case extract_outcome::malformed_cookie:
      return "malformed_cookie";
  }
  return "unknown";
}

std::string validate(const gateway_config& c) {
  if (c.providers.empty()) return "no provider is configured";
  auto bad_name = [](std::string_view s) { return s.empty() || has_control(s); };
  std::size_t fallbacks = 0;
  for (std::size_t i = 0; i < c.providers.size(); ++i) {
    const provider& p = c.providers[i];
    std::string where = "provider '" + p.name + "'";
    if (!p.verify) return where + " has no verifier";
    if (p.issuer.empty() && ++fallbacks > 1) {
      return where + ": more than one provider without an issuer";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!p.issuer.empty() && c.providers[j].issuer == p.issuer) {
        return where + ": issuer '" + p.issuer + "' is already used by provider '" +
               c.providers[j].name + "'";
      }
    }
    for (const header_location& h : p.from_headers) {
      if (bad_name(h.name) || has_control(h.value_prefix)) {
        return where + ": from_headers has an empty name or a control character";
      }
    }
    for (const std::string& k : p.from_cookies) {
      if (bad_name(k) || k.find_first_of("=; \t") != std::string::npos) {
        return where + ": from_cookies has an empty or invalid cookie name";
      }
    }
    for (const claim_header& h : p.claim_to_headers) {
      if (bad_name(h.claim) || bad_name(h.header) || h.header.find(':') != std::string::npos) {
        return where + ": claim_to_headers has an empty or invalid claim or header name";
      }
    }
    if (has_control(p.forward_payload_header)) {
      return where + ": forward_payload_header has a control character";
    }
    for (const claim_requirement& r : p.require.claims) {
      if (r.claim.empty() || r.one_of.empty()) {
        return where + ": a claim requirement needs a claim name and at least one value";
      }
    }
  }
  return {};
}

extracted_token extract_token(const gateway_config& c, std::span<const header_field> headers) {
  extracted_token out;
  // Each distinct location once, in config order (a location shared by providers is one place).
  for (std::size_t i = 0; i < c.providers.size(); ++i) {
    for (const header_location& loc : header_locations(c.providers[i])) {
      bool seen = false;
      for (std::size_t j = 0; j < i && !seen; ++j) {
        for (const header_location& earlier : header_locations(c.providers[j])) {
          if (iequals(earlier.name, loc.name) && iequals(earlier.value_prefix, loc.value_prefix)) {
            seen = true;
          }
        }
      }
      if (!seen) scan_header_location(loc, headers, out);
    }
    for (const std::string& name : c.providers[i].from_cookies) {
      bool seen = false;
      for (std::size_t j = 0; j < i && !seen; ++j) {
        const auto& earlier = c.providers[j].from_cookies;
        seen = std::find(earlier.begin(), earlier.end(), name) != earlier.end();
      }
      if (!seen) scan_cookie(name, headers, out);
    }
  }
  return out;
}

std::optional<std::string_view> unverified_issuer(std::string_view token, iss_scratch& scratch) {
  std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view payload = token.substr(first + 1, second - first - 1);
  if (payload.empty() || payload.size() > kMaxIssHintPayload) return std::nullopt;
  std::size_t n = base64url::decoded_size(payload.size());
  scratch.decoded.resize(n + simdjson::SIMDJSON_PADDING);
  auto d = base64url::decode(payload, reinterpret_cast<std::uint8_t*>(scratch.decoded.data()));
  if (!d.ok) return std::nullopt;
  simdjson::dom::element doc;
  if (scratch.parser.parse(scratch.decoded.data(), d.size, false).get(doc)) return std::nullopt;
  std::string_view iss;
  if (doc["iss"].get(iss)) return std::nullopt;
  return iss;
}

const provider* choose_provider(const gateway_config& c, const token_location& where,
                                std::optional<std::string_view> iss_hint) {
  const provider* fallback = nullptr;
  const provider* only = nullptr;
  std::size_t accepting = 0;
  for (const provider& p : c.providers) {
    if (!accepts(p, where)) continue;
    ++accepting;
    only = &p;
    if (p.issuer.empty()) {
      fallback = &p;
    } else if (iss_hint && *iss_hint == p.issuer) {
      return &p;
    }
  }
  if (fallback) return fallback;
  return accepting == 1 ? only : nullptr;
}

const provider* choose_provider(const gateway_config& c, const token_location& where,
                                std::string_view token, iss_scratch& scratch) {
  std::size_t accepting = 0;
  for (const provider& p : c.providers) accepting += accepts(p, where) ? 1 : 0;
  if (accepting < 2) return choose_provider(c, where, std::nullopt);
  return choose_provider(c, where, unverified_issuer(token, scratch));
}

verdict decide(const provider& p, std::string_view token, const verify_result& r) {
  if (!r.ok()) return failed_token(r.status());
  for (const std::string& scope : p.require.scopes) {
    if (granted_scope(r, scope)) continue;
    verdict v;
    v.http_status = 403;
    v.token_status = jwtx::status::ok;
    std::string wanted;
    for (const std::string& s : p.require.scopes) wanted += (wanted.empty() ? "" : " ") + s;
    v.headers.push_back({"WWW-Authenticate",
                         "Bearer error=\"insufficient_scope\", error_description=\"missing_scope\","
                         " scope=\"" +
                             wanted + "\""});
    v.reason = "missing scope " + scope;
    return v;
  }
  for (const claim_requirement& req : p.require.claims) {
    if (claim_matches(r, req)) continue;
    verdict v;
    v.http_status = 403;
    v.token_status = jwtx::status::ok;
    v.headers.push_back(
        {"WWW-Authenticate",
         "Bearer error=\"insufficient_scope\", error_description=\"claim_requirement\""});
    v.reason = "claim " + req.claim + " is not an accepted value";
    return v;
  }
  verdict v;
  v.http_status = 200;
  v.token_status = jwtx::status::ok;
  for (const claim_header& h : p.claim_to_headers) {
    if (auto text = header_text(r, h.claim)) v.headers.push_back({h.header, std::move(*text)});
  }
  if (!p.forward_payload_header.empty()) {
    std::size_t first = token.find('.');
    std::size_t second = token.find('.', first + 1);
    v.headers.push_back(
        {p.forward_payload_header, std::string(token.substr(first + 1, second - first - 1))});
  }
  return v;
}

verdict extraction_verdict(extract_outcome o) {
  verdict v;
  if (o == extract_outcome::no_token) {
    v.http_status = 401;
    v.headers.push_back({"WWW-Authenticate", "Bearer"});
    v.reason = "no_token";
    return v;
  }
  v.http_status = 400;
  v.reason = std::string(extract_outcome_name(o));
  v.headers.push_back({"WWW-Authenticate",
                       "Bearer error=\"invalid_request\", error_description=\"" + v.reason + "\""});
  return v;
}

verdict unknown_issuer_verdict() { return failed_token(jwtx::status::issuer_mismatch); }

verdict refusal_verdict(jwtx::status s) { return failed_token(s); }

}  // namespace jwtx::gateway
