/* jwtx.h — the C API of jwtx, a strict JWS compact / JWT verification engine.
 *
 * Link: libjwtx.so (SONAME libjwtx.so.0). It exports only the jwtx_* functions below; BoringSSL
 * is linked into it with every symbol made local, so it may be loaded next to OpenSSL.
 *
 * Conventions that hold for every function below unless its comment says otherwise:
 *  - Ownership: a function named *_new / *_from_* / *_start returns a handle the caller owns and
 *    releases with the matching *_free / *_stop (NULL is accepted by every *_free / *_stop and
 *    does nothing). Handles passed in are borrowed for the duration of the call; where a handle
 *    keeps another alive (a verifier its key set and revocation set, a pipeline its verifier, a
 *    feed its revocation set) it takes its own reference, so the caller may free its handle at
 *    any time after the call. Strings returned as `const char*` are static unless stated.
 *  - Errors: no C++ exception ever crosses this API. Functions returning jwtx_status return
 *    JWTX_INVALID_ARGUMENT for a NULL handle or pointer argument (never dereferenced),
 *    JWTX_OUT_OF_MEMORY when an allocation failed (the call then had no effect). Constructors
 *    return NULL on failure and, when |error| is not NULL and |error_size| > 0, write a
 *    NUL-terminated one-line reason into it (truncated to error_size - 1 bytes). Key-set and
 *    verifier reasons start with the outcome's status name ("key_invalid: ...",
 *    "key_set_invalid: ...", "key_too_small: ...", "options_invalid: ..."); a NULL argument
 *    gives "<name> is NULL", an allocation failure "out of memory".
 *  - Tokens are byte strings (pointer + length, no NUL needed); jwtx never prints or logs a raw
 *    token: name tokens in your logs with jwtx_fingerprint().
 *  - Thread-safety: key sets, verifiers, pipelines, revocation sets and feeds may be used from any
 *    number of threads at once (including jwtx_verifier_publish_keys while others verify); a
 *    jwtx_result / jwtx_results is per-thread scratch: one thread at a time.
 *  - ABI: option and metrics structs start with `size_t struct_size`; fields are only ever
 *    appended. The library reads (or writes) only struct_size bytes, so a program compiled
 *    against an older, smaller struct keeps working with a newer library (the fields it does not
 *    know keep their defaults). Status values are stable; new ones are appended.
 */
#ifndef JWTX_H_
#define JWTX_H_

#include <stddef.h>
#include <stdint.h>

/* C++ callers see every function as noexcept (none ever throws). */
#ifdef __cplusplus
#define JWTX_NOEXCEPT noexcept
extern "C" {
#else
#define JWTX_NOEXCEPT
#endif

/* The version this header belongs to; equal to CMake's project(VERSION) (checked when jwtx is
 * configured and by a test). jwtx_version() names the library actually loaded. */
#define JWTX_VERSION_MAJOR 0
#define JWTX_VERSION_MINOR 1
#define JWTX_VERSION_PATCH 0

/* "X.Y.Z" of the loaded library. Static storage, never NULL. Thread-safe. */
const char* jwtx_version(void) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Status: one value per outcome. 0..34 are the engine's statuses (same values and names as
 * jwtx::status, docs in README "Strictness"); 64 and above are this API's own outcomes. */
