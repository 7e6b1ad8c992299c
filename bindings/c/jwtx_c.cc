// The C API (bindings/c/jwtx.h) over the C++ engine.
//
// Every entry point is noexcept: functions that may allocate catch everything and map
// std::bad_alloc to JWTX_OUT_OF_MEMORY / NULL, anything else to JWTX_INTERNAL_ERROR / NULL, so no
// exception reaches a C caller (a noexcept violation would terminate, not unwind into C).
// Handles hold shared_ptrs, so a handle freed by the caller never dangles inside another.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/keys/key_set.h"
#include "engine/keys/key_store.h"
#include "engine/revocation/redis_revocation.h"
#include "engine/revocation/revocation.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/status.h"
#include "engine/verifier.h"
#include "engine/version.h"
#include "jwtx.h"

// The engine's statuses keep their values in C (jwtx::status only ever appends).
#define JWTX_SAME_STATUS(c, cxx) \
  static_assert(static_cast<int>(c) == static_cast<int>(jwtx::status::cxx), #c);
JWTX_SAME_STATUS(JWTX_OK, ok)
JWTX_SAME_STATUS(JWTX_MALFORMED, malformed)
JWTX_SAME_STATUS(JWTX_TOO_LARGE, too_large)
JWTX_SAME_STATUS(JWTX_UNSUPPORTED_JWE, unsupported_jwe)
JWTX_SAME_STATUS(JWTX_BAD_BASE64, bad_base64)
JWTX_SAME_STATUS(JWTX_BAD_JSON, bad_json)
JWTX_SAME_STATUS(JWTX_BAD_UTF8, bad_utf8)
JWTX_SAME_STATUS(JWTX_NOT_OBJECT, not_object)
JWTX_SAME_STATUS(JWTX_DUPLICATE_MEMBER, duplicate_member)
JWTX_SAME_STATUS(JWTX_TOO_DEEP, too_deep)
JWTX_SAME_STATUS(JWTX_HEADER_INVALID, header_invalid)
JWTX_SAME_STATUS(JWTX_ALG_NOT_ALLOWED, alg_not_allowed)
JWTX_SAME_STATUS(JWTX_ALG_KEY_MISMATCH, alg_key_mismatch)
JWTX_SAME_STATUS(JWTX_KEY_NOT_FOUND, key_not_found)
JWTX_SAME_STATUS(JWTX_KEY_TOO_SMALL, key_too_small)
JWTX_SAME_STATUS(JWTX_CRIT_UNSUPPORTED, crit_unsupported)
JWTX_SAME_STATUS(JWTX_TYP_MISMATCH, typ_mismatch)
JWTX_SAME_STATUS(JWTX_BAD_SIGNATURE, bad_signature)
JWTX_SAME_STATUS(JWTX_EXPIRED, expired)
JWTX_SAME_STATUS(JWTX_NOT_YET_VALID, not_yet_valid)
JWTX_SAME_STATUS(JWTX_ISSUED_IN_FUTURE, issued_in_future)
JWTX_SAME_STATUS(JWTX_TOO_OLD, too_old)
JWTX_SAME_STATUS(JWTX_ISSUER_MISMATCH, issuer_mismatch)
JWTX_SAME_STATUS(JWTX_AUDIENCE_MISMATCH, audience_mismatch)
JWTX_SAME_STATUS(JWTX_MISSING_CLAIM, missing_claim)
JWTX_SAME_STATUS(JWTX_CLAIM_TYPE, claim_type)
JWTX_SAME_STATUS(JWTX_REVOKED, revoked)
JWTX_SAME_STATUS(JWTX_KEY_INVALID, key_invalid)
JWTX_SAME_STATUS(JWTX_KEY_SET_INVALID, key_set_invalid)
JWTX_SAME_STATUS(JWTX_INTERNAL_ERROR, internal_error)
JWTX_SAME_STATUS(JWTX_REVOCATION_UNAVAILABLE, revocation_unavailable)
JWTX_SAME_STATUS(JWTX_OPTIONS_INVALID, options_invalid)
JWTX_SAME_STATUS(JWTX_CLOCK_INVALID, clock_invalid)
JWTX_SAME_STATUS(JWTX_OVERLOADED, overloaded)
JWTX_SAME_STATUS(JWTX_SHUTTING_DOWN, shutting_down)
#undef JWTX_SAME_STATUS
// A new engine status needs its C value (and the C values must stay below 64).
static_assert(jwtx::kStatusCount == JWTX_SHUTTING_DOWN + 1, "add the new status to jwtx.h");
static_assert(JWTX_UNAVAILABLE < JWTX_STATUS_SLOTS, "JWTX_STATUS_SLOTS must cover every status");

namespace {

constexpr std::size_t kStripes = 8;

// Per-status counts of jwtx_verify, striped so concurrent verifiers rarely share a line (relaxed
// increments: a count, not a synchronisation).
struct alignas(64) status_stripe {
  std::array<std::atomic<std::uint64_t>, jwtx::kStatusCount> counts{};
};

// The stripe for a count: chosen by the result's address, not by thread. Results are per-thread
// scratch, so concurrent callers almost always land on different stripes, and this costs neither a
// thread_local lookup (a __tls_get_addr call in a shared library) nor any shared state. Two
// threads sharing a stripe only share a line; the counts stay exact (atomic increments).
std::size_t stripe_for(const void* result) noexcept {
  const auto a = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(result));
  return static_cast<std::size_t>(((a >> 6) * 0x9E3779B97F4A7C15ull) >> 61);  // top 3 bits
}
static_assert(kStripes == 8, "stripe_for() picks one of 8 stripes");

jwtx_status to_c(jwtx::status s) noexcept { return static_cast<jwtx_status>(s); }

void write_error(char* error, std::size_t size, std::string_view message) noexcept {
  if (!error || size == 0) return;
  const std::size_t n = std::min(message.size(), size - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

// Copies |text| NUL-terminated into buf; the snprintf-like size contract of jwtx.h.
jwtx_status write_text(std::string_view text, char* buf, std::size_t size, std::size_t* needed) {
  if (needed) *needed = text.size();
  if (!buf && size > 0) return JWTX_INVALID_ARGUMENT;
  if (size > 0) write_error(buf, size, text);
  return size > text.size() ? JWTX_OK : JWTX_BUFFER_TOO_SMALL;
}

// Runs |f| (which returns jwtx_status) and turns any exception into a status.
template <class F>
jwtx_status guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return JWTX_OUT_OF_MEMORY;
  } catch (...) {
    return JWTX_INTERNAL_ERROR;
  }
}

// Runs |f| (which returns a handle) and turns any exception into NULL + a message.
template <class F>
auto guarded_new(char* error, std::size_t error_size, F&& f) noexcept -> decltype(f()) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    write_error(error, error_size, "out of memory");
  } catch (...) {
    write_error(error, error_size, "internal error");
  }
  return nullptr;
}