typedef enum jwtx_status {
  JWTX_OK = 0,
  JWTX_MALFORMED = 1,       /* not exactly three segments */
  JWTX_TOO_LARGE = 2,       /* longer than max_token_bytes */
  JWTX_UNSUPPORTED_JWE = 3, /* five segments (JWE) */
  JWTX_BAD_BASE64 = 4,
  JWTX_BAD_JSON = 5,
  JWTX_BAD_UTF8 = 6,
  JWTX_NOT_OBJECT = 7,
  JWTX_DUPLICATE_MEMBER = 8,
  JWTX_TOO_DEEP = 9,
  JWTX_HEADER_INVALID = 10,
  JWTX_ALG_NOT_ALLOWED = 11, /* includes every spelling of "none" */
  JWTX_ALG_KEY_MISMATCH = 12,
  JWTX_KEY_NOT_FOUND = 13,
  JWTX_KEY_TOO_SMALL = 14,
  JWTX_CRIT_UNSUPPORTED = 15,
  JWTX_TYP_MISMATCH = 16,
  JWTX_BAD_SIGNATURE = 17,
  JWTX_EXPIRED = 18,
  JWTX_NOT_YET_VALID = 19,
  JWTX_ISSUED_IN_FUTURE = 20,
  JWTX_TOO_OLD = 21,
  JWTX_ISSUER_MISMATCH = 22,
  JWTX_AUDIENCE_MISMATCH = 23,
  JWTX_MISSING_CLAIM = 24,
  JWTX_CLAIM_TYPE = 25, /* a registered claim (exp, iss, ...) has the wrong JSON type */
  JWTX_REVOKED = 26,
  JWTX_KEY_INVALID = 27,     /* key loading: a malformed or weak key */
  JWTX_KEY_SET_INVALID = 28, /* key loading: the set as a whole is unusable */
  JWTX_INTERNAL_ERROR = 29,  /* never expected */
  JWTX_REVOCATION_UNAVAILABLE = 30,
  JWTX_OPTIONS_INVALID = 31,
  JWTX_CLOCK_INVALID = 32,
  JWTX_OVERLOADED = 33,    /* pipeline queue full: not accepted */
  JWTX_SHUTTING_DOWN = 34, /* pipeline closed: not accepted */
  /* This API's own outcomes. */
  JWTX_INVALID_ARGUMENT = 64,   /* a NULL handle/pointer, or a value this API refuses */
  JWTX_OUT_OF_MEMORY = 65,      /* an allocation failed; the call had no effect */
  JWTX_BUFFER_TOO_SMALL = 66,   /* the caller's buffer cannot hold the answer (size reported) */
  JWTX_CLAIM_NOT_FOUND = 67,    /* the verified payload has no such member / pointer target */
  JWTX_CLAIM_WRONG_TYPE = 68,   /* the claim exists but has another JSON type */
  JWTX_CLAIM_OUT_OF_RANGE = 69, /* an integer claim that does not fit int64_t */
  JWTX_NO_PAYLOAD = 70, /* no verified claims: the signature did not verify (or no token yet) */
  JWTX_NOT_FOUND = 71,  /* jwtx_revocation_remove: the jti was not listed */
  JWTX_UNAVAILABLE = 72 /* jwtx_redis_publish_revocation: Redis could not be reached in time */
} jwtx_status;

/* The stable snake_case name ("ok", "bad_signature", "invalid_argument", ...); "unknown" for a
 * value that is not a jwtx_status. Static storage. Thread-safe. */
const char* jwtx_status_name(jwtx_status s) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Fingerprints: 16 lowercase hex characters (the first 8 bytes of SHA-256 of the token), the
 * only way jwtx names a token. Buffers are JWTX_FINGERPRINT_SIZE bytes (16 + NUL). */
#define JWTX_FINGERPRINT_SIZE 17

/* Writes the fingerprint of token[0..len) into out (NUL-terminated). A NULL token is accepted only
 * with len 0 (the empty string). Errors: JWTX_INVALID_ARGUMENT (out NULL, or token NULL with
 * len > 0). Thread-safe, no allocation. */
jwtx_status jwtx_fingerprint(const char* token, size_t len,
                             char out[JWTX_FINGERPRINT_SIZE]) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Key sets: immutable once built; share one between any number of verifiers and threads. Keys
 * are checked once at load (README "Strictness", Key loading). */
typedef struct jwtx_key_set jwtx_key_set;

/* From a JWKS document ({"keys":[...]}). Bad keys inside it are skipped (see
 * jwtx_key_set_skipped_count); the load fails (NULL + error) when the document is malformed, holds
 * private keys or mixes HMAC with public keys, or leaves no usable key. */
jwtx_key_set* jwtx_key_set_from_jwks(const char* json, size_t len, char* error,
                                     size_t error_size) JWTX_NOEXCEPT;
/* From one PEM public key ("PUBLIC KEY": RSA, EC or Ed25519; or "RSA PUBLIC KEY"). |kid| may be
 * NULL (no kid: the key is then found by kid-less tokens only). */
jwtx_key_set* jwtx_key_set_from_pem(const char* pem, size_t len, const char* kid, char* error,
                                    size_t error_size) JWTX_NOEXCEPT;
/* From raw HMAC secret bytes (HS256/384/512; at least 32 bytes). |kid| may be NULL. */
jwtx_key_set* jwtx_key_set_from_hmac(const unsigned char* secret, size_t len, const char* kid,
                                     char* error, size_t error_size) JWTX_NOEXCEPT;
/* Releases the caller's reference (verifiers built from it keep theirs). NULL: no-op. */
void jwtx_key_set_free(jwtx_key_set* keys) JWTX_NOEXCEPT;
/* Number of usable keys / of keys skipped at load; 0 for NULL. Thread-safe. */
size_t jwtx_key_set_size(const jwtx_key_set* keys) JWTX_NOEXCEPT;
size_t jwtx_key_set_skipped_count(const jwtx_key_set* keys) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Revocation sets: revoked "jti" values, checked on every verification (cache hits too).
 * Readers (verifications, jwtx_revocation_contains) take no lock; writers may be called from any
 * thread and never block readers. */
typedef struct jwtx_revocation_set jwtx_revocation_set;

/* An empty set. NULL only when out of memory. */
jwtx_revocation_set* jwtx_revocation_set_new(void) JWTX_NOEXCEPT;
/* Releases the caller's reference (verifiers and feeds using it keep theirs). NULL: no-op. */
void jwtx_revocation_set_free(jwtx_revocation_set* set) JWTX_NOEXCEPT;
/* Revokes jti[0..len) (any bytes) until exp + retention (Unix seconds; INFINITY: until removed;
 * NaN counts as infinity). Errors: JWTX_INVALID_ARGUMENT (set NULL, or jti NULL with len > 0),
 * JWTX_OUT_OF_MEMORY. */
jwtx_status jwtx_revocation_add(jwtx_revocation_set* set, const char* jti, size_t len,
                                double exp) JWTX_NOEXCEPT;
/* Un-revokes jti: JWTX_OK if it was listed (by this API; a Redis feed's entries are its own),
 * JWTX_NOT_FOUND if not; JWTX_INVALID_ARGUMENT, JWTX_OUT_OF_MEMORY as for add. */
jwtx_status jwtx_revocation_remove(jwtx_revocation_set* set, const char* jti,
                                   size_t len) JWTX_NOEXCEPT;
/* 1 if jti is revoked by any source (this API or a feed), else 0 (also for NULL arguments).
 * Lock-free, no allocation. */
int jwtx_revocation_contains(const jwtx_revocation_set* set, const char* jti,
                             size_t len) JWTX_NOEXCEPT;
/* Distinct revoked jtis over all sources; 0 for NULL. */
size_t jwtx_revocation_size(const jwtx_revocation_set* set) JWTX_NOEXCEPT;

/* Fleet revocation from Redis (sorted set KEY + channel KEY:events; README "Cache and fleet
 * revocation"): a background thread keeps its own source of |set| equal to the fleet's list,
 * reconnecting with backoff. |endpoint| is "HOST:PORT[/KEY]" (IPv6 "[ADDR]:PORT[/KEY]"; KEY
 * defaults to "jwtx:revoked"; use an IP literal: only name resolution is not bounded in time).
 * Times use the system clock. Build the verifiers that use the set before starting the feed (they
 * set its retention). Returns NULL + error for a bad endpoint or when the thread cannot start;
 * an unreachable server is not an error (the feed keeps retrying; see jwtx_redis_feed_synced). */