// "status_name: message": the outcome a C caller can tell apart (key_invalid, key_set_invalid,
// key_too_small, options_invalid) first, then the sentence.
std::string reason(jwtx::status s, std::string_view message) {
  return std::string(jwtx::status_name(s)) + ": " + std::string(message);
}

std::string_view bytes(const char* p, std::size_t len) noexcept {
  return len == 0 ? std::string_view() : std::string_view(p, len);
}

}  // namespace

struct jwtx_key_set {
  std::shared_ptr<const jwtx::key_set> set;
};

struct jwtx_revocation_set {
  std::shared_ptr<jwtx::revocation_set> set;
};

struct jwtx_redis_feed {
  std::shared_ptr<jwtx::revocation_set> set;  // outlives the feed (declared first)
  std::unique_ptr<jwtx::redis_revocation_feed> feed;
};

struct jwtx_verifier {
  std::shared_ptr<jwtx::key_store> store;
  std::shared_ptr<jwtx::revocation_set> revocation;  // kept alive for options.claims.revoked
  std::shared_ptr<const jwtx::verifier> engine;
  std::unique_ptr<status_stripe[]> counts = std::make_unique<status_stripe[]>(kStripes);
};

// Accessors read |view|; |owned| is set for results the caller owns (jwtx_result_new), null for a
// completion's read-only view of a worker's result.
struct jwtx_result {
  const jwtx::verify_result* view = nullptr;
  jwtx::verify_result* owned = nullptr;
};

namespace {
struct owned_result : jwtx_result {
  owned_result() {
    view = &storage;
    owned = &storage;
  }
  jwtx::verify_result storage;
};
}  // namespace

struct jwtx_results {
  std::vector<jwtx::verify_result> storage;
  std::vector<jwtx_result> views;
  std::vector<std::string_view> tokens;  // scratch for one batch
};

struct jwtx_pipeline {
  std::unique_ptr<jwtx::batch_pipeline> engine;  // holds its own reference to the verifier
};

// ---------------------------------------------------------------------------------------------
// Definitions below take C linkage from their declarations in jwtx.h.

const char* jwtx_version(void) noexcept { return jwtx::jwtx_version(); }

const char* jwtx_status_name(jwtx_status s) noexcept {
  if (static_cast<int>(s) >= 0 && static_cast<int>(s) < jwtx::kStatusCount) {
    // status_name() views string literals, so data() is NUL-terminated.
    return jwtx::status_name(static_cast<jwtx::status>(s)).data();
  }
  switch (s) {
    case JWTX_INVALID_ARGUMENT:
      return "invalid_argument";
    case JWTX_OUT_OF_MEMORY:
      return "out_of_memory";
    case JWTX_BUFFER_TOO_SMALL:
      return "buffer_too_small";
    case JWTX_CLAIM_NOT_FOUND:
      return "claim_not_found";
    case JWTX_CLAIM_WRONG_TYPE:
      return "claim_wrong_type";
    case JWTX_CLAIM_OUT_OF_RANGE:
      return "claim_out_of_range";
    case JWTX_NO_PAYLOAD:
      return "no_payload";
    case JWTX_NOT_FOUND:
      return "not_found";
    case JWTX_UNAVAILABLE:
      return "unavailable";
    default:
      return "unknown";
  }
}

jwtx_status jwtx_fingerprint(const char* token, size_t len,
                             char out[JWTX_FINGERPRINT_SIZE]) noexcept {
  if (!out || (!token && len > 0)) return JWTX_INVALID_ARGUMENT;
  const jwtx::fingerprint_text f = jwtx::fingerprint(bytes(token, len));
  std::memcpy(out, f.data(), f.size());
  out[f.size()] = '\0';
  return JWTX_OK;
}

// --- key sets -------------------------------------------------------------------------------

namespace {
template <class Add>
jwtx_key_set* build_key_set(char* error, std::size_t error_size, Add&& add) noexcept {
  return guarded_new(error, error_size, [&]() -> jwtx_key_set* {
    jwtx::key_set_builder builder;
    if (const jwtx::status s = add(builder); s != jwtx::status::ok) {
      write_error(error, error_size, reason(s, builder.error()));
      return nullptr;
    }
    jwtx::key_set_result built = builder.build();
    if (!built) {
      write_error(error, error_size, reason(built.code, built.error));
      return nullptr;
    }
    return new jwtx_key_set{std::move(built.set)};
  });
}
}  // namespace

jwtx_key_set* jwtx_key_set_from_jwks(const char* json, size_t len, char* error,
                                     size_t error_size) noexcept {
  if (!json) {
    write_error(error, error_size, "json is NULL");
    return nullptr;
  }
  return build_key_set(error, error_size, [&](jwtx::key_set_builder& b) {
    return b.add_jwks(bytes(json, len), "jwks");
  });
}

jwtx_key_set* jwtx_key_set_from_pem(const char* pem, size_t len, const char* kid, char* error,
                                    size_t error_size) noexcept {
  if (!pem) {
    write_error(error, error_size, "pem is NULL");
    return nullptr;
  }
  return build_key_set(error, error_size, [&](jwtx::key_set_builder& b) {
    return b.add_pem(bytes(pem, len), kid ? std::string_view(kid) : std::string_view(), "pem");
  });
}

jwtx_key_set* jwtx_key_set_from_hmac(const unsigned char* secret, size_t len, const char* kid,
                                     char* error, size_t error_size) noexcept {
  if (!secret) {
    write_error(error, error_size, "secret is NULL");
    return nullptr;
  }
  return build_key_set(error, error_size, [&](jwtx::key_set_builder& b) {
    return b.add_hmac_secret(bytes(reinterpret_cast<const char*>(secret), len),
                             kid ? std::string_view(kid) : std::string_view(), std::nullopt,
                             "secret");
  });
}

void jwtx_key_set_free(jwtx_key_set* keys) noexcept { delete keys; }

size_t jwtx_key_set_size(const jwtx_key_set* keys) noexcept {
  return keys ? keys->set->keys().size() : 0;
}

size_t jwtx_key_set_skipped_count(const jwtx_key_set* keys) noexcept {
  return keys ? keys->set->skipped().size() : 0;
}

// --- revocation -----------------------------------------------------------------------------

jwtx_revocation_set* jwtx_revocation_set_new(void) noexcept {
  return guarded_new(
      nullptr, 0, [] { return new jwtx_revocation_set{std::make_shared<jwtx::revocation_set>()}; });
}

void jwtx_revocation_set_free(jwtx_revocation_set* set) noexcept { delete set; }

jwtx_status jwtx_revocation_add(jwtx_revocation_set* set, const char* jti, size_t len,
                                double exp) noexcept {
  if (!set || (!jti && len > 0)) return JWTX_INVALID_ARGUMENT;
  return guarded([&] {
    set->set->add(bytes(jti, len), std::isnan(exp) ? HUGE_VAL : exp);
    return JWTX_OK;
  });
}

jwtx_status jwtx_revocation_remove(jwtx_revocation_set* set, const char* jti, size_t len) noexcept {
  if (!set || (!jti && len > 0)) return JWTX_INVALID_ARGUMENT;
  return guarded([&] { return set->set->remove(bytes(jti, len)) ? JWTX_OK : JWTX_NOT_FOUND; });
}

int jwtx_revocation_contains(const jwtx_revocation_set* set, const char* jti, size_t len) noexcept {
  if (!set || (!jti && len > 0)) return 0;
  return set->set->contains(bytes(jti, len)) ? 1 : 0;
}

size_t jwtx_revocation_size(const jwtx_revocation_set* set) noexcept {
  return set ? set->set->size() : 0;
}

jwtx_redis_feed* jwtx_redis_feed_start(jwtx_revocation_set* set, const char* endpoint, char* error,
                                       size_t error_size) noexcept {
  if (!set || !endpoint) {
    write_error(error, error_size, !set ? "set is NULL" : "endpoint is NULL");
    return nullptr;
  }
  return guarded_new(error, error_size, [&]() -> jwtx_redis_feed* {
    std::string why;
    auto ep = jwtx::parse_redis_endpoint(endpoint, &why);
    if (!ep) {
      write_error(error, error_size, why);
      return nullptr;
    }
    auto handle = std::make_unique<jwtx_redis_feed>();
    handle->set = set->set;
    handle->feed = jwtx::redis_revocation_feed::start(std::move(*ep), *handle->set, {}, &why);
    if (!handle->feed) {
      write_error(error, error_size, why);
      return nullptr;
    }
    return handle.release();
  });
}