typedef struct jwtx_redis_feed jwtx_redis_feed;
jwtx_redis_feed* jwtx_redis_feed_start(jwtx_revocation_set* set, const char* endpoint, char* error,
                                       size_t error_size) JWTX_NOEXCEPT;
/* Stops the thread and releases the feed (returns within milliseconds whatever Redis does); the
 * entries it loaded stay in the set. NULL: no-op. Not concurrently with other calls on |feed|. */
void jwtx_redis_feed_stop(jwtx_redis_feed* feed) JWTX_NOEXCEPT;
/* 1 while a session is established (subscribed, fully loaded, PONGs arriving), else 0. */
int jwtx_redis_feed_synced(const jwtx_redis_feed* feed) JWTX_NOEXCEPT;

typedef struct jwtx_redis_feed_stats {
  size_t struct_size; /* set by the caller: sizeof(jwtx_redis_feed_stats) */
  uint64_t connects, reconnects, loads, messages, malformed, errors;
} jwtx_redis_feed_stats;
/* Fills the first out->struct_size bytes of |out|. JWTX_INVALID_ARGUMENT for NULL arguments or a
 * struct_size below the struct's first field. */
jwtx_status jwtx_redis_feed_get_stats(const jwtx_redis_feed* feed,
                                      jwtx_redis_feed_stats* out) JWTX_NOEXCEPT;

/* Revokes jti fleet-wide until |exp| (MULTI: ZADD GT, trim past exp + one day, PUBLISH), retrying
 * for up to timeout_seconds. Blocks the calling thread. JWTX_OK; JWTX_INVALID_ARGUMENT (bad
 * endpoint, empty jti, NaN exp, or an exp already past the fleet's one-day retention; reason in
 * error); JWTX_UNAVAILABLE (Redis unreachable or refusing, reason in error). */
jwtx_status jwtx_redis_publish_revocation(const char* endpoint, const char* jti, size_t len,
                                          double exp, double timeout_seconds, char* error,
                                          size_t error_size) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Verifiers. */
typedef struct jwtx_verifier jwtx_verifier;

/* Reads the current time (Unix seconds, fractional); called from verifying threads, so it must be
 * thread-safe. A NaN, infinite or out-of-range reading fails the token with JWTX_CLOCK_INVALID. */
typedef double (*jwtx_clock_fn)(void* context);

/* The policy a verifier enforces. Call jwtx_verifier_options_init() first, then set fields.
 * Strings and arrays are copied by jwtx_verifier_new (borrowed only during that call). */
typedef struct jwtx_verifier_options {
  size_t struct_size; /* sizeof(jwtx_verifier_options) as the caller was compiled */
  /* Comma-separated allow-list, e.g. "RS256,ES256" (HS256..512, RS*, PS*, ES256/384/512, EdDSA).
   * Required: NULL or "" accepts nothing and is refused; "none" can never be listed. */
  const char* algorithms;
  /* Allowed issuers (iss): any of them passes; count 0 accepts any (or no) iss. */
  const char* const* issuers;
  size_t issuer_count;
  /* Allowed audiences: a token passes if one of its aud values is listed. With count 0 a token
   * carrying aud is rejected (RFC 7519 4.1.3) unless ignore_aud_when_unconfigured. */
  const char* const* audiences;
  size_t audience_count;
  double leeway_seconds; /* for exp/nbf/iat, in [0, 86400]; default 60 */
  /* Claim names that must be present (any type), e.g. {"sub","jti"}. */
  const char* const* required_claims;
  size_t required_claim_count;
  size_t max_token_bytes; /* larger tokens: JWTX_TOO_LARGE; in [1, 64 MiB]; default 16384 */
  size_t cache_entries;   /* verified-token cache (not for HS*); 0 = none (default) */
  const char* typ;        /* required "typ" header (case-insensitive, "application/" ignored);
                             NULL or "": not checked */
  /* --- end of the first published layout (JWTX_VERIFIER_OPTIONS_V0_SIZE) --- */
  int require_exp;                  /* default 1: a token without exp is missing_claim */
  int ignore_aud_when_unconfigured; /* default 0 */
  double max_age_seconds;           /* now - iat limit; < 0 (default -1): not checked */
  size_t max_json_depth;            /* in [1, 1024]; default 16 */
  size_t max_keys_tried;            /* signature checks per token at most; default 4 */
  /* Revocation (borrowed during jwtx_verifier_new; the verifier keeps its own reference). */
  jwtx_revocation_set* revocation;
  /* Once the list's last sync is older than this (a Redis feed fell behind), a token with a jti
   * is accepted (fail-open) or rejected with JWTX_REVOCATION_UNAVAILABLE (revocation_fail_closed).
   * < 0 (default -1): not checked. */
  double revocation_max_staleness_seconds;
  int revocation_fail_closed;
  /* Injected clock; NULL: the system clock. */
  jwtx_clock_fn clock;
  void* clock_context;
} jwtx_verifier_options;

/* The size of the first published layout (fields up to and including typ): the smallest
 * struct_size jwtx_verifier_new accepts. */
#define JWTX_VERIFIER_OPTIONS_V0_SIZE (offsetof(jwtx_verifier_options, typ) + sizeof(const char*))

/* Sets o->struct_size = sizeof(jwtx_verifier_options) and every field to its default (no
 * algorithms). NULL: no-op. Thread-safe. (When this struct grows, this symbol keeps its old
 * version node in jwtx.map for programs built against the older, smaller struct.) */
void jwtx_verifier_options_init(jwtx_verifier_options* o) JWTX_NOEXCEPT;

/* A verifier for |keys| under |o|. Checks every option once (unknown algorithm, leeway, sizes,
 * ranges, a struct_size smaller than JWTX_VERIFIER_OPTIONS_V0_SIZE, or a larger struct whose
 * unknown tail is not all zero) and returns NULL + error instead of a verifier that fails every
 * token. Keeps its own reference to |keys| and to o->revocation. The cache (cache_entries) is
 * allocated here, whole. */
jwtx_verifier* jwtx_verifier_new(const jwtx_key_set* keys, const jwtx_verifier_options* o,
                                 char* error, size_t error_size) JWTX_NOEXCEPT;
/* Releases the caller's reference (a pipeline built on it keeps its own). NULL: no-op. Must not
 * race with calls on the same handle. */
void jwtx_verifier_free(jwtx_verifier* v) JWTX_NOEXCEPT;

/* Key rotation: atomically replaces the verifier's key set (and that of every pipeline built on
 * it). Verifications in flight finish with the set they started with, later ones see |keys|;
 * verifying threads are never blocked. Blocks the caller until no thread can still read the old
 * set; must not be called from inside a completion callback. Cached tokens verified under other
 * keys are invalidated. JWTX_OK or JWTX_INVALID_ARGUMENT. */
jwtx_status jwtx_verifier_publish_keys(jwtx_verifier* v, const jwtx_key_set* keys) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Results: per-thread scratch, reused across verifications (no allocation once warm). */
typedef struct jwtx_result jwtx_result;

/* A fresh result (status JWTX_INTERNAL_ERROR until a verification fills it). NULL when out of
 * memory. */
jwtx_result* jwtx_result_new(void) JWTX_NOEXCEPT;
void jwtx_result_free(jwtx_result* r) JWTX_NOEXCEPT; /* NULL: no-op */