void jwtx_redis_feed_stop(jwtx_redis_feed* feed) noexcept { delete feed; }

int jwtx_redis_feed_synced(const jwtx_redis_feed* feed) noexcept {
  return feed && feed->feed->synced() ? 1 : 0;
}

jwtx_status jwtx_redis_feed_get_stats(const jwtx_redis_feed* feed,
                                      jwtx_redis_feed_stats* out) noexcept {
  if (!feed || !out || out->struct_size < sizeof(size_t)) return JWTX_INVALID_ARGUMENT;
  const jwtx::redis_feed_stats s = feed->feed->stats();
  jwtx_redis_feed_stats full{};
  full.struct_size = std::min(out->struct_size, sizeof full);
  full.connects = s.connects;
  full.reconnects = s.reconnects;
  full.loads = s.loads;
  full.messages = s.messages;
  full.malformed = s.malformed;
  full.errors = s.errors;
  std::memcpy(out, &full, full.struct_size);
  return JWTX_OK;
}

jwtx_status jwtx_redis_publish_revocation(const char* endpoint, const char* jti, size_t len,
                                          double exp, double timeout_seconds, char* error,
                                          size_t error_size) noexcept {
  if (!endpoint || !jti) {
    write_error(error, error_size, !endpoint ? "endpoint is NULL" : "jti is NULL");
    return JWTX_INVALID_ARGUMENT;
  }
  return guarded([&] {
    std::string why;
    auto ep = jwtx::parse_redis_endpoint(endpoint, &why);
    if (!ep) {
      write_error(error, error_size, why);
      return JWTX_INVALID_ARGUMENT;
    }
    if (len == 0 || std::isnan(exp) || !(timeout_seconds >= 0)) {
      write_error(error, error_size,
                  len == 0          ? "jti is empty"
                  : std::isnan(exp) ? "exp is NaN"
                                    : "bad timeout");
      return JWTX_INVALID_ARGUMENT;
    }
    const jwtx::redis_publish_result r =
        jwtx::publish_revocation(*ep, bytes(jti, len), exp, timeout_seconds);
    if (r.ok) return JWTX_OK;
    if (r.expired) {
      write_error(error, error_size, "exp is older than the fleet's retention (already dropped)");
      return JWTX_INVALID_ARGUMENT;
    }
    write_error(error, error_size, r.error);
    return JWTX_UNAVAILABLE;
  });
}

// --- verifiers ------------------------------------------------------------------------------

void jwtx_verifier_options_init(jwtx_verifier_options* o) noexcept {
  if (!o) return;
  std::memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->leeway_seconds = 60;
  o->max_token_bytes = 16 * 1024;
  o->require_exp = 1;
  o->max_age_seconds = -1;
  o->max_json_depth = 16;
  o->max_keys_tried = 4;
  o->revocation_max_staleness_seconds = -1;
}

namespace {

// The caller's struct, widened to this library's layout: fields it does not have keep their
// defaults. Returns false (with a message) for a struct that is too small, or larger with a
// non-zero tail this library does not know.
bool read_options(const jwtx_verifier_options* in, jwtx_verifier_options* out, std::string* why) {
  jwtx_verifier_options_init(out);
  const std::size_t size = in->struct_size;
  if (size < JWTX_VERIFIER_OPTIONS_V0_SIZE) {
    *why = "options struct_size " + std::to_string(size) + " is smaller than the first layout (" +
           std::to_string(JWTX_VERIFIER_OPTIONS_V0_SIZE) + "): call jwtx_verifier_options_init";
    return false;
  }
  if (size > sizeof *out) {
    const auto* tail = reinterpret_cast<const unsigned char*>(in) + sizeof *out;
    if (std::any_of(tail, tail + (size - sizeof *out), [](unsigned char c) { return c != 0; })) {
      *why = "options set fields this library version (" + std::string(JWTX_VERSION) +
             ") does not know";
      return false;
    }
  }
  std::memcpy(out, in, std::min(size, sizeof *out));
  out->struct_size = sizeof *out;
  return true;
}

bool copy_strings(const char* const* list, std::size_t count, const char* what,
                  std::vector<std::string>* out, std::string* why) {
  if (count > 0 && !list) {
    *why = std::string(what) + " is NULL with a non-zero count";
    return false;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (!list[i]) {
      *why = std::string(what) + "[" + std::to_string(i) + "] is NULL";
      return false;
    }
    out->emplace_back(list[i]);
  }
  return true;
}

// jwtx_verifier_options -> verifier_options; false with a reason for anything refused.
bool convert_options(const jwtx_verifier_options& c, jwtx::verifier_options* o,
                     std::shared_ptr<jwtx::revocation_set>* revocation, std::string* why) {
  if (!c.algorithms || !*c.algorithms) {
    *why = "algorithms is empty: list the accepted algorithms, e.g. \"RS256,ES256\"";
    return false;
  }
  std::string_view bad;
  auto algs = jwtx::parse_algorithm_list(c.algorithms, &bad);
  if (!algs) {
    *why = "algorithms: unknown or refused algorithm \"" + std::string(bad.substr(0, 16)) + "\"";
    return false;
  }
  o->algorithms = *algs;
  if (!copy_strings(c.issuers, c.issuer_count, "issuers", &o->claims.issuers, why) ||
      !copy_strings(c.audiences, c.audience_count, "audiences", &o->claims.audiences, why) ||
      !copy_strings(c.required_claims, c.required_claim_count, "required_claims",
                    &o->claims.required_claims, why))
    return false;
  o->claims.leeway_seconds = c.leeway_seconds;
  o->max_token_bytes = c.max_token_bytes;
  o->cache_entries = c.cache_entries;
  if (c.typ) o->claims.typ = c.typ;
  o->claims.require_exp = c.require_exp != 0;
  o->claims.ignore_aud_when_unconfigured = c.ignore_aud_when_unconfigured != 0;
  // Negative means "not checked"; NaN is passed on for validate_options() to refuse.
  if (!(c.max_age_seconds < 0)) o->claims.max_age_seconds = c.max_age_seconds;
  o->max_json_depth = c.max_json_depth;
  o->max_keys_tried = c.max_keys_tried;
  if (c.revocation) {
    *revocation = c.revocation->set;
    o->claims.revoked = revocation->get();
  }
  if (!(c.revocation_max_staleness_seconds < 0))
    o->claims.revocation_max_staleness_seconds = c.revocation_max_staleness_seconds;
  o->claims.revocation_fail_closed = c.revocation_fail_closed != 0;
  if (c.clock) {
    o->claims.clock = [fn = c.clock, ctx = c.clock_context] { return fn(ctx); };
  }
  return true;
}

}  // namespace