/* Verifies token[0..len) into |out| and returns its status (also jwtx_result_status(out)).
 * JWTX_INVALID_ARGUMENT (|out| left untouched) when v or out is NULL, token is NULL, or |out|
 * is a completion's read-only result. Thread-safe for any number of threads, each with its own
 * |out|; never blocks, no allocation once |out| is warm. */
jwtx_status jwtx_verify(const jwtx_verifier* v, const char* token, size_t len,
                        jwtx_result* out) JWTX_NOEXCEPT;

/* The result's status; JWTX_INVALID_ARGUMENT for NULL. */
jwtx_status jwtx_result_status(const jwtx_result* r) JWTX_NOEXCEPT;
/* 1 if the last verification was answered by the verified-token cache, else 0. */
int jwtx_result_from_cache(const jwtx_result* r) JWTX_NOEXCEPT;
/* The header's alg name ("RS256"), or NULL when the header did not parse (or r is NULL). */
const char* jwtx_result_alg(const jwtx_result* r) JWTX_NOEXCEPT;
/* Fingerprint of the token of the last verification into |r| (the empty string's before any);
 * JWTX_INVALID_ARGUMENT for NULL arguments. No allocation. */
jwtx_status jwtx_result_fingerprint(const jwtx_result* r,
                                    char out[JWTX_FINGERPRINT_SIZE]) JWTX_NOEXCEPT;
/* Why the token failed, one sentence naming the rule ("" when ok); never token content. Writes
 * a NUL-terminated string into buf and its length (without NUL) into *needed (may be NULL):
 * JWTX_BUFFER_TOO_SMALL (buf holds a truncated string when size > 0) if size <= length. */
jwtx_status jwtx_result_detail(const jwtx_result* r, char* buf, size_t size,
                               size_t* needed) JWTX_NOEXCEPT;

/* Claims. Available whenever the signature verified — also when a later rule failed (e.g.
 * JWTX_EXPIRED): check the status first. Lookup by top-level member |name| (exact bytes,
 * NUL-terminated) or by RFC 6901 JSON |pointer| ("/roles/0", "/a~1b" for member "a/b").
 * Outcomes: JWTX_OK; JWTX_NO_PAYLOAD (no verified claims in r); JWTX_CLAIM_NOT_FOUND;
 * JWTX_CLAIM_WRONG_TYPE (exists with another JSON type; also a malformed pointer's target);
 * JWTX_CLAIM_OUT_OF_RANGE (get_int64: an integer beyond int64_t); JWTX_INVALID_ARGUMENT (NULL).
 * |*out| is written only on JWTX_OK. Strings point into |r| (not NUL-terminated; may contain
 * NUL) and stay valid until r is reused or freed. No allocation (except the first claim access
 * after a cache hit, which decodes the payload). Not concurrently on one result. */
jwtx_status jwtx_result_get_string(const jwtx_result* r, const char* name, const char** out,
                                   size_t* out_len) JWTX_NOEXCEPT;
jwtx_status jwtx_result_get_int64(const jwtx_result* r, const char* name,
                                  int64_t* out) JWTX_NOEXCEPT;
/* Any JSON number (integers converted to double). */
jwtx_status jwtx_result_get_double(const jwtx_result* r, const char* name,
                                   double* out) JWTX_NOEXCEPT;
jwtx_status jwtx_result_get_bool(const jwtx_result* r, const char* name, int* out) JWTX_NOEXCEPT;
/* The claim as compact JSON of any type, NUL-terminated into buf, length (without NUL) into
 * *needed (may be NULL); JWTX_BUFFER_TOO_SMALL if size <= length. Allocates (serialisation). */
jwtx_status jwtx_result_get_json(const jwtx_result* r, const char* name, char* buf, size_t size,
                                 size_t* needed) JWTX_NOEXCEPT;
jwtx_status jwtx_result_pointer_string(const jwtx_result* r, const char* pointer, const char** out,
                                       size_t* out_len) JWTX_NOEXCEPT;
jwtx_status jwtx_result_pointer_int64(const jwtx_result* r, const char* pointer,
                                      int64_t* out) JWTX_NOEXCEPT;
jwtx_status jwtx_result_pointer_double(const jwtx_result* r, const char* pointer,
                                       double* out) JWTX_NOEXCEPT;
jwtx_status jwtx_result_pointer_bool(const jwtx_result* r, const char* pointer,
                                     int* out) JWTX_NOEXCEPT;
jwtx_status jwtx_result_pointer_json(const jwtx_result* r, const char* pointer, char* buf,
                                     size_t size, size_t* needed) JWTX_NOEXCEPT;
/* The verified payload bytes (the claims JSON), valid until r is reused or freed;
 * JWTX_NO_PAYLOAD when the signature did not verify. */
jwtx_status jwtx_result_payload(const jwtx_result* r, const char** out,
                                size_t* out_len) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Pipelines: an asynchronous engine with its own TBB arena (worker threads) and batcher thread.
 * Verdicts equal jwtx_verify's. README "The pipeline" has the design. */
typedef struct jwtx_pipeline jwtx_pipeline;

typedef struct jwtx_pipeline_options {
  size_t struct_size;         /* sizeof(jwtx_pipeline_options) as the caller was compiled */
  size_t concurrency;         /* worker threads; 0 (default) = every core */
  size_t queue_capacity;      /* tokens accepted and not completed, at most; default 4096 */
  size_t slot_bytes;          /* tokens up to this size use an ordinary slot; default 2048 */
  size_t large_slots;         /* slots for longer tokens; default 16 */
  size_t max_batch;           /* a batch closes at this many tokens (default 64) ... */
  uint64_t batch_deadline_ns; /* ... or this long after its first token (default 50000) */
} jwtx_pipeline_options;

/* Sets struct_size and the defaults. NULL: no-op. */
void jwtx_pipeline_options_init(jwtx_pipeline_options* o) JWTX_NOEXCEPT;

/* Starts a pipeline on |v| (keeps its own reference to it; rotation through
 * jwtx_verifier_publish_keys(v) applies to it). |o| may be NULL (defaults). NULL + error when an
 * option is out of range or memory/threads cannot be had. */
jwtx_pipeline* jwtx_pipeline_new(const jwtx_verifier* v, const jwtx_pipeline_options* o,
                                 char* error, size_t error_size) JWTX_NOEXCEPT;
/* Stops intake, drains, waits until every accepted token's completion has returned. Idempotent.
 * From inside a completion it only stops intake. */
void jwtx_pipeline_close(jwtx_pipeline* p) JWTX_NOEXCEPT;
/* jwtx_pipeline_close() then releases the pipeline. NULL: no-op. Not from a completion, and not
 * concurrently with other calls on |p|. */
void jwtx_pipeline_free(jwtx_pipeline* p) JWTX_NOEXCEPT;

/* Called exactly once per accepted token, on a pipeline worker thread, with the |user| pointer
 * given to jwtx_submit (carry your request id in it). |result| (and every string read from it) is
 * valid ONLY during the call: copy what you need. Keep it short; it may call jwtx_submit, never
 * wait on the pipeline (jwtx_pipeline_close/free, jwtx_submit_wait, jwtx_verify_batch). It must
 * not unwind or longjmp out. */
typedef void (*jwtx_completion_fn)(void* user, jwtx_status status, const jwtx_result* result);

/* Queues token[0..len) (copied: the buffer may be reused at once). Returns JWTX_OK (accepted:
 * done(user, ...) will be called exactly once) or the reason it was not (done is then never
 * called): JWTX_OVERLOADED (queue full), JWTX_SHUTTING_DOWN, JWTX_TOO_LARGE,
 * JWTX_INVALID_ARGUMENT (NULL p, token or done). Never blocks, locks or allocates. Any thread. */