jwtx_verifier* jwtx_verifier_new(const jwtx_key_set* keys, const jwtx_verifier_options* o,
                                 char* error, size_t error_size) noexcept {
  if (!keys || !o) {
    write_error(error, error_size, !keys ? "keys is NULL" : "options is NULL");
    return nullptr;
  }
  return guarded_new(error, error_size, [&]() -> jwtx_verifier* {
    std::string why;
    jwtx_verifier_options c;
    jwtx::verifier_options options;
    auto handle = std::make_unique<jwtx_verifier>();
    if (!read_options(o, &c, &why) || !convert_options(c, &options, &handle->revocation, &why) ||
        jwtx::validate_options(options, &why) != jwtx::status::ok) {
      write_error(error, error_size, reason(jwtx::status::options_invalid, why));
      return nullptr;
    }
    handle->store = std::make_shared<jwtx::key_store>(keys->set);
    handle->engine = std::make_shared<const jwtx::verifier>(handle->store, std::move(options));
    return handle.release();
  });
}

void jwtx_verifier_free(jwtx_verifier* v) noexcept { delete v; }

jwtx_status jwtx_verifier_publish_keys(jwtx_verifier* v, const jwtx_key_set* keys) noexcept {
  if (!v || !keys) return JWTX_INVALID_ARGUMENT;
  return guarded([&] {
    v->store->publish(keys->set);
    return JWTX_OK;
  });
}

// --- results --------------------------------------------------------------------------------

jwtx_result* jwtx_result_new(void) noexcept {
  return guarded_new(nullptr, 0, []() -> jwtx_result* { return new owned_result(); });
}

void jwtx_result_free(jwtx_result* r) noexcept {
  // Only jwtx_result_new's results are the caller's; a completion's view never reaches here
  // legitimately (it is const), and a batch's are owned by its jwtx_results.
  if (r && r->owned) delete static_cast<owned_result*>(r);
}

jwtx_status jwtx_verify(const jwtx_verifier* v, const char* token, size_t len,
                        jwtx_result* out) noexcept {
  if (!v || !token || !out || !out->owned) [[unlikely]]
    return JWTX_INVALID_ARGUMENT;
  v->engine->verify(std::string_view(token, len), *out->owned);
  const jwtx::status s = out->owned->status();
  v->counts[stripe_for(out)].counts[static_cast<std::size_t>(s)].fetch_add(
      1, std::memory_order_relaxed);
  return to_c(s);
}

jwtx_status jwtx_result_status(const jwtx_result* r) noexcept {
  return r ? to_c(r->view->status()) : JWTX_INVALID_ARGUMENT;
}

int jwtx_result_from_cache(const jwtx_result* r) noexcept {
  return r && r->view->from_cache() ? 1 : 0;
}

const char* jwtx_result_alg(const jwtx_result* r) noexcept {
  if (!r || !r->view->alg()) return nullptr;
  return jwtx::algorithm_name(*r->view->alg()).data();  // views a string literal
}

jwtx_status jwtx_result_fingerprint(const jwtx_result* r,
                                    char out[JWTX_FINGERPRINT_SIZE]) noexcept {
  if (!r || !out) return JWTX_INVALID_ARGUMENT;
  const jwtx::fingerprint_text f = r->view->fingerprint();
  std::memcpy(out, f.data(), f.size());
  out[f.size()] = '\0';
  return JWTX_OK;
}

jwtx_status jwtx_result_detail(const jwtx_result* r, char* buf, size_t size,
                               size_t* needed) noexcept {
  if (!r) return JWTX_INVALID_ARGUMENT;
  return guarded([&] { return write_text(r->view->detail(), buf, size, needed); });
}

// --- claims ---------------------------------------------------------------------------------

namespace {

// The element |key| names: a top-level member (by_name) or an RFC 6901 pointer.
jwtx_status find_claim(const jwtx_result* r, const char* key, bool by_name,
                       simdjson::dom::element* out) noexcept {
  if (!r || !key) return JWTX_INVALID_ARGUMENT;
  simdjson::dom::element root;
  // The root pointer "" only fails when no claims were parsed (signature not verified).
  if (r->view->claim("").get(root)) return JWTX_NO_PAYLOAD;
  simdjson::error_code e;
  if (by_name) {
    e = root.get_object().at_key(key).get(*out);
  } else {
    e = root.at_pointer(key).get(*out);
  }
  switch (e) {
    case simdjson::SUCCESS:
      return JWTX_OK;
    case simdjson::NO_SUCH_FIELD:
    case simdjson::INDEX_OUT_OF_BOUNDS:
      return JWTX_CLAIM_NOT_FOUND;
    default:  // INCORRECT_TYPE (a pointer through a scalar), INVALID_JSON_POINTER
      return JWTX_CLAIM_WRONG_TYPE;
  }
}

jwtx_status get_string(const jwtx_result* r, const char* key, bool by_name, const char** out,
                       size_t* out_len) noexcept {
  if (!out || !out_len) return JWTX_INVALID_ARGUMENT;
  simdjson::dom::element e;
  if (jwtx_status s = find_claim(r, key, by_name, &e); s != JWTX_OK) return s;
  std::string_view v;
  if (e.get_string().get(v)) return JWTX_CLAIM_WRONG_TYPE;
  *out = v.data();
  *out_len = v.size();
  return JWTX_OK;
}

jwtx_status get_int64(const jwtx_result* r, const char* key, bool by_name, int64_t* out) noexcept {
  if (!out) return JWTX_INVALID_ARGUMENT;
  simdjson::dom::element e;
  if (jwtx_status s = find_claim(r, key, by_name, &e); s != JWTX_OK) return s;
  if (e.is_uint64() && !e.is_int64()) return JWTX_CLAIM_OUT_OF_RANGE;
  std::int64_t v;
  if (e.get_int64().get(v)) return JWTX_CLAIM_WRONG_TYPE;  // a fraction, or not a number
  *out = v;
  return JWTX_OK;
}

jwtx_status get_double(const jwtx_result* r, const char* key, bool by_name, double* out) noexcept {
  if (!out) return JWTX_INVALID_ARGUMENT;
  simdjson::dom::element e;
  if (jwtx_status s = find_claim(r, key, by_name, &e); s != JWTX_OK) return s;
  double v;
  if (e.get_double().get(v)) return JWTX_CLAIM_WRONG_TYPE;
  *out = v;
  return JWTX_OK;
}

jwtx_status get_bool(const jwtx_result* r, const char* key, bool by_name, int* out) noexcept {
  if (!out) return JWTX_INVALID_ARGUMENT;
  simdjson::dom::element e;
  if (jwtx_status s = find_claim(r, key, by_name, &e); s != JWTX_OK) return s;
  bool v;
  if (e.get_bool().get(v)) return JWTX_CLAIM_WRONG_TYPE;
  *out = v ? 1 : 0;
  return JWTX_OK;
}

jwtx_status get_json(const jwtx_result* r, const char* key, bool by_name, char* buf, size_t size,
                     size_t* needed) noexcept {
  simdjson::dom::element e;
  if (jwtx_status s = find_claim(r, key, by_name, &e); s != JWTX_OK) return s;
  return guarded([&] { return write_text(simdjson::minify(e), buf, size, needed); });
}

}  // namespace

jwtx_status jwtx_result_get_string(const jwtx_result* r, const char* name, const char** out,
                                   size_t* out_len) noexcept {
  return get_string(r, name, true, out, out_len);
}
jwtx_status jwtx_result_get_int64(const jwtx_result* r, const char* name, int64_t* out) noexcept {
  return get_int64(r, name, true, out);
}
jwtx_status jwtx_result_get_double(const jwtx_result* r, const char* name, double* out) noexcept {
  return get_double(r, name, true, out);
}
jwtx_status jwtx_result_get_bool(const jwtx_result* r, const char* name, int* out) noexcept {
  return get_bool(r, name, true, out);
}
jwtx_status jwtx_result_get_json(const jwtx_result* r, const char* name, char* buf, size_t size,
                                 size_t* needed) noexcept {
  return get_json(r, name, true, buf, size, needed);
}
jwtx_status jwtx_result_pointer_string(const jwtx_result* r, const char* pointer, const char** out,
                                       size_t* out_len) noexcept {
  return get_string(r, pointer, false, out, out_len);
}
jwtx_status jwtx_result_pointer_int64(const jwtx_result* r, const char* pointer,
                                      int64_t* out) noexcept {
  return get_int64(r, pointer, false, out);
}
jwtx_status jwtx_result_pointer_double(const jwtx_result* r, const char* pointer,
                                       double* out) noexcept {
  return get_double(r, pointer, false, out);
}
jwtx_status jwtx_result_pointer_bool(const jwtx_result* r, const char* pointer, int* out) noexcept {
  return get_bool(r, pointer, false, out);
}
jwtx_status jwtx_result_pointer_json(const jwtx_result* r, const char* pointer, char* buf,
                                     size_t size, size_t* needed) noexcept {
  return get_json(r, pointer, false, buf, size, needed);
}