jwtx_status jwtx_submit(jwtx_pipeline* p, const char* token, size_t len, jwtx_completion_fn done,
                        void* user) JWTX_NOEXCEPT;
/* Like jwtx_submit, but waits up to timeout_ns for a free slot instead of JWTX_OVERLOADED. Not
 * from a completion. */
jwtx_status jwtx_submit_wait(jwtx_pipeline* p, const char* token, size_t len,
                             jwtx_completion_fn done, void* user,
                             uint64_t timeout_ns) JWTX_NOEXCEPT;

/* A set of results for jwtx_verify_batch: capacity results plus their scratch, reused across
 * batches (no allocation once warm). One thread at a time. NULL when out of memory. */
typedef struct jwtx_results jwtx_results;
jwtx_results* jwtx_results_new(size_t capacity) JWTX_NOEXCEPT;
void jwtx_results_free(jwtx_results* rs) JWTX_NOEXCEPT; /* NULL: no-op */
size_t jwtx_results_capacity(const jwtx_results* rs) JWTX_NOEXCEPT;
/* The i-th result (read-only, valid until rs is reused or freed); NULL if i >= capacity. */
const jwtx_result* jwtx_results_get(const jwtx_results* rs, size_t i) JWTX_NOEXCEPT;

/* Verifies tokens[i] (lens[i] bytes; lens NULL: NUL-terminated) into result i of |out| on the
 * pipeline's arena in parallel, and returns when all are done; statuses (may be NULL) receives
 * each status. JWTX_OK when the batch ran (each token has its own status);
 * JWTX_INVALID_ARGUMENT when p/out/tokens is NULL, a token is NULL or count > capacity. Any
 * thread (also after close); one call at a time per |out|. */
jwtx_status jwtx_verify_batch(jwtx_pipeline* p, const char* const* tokens, const size_t* lens,
                              size_t count, jwtx_results* out, jwtx_status* statuses) JWTX_NOEXCEPT;

/* ---------------------------------------------------------------------------------------------
 * Metrics. */
typedef struct jwtx_latency_summary {
  uint64_t count, min, p50, p90, p99, p999, max;
  double mean;
} jwtx_latency_summary;

#define JWTX_STATUS_SLOTS 96 /* status_counts has room for every jwtx_status value */

typedef struct jwtx_metrics {
  size_t struct_size; /* set by the caller: sizeof(jwtx_metrics) */
  /* Results by status, indexed by jwtx_status: a verifier's count its jwtx_verify calls (per-thread
   * stripes, no shared counter line per call); a pipeline's count its deliveries (jwtx_submit and
   * jwtx_verify_batch). */
  uint64_t status_counts[JWTX_STATUS_SLOTS];
  /* The verified-token cache (all zero without one). */
  uint64_t cache_capacity, cache_size, cache_hits, cache_misses, cache_inserts, cache_evictions,
      cache_invalidations, cache_collisions_rejected, cache_not_cached_too_big;
  uint64_t key_search_capped; /* tokens whose key search stopped at max_keys_tried */
  /* Pipeline only (zero for a verifier). */
  uint64_t refused_overloaded, refused_shutting_down, refused_too_large;
  uint64_t batches, duplicates, cache_first_hits, in_flight;
  jwtx_latency_summary queue_wait_ns, service_ns, latency_ns, batch_size;
} jwtx_metrics;

/* Fill the first out->struct_size bytes of |out| (a smaller, older struct gets its prefix).
 * JWTX_INVALID_ARGUMENT for NULL arguments or a struct_size smaller than status_counts' end.
 * Any thread; counts may miss verifications still in flight. The pipeline's allocates. */
jwtx_status jwtx_verifier_metrics(const jwtx_verifier* v, jwtx_metrics* out) JWTX_NOEXCEPT;
jwtx_status jwtx_pipeline_metrics(const jwtx_pipeline* p, jwtx_metrics* out) JWTX_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* JWTX_H_ */