jwtx_status jwtx_result_payload(const jwtx_result* r, const char** out, size_t* out_len) noexcept {
  if (!r || !out || !out_len) return JWTX_INVALID_ARGUMENT;
  const std::string_view p = r->view->payload();
  if (p.empty()) return JWTX_NO_PAYLOAD;
  *out = p.data();
  *out_len = p.size();
  return JWTX_OK;
}

// --- pipelines ------------------------------------------------------------------------------

void jwtx_pipeline_options_init(jwtx_pipeline_options* o) noexcept {
  if (!o) return;
  const jwtx::pipeline_options d;
  std::memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->concurrency = d.concurrency;
  o->queue_capacity = d.queue_capacity;
  o->slot_bytes = d.slot_bytes;
  o->large_slots = d.large_slots;
  o->max_batch = d.max_batch;
  o->batch_deadline_ns = static_cast<uint64_t>(d.batch_deadline.count());
}

jwtx_pipeline* jwtx_pipeline_new(const jwtx_verifier* v, const jwtx_pipeline_options* o,
                                 char* error, size_t error_size) noexcept {
  if (!v) {
    write_error(error, error_size, "verifier is NULL");
    return nullptr;
  }
  return guarded_new(error, error_size, [&]() -> jwtx_pipeline* {
    jwtx_pipeline_options c;
    jwtx_pipeline_options_init(&c);
    if (o) {
      if (o->struct_size < offsetof(jwtx_pipeline_options, concurrency) + sizeof(size_t)) {
        write_error(error, error_size, "pipeline options struct_size is too small");
        return nullptr;
      }
      std::memcpy(&c, o, std::min(o->struct_size, sizeof c));
    }
    jwtx::pipeline_options po;
    po.concurrency = c.concurrency;
    po.queue_capacity = c.queue_capacity;
    po.slot_bytes = c.slot_bytes;
    po.large_slots = c.large_slots;
    po.max_batch = c.max_batch;
    // Clamped before the conversion; validate_pipeline_options() refuses anything over 1 s.
    po.batch_deadline = std::chrono::nanoseconds(
        static_cast<std::int64_t>(std::min<uint64_t>(c.batch_deadline_ns, INT64_MAX)));
    std::string why;
    auto p = jwtx::batch_pipeline::create(v->engine, po, &why);
    if (!p) {
      write_error(error, error_size, why);
      return nullptr;
    }
    auto handle = std::make_unique<jwtx_pipeline>();
    handle->engine = std::move(p);
    return handle.release();
  });
}

void jwtx_pipeline_close(jwtx_pipeline* p) noexcept {
  if (p) p->engine->close();
}

void jwtx_pipeline_free(jwtx_pipeline* p) noexcept { delete p; }

namespace {

// The engine hands a completion one context pointer and one 64-bit tag: the caller's |user| rides
// in the context and the C callback in the tag, so a submit needs no per-token record (no
// allocation, nothing to free if the token is refused).
void trampoline(void* user, std::uint64_t fn_bits, const jwtx::verify_result& r) noexcept {
  const auto fn = reinterpret_cast<jwtx_completion_fn>(static_cast<std::uintptr_t>(fn_bits));
  const jwtx_result view{&r, nullptr};
  fn(user, to_c(r.status()), &view);
}

std::uint64_t fn_bits(jwtx_completion_fn fn) noexcept {
  static_assert(sizeof(jwtx_completion_fn) <= sizeof(std::uint64_t));
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(fn));
}

}  // namespace

jwtx_status jwtx_submit(jwtx_pipeline* p, const char* token, size_t len, jwtx_completion_fn done,
                        void* user) noexcept {
  if (!p || !token || !done) return JWTX_INVALID_ARGUMENT;
  return to_c(p->engine->submit(std::string_view(token, len), {&trampoline, user}, fn_bits(done)));
}

jwtx_status jwtx_submit_wait(jwtx_pipeline* p, const char* token, size_t len,
                             jwtx_completion_fn done, void* user, uint64_t timeout_ns) noexcept {
  if (!p || !token || !done) return JWTX_INVALID_ARGUMENT;
  const auto timeout = std::chrono::nanoseconds(
      static_cast<std::int64_t>(std::min<uint64_t>(timeout_ns, INT64_MAX)));
  return to_c(p->engine->submit_wait(std::string_view(token, len), {&trampoline, user},
                                     fn_bits(done), timeout));
}

jwtx_results* jwtx_results_new(size_t capacity) noexcept {
  return guarded_new(nullptr, 0, [&]() -> jwtx_results* {
    auto rs = std::make_unique<jwtx_results>();
    rs->storage.resize(capacity);
    rs->views.resize(capacity);
    for (std::size_t i = 0; i < capacity; ++i) rs->views[i].view = &rs->storage[i];
    rs->tokens.resize(capacity);
    return rs.release();
  });
}

void jwtx_results_free(jwtx_results* rs) noexcept { delete rs; }

size_t jwtx_results_capacity(const jwtx_results* rs) noexcept {
  return rs ? rs->storage.size() : 0;
}

const jwtx_result* jwtx_results_get(const jwtx_results* rs, size_t i) noexcept {
  return rs && i < rs->views.size() ? &rs->views[i] : nullptr;
}

jwtx_status jwtx_verify_batch(jwtx_pipeline* p, const char* const* tokens, const size_t* lens,
                              size_t count, jwtx_results* out, jwtx_status* statuses) noexcept {
  if (!p || !out || (!tokens && count > 0) || count > out->storage.size())
    return JWTX_INVALID_ARGUMENT;
  for (std::size_t i = 0; i < count; ++i) {
    if (!tokens[i]) return JWTX_INVALID_ARGUMENT;
    out->tokens[i] = lens ? std::string_view(tokens[i], lens[i]) : std::string_view(tokens[i]);
  }
  if (!p->engine->verify_batch(std::span(out->tokens.data(), count),
                               std::span(out->storage.data(), count)))
    return JWTX_INTERNAL_ERROR;  // sizes were checked above
  if (statuses) {
    for (std::size_t i = 0; i < count; ++i) statuses[i] = to_c(out->storage[i].status());
  }
  return JWTX_OK;
}

// --- metrics --------------------------------------------------------------------------------

namespace {

constexpr std::size_t kMetricsMinSize =
    offsetof(jwtx_metrics, status_counts) + sizeof(jwtx_metrics::status_counts);

void fill_cache(const jwtx::verifier& v, jwtx_metrics* m) noexcept {
  m->key_search_capped = v.key_search_capped();
  const jwtx::token_cache* cache = v.cache();
  if (!cache) return;
  const jwtx::token_cache_stats s = cache->stats();
  m->cache_capacity = cache->capacity();
  m->cache_size = cache->size();
  m->cache_hits = s.hits;
  m->cache_misses = s.misses;
  m->cache_inserts = s.inserts;
  m->cache_evictions = s.evictions;
  m->cache_invalidations = s.invalidations;
  m->cache_collisions_rejected = s.collisions_rejected;
  m->cache_not_cached_too_big = s.not_cached_too_big;
}

jwtx_latency_summary to_c(const jwtx::latency_summary& l) noexcept {
  return {l.count, l.min, l.p50, l.p90, l.p99, l.p999, l.max, l.mean};
}

// Copies the prefix the caller's (possibly older, smaller) struct has room for.
void deliver(const jwtx_metrics& full, jwtx_metrics* out) noexcept {
  const std::size_t size = std::min(out->struct_size, sizeof full);
  std::memcpy(out, &full, size);
  out->struct_size = size;
}

}  // namespace

jwtx_status jwtx_verifier_metrics(const jwtx_verifier* v, jwtx_metrics* out) noexcept {
  if (!v || !out || out->struct_size < kMetricsMinSize) return JWTX_INVALID_ARGUMENT;
  jwtx_metrics m{};
  for (std::size_t s = 0; s < kStripes; ++s) {
    for (std::size_t i = 0; i < static_cast<std::size_t>(jwtx::kStatusCount); ++i)
      m.status_counts[i] += v->counts[s].counts[i].load(std::memory_order_relaxed);
  }
  fill_cache(*v->engine, &m);
  deliver(m, out);
  return JWTX_OK;
}

jwtx_status jwtx_pipeline_metrics(const jwtx_pipeline* p, jwtx_metrics* out) noexcept {
  if (!p || !out || out->struct_size < kMetricsMinSize) return JWTX_INVALID_ARGUMENT;
  return guarded([&] {
    const jwtx::pipeline_snapshot s = p->engine->snapshot();
    jwtx_metrics m{};
    for (std::size_t i = 0; i < s.results.counts.size(); ++i)
      m.status_counts[i] = s.results.counts[i];
    fill_cache(p->engine->engine(), &m);
    m.refused_overloaded = s.refused_overloaded;
    m.refused_shutting_down = s.refused_shutting_down;
    m.refused_too_large = s.refused_too_large;
    m.batches = s.batches;
    m.duplicates = s.duplicates;
    m.cache_first_hits = s.cache_first_hits;
    m.in_flight = s.in_flight;
    m.queue_wait_ns = to_c(s.queue_wait_ns);
    m.service_ns = to_c(s.service_ns);
    m.latency_ns = to_c(s.latency_ns);
    m.batch_size = to_c(s.batch_size);
    deliver(m, out);
    return JWTX_OK;
  });
}
