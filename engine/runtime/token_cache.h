// jwtx::token_cache — a bounded cache of tokens that already verified, so a repeated token skips
// base64url, JSON and the signature.
//
// Keying and safety: one pass over the token computes SHA-256(K || token), where K is a random
// 64-byte key drawn from RAND_bytes per cache (its compression is done once at construction, so a
// token costs exactly one SHA-256 of its own bytes). The first 64 bits of that keyed digest pick
// shard and bucket: an attacker who does not know K cannot aim tokens at one bucket. The whole
// 256-bit digest is stored in the entry and a hit requires it to match exactly (CRYPTO_memcmp),
// so a bucket-hash collision can only cost a miss (counted in collisions_rejected), never let an
// unverified token through: that would need a SHA-256 collision. Why not SipHash for the bucket
// plus an unkeyed SHA-256 for the match: that hashes every token twice (measured on the 500-byte
// bench token: SipHash 157 ns + SHA-256 283 ns), while the keyed digest does both jobs in one.
// lookup() and insert() take the cache_key so a verifier that misses hashes the token once.
//
// No negative cache: rejected tokens are never stored. Remembering "bad signature" would let anyone
// evict good entries with a stream of cheap garbage, and garbage is already rejected before any
// crypto or after one failed verify; the cache exists to make the common repeat free.
//
// What is cached: only tokens that verified with status::ok, with exp/nbf/iat, alg, the key_set
// generation they verified under, and the kid/iss/sub/jti/aud strings, all inside a fixed-size
// entry (no per-entry heap allocation). Tokens whose strings need more than kMaxClaimBytes are not
// cached (counted in not_cached_too_big). A hit is only returned if the entry is still valid now:
// check_times() (engine/time_rules.h, the very function jwtx::policy runs: exp, nbf, iat in the
// future, max_age; a NaN, infinite or out-of-range clock or leeway is never valid) with the
// caller's leeway, and the entry's generation equal to the current key_set generation (a set with
// other keys invalidates everything verified before it; such lookups count as invalidations).
// Everything else a verifier checks (issuer, audience, typ, required claims) is a pure function of
// the token bytes and the verifier's options, so it cannot change for a cached token while the
// options stay the same; revocation CAN change and must still be checked by the caller on every hit
// (use cached_claims::jti()).
//
// Bounded: capacity is fixed at construction and never grows. The table is set-associative
// (kWays entries per bucket) with CLOCK eviction inside a bucket: a hit sets the entry's reference
// bit, the eviction sweep clears it and evicts the first entry found unreferenced, so a hot token
// survives a flood of distinct one-off tokens. Empty, stale-generation and expired entries are
// replaced first.
//
// Concurrency: the table is split into shards (a power of two >= 4 * hardware threads, at least
// 8). Readers take no lock and never write shared memory except to set a reference bit that is not
// already set. Each entry is protected by a seqlock: the writer makes the sequence odd, writes the
// payload, makes it even again; a reader reads the sequence, copies the payload, re-reads the
// sequence and discards the copy (retrying a few times, then missing) if it changed or was odd.
// Why a seqlock: readers are the hot path and copy only ~184 bytes, so an optimistic copy is
// cheaper than any reader-side write (a reader-writer lock bounces its cache line between cores),
// and RCU would need a heap allocation per entry plus deferred reclamation. The payload is stored
// as std::atomic<std::uint64_t> words, written with release stores and read with acquire loads
// (Boehm, "Can seqlocks get along with programming language memory models?", 2012, the variant
// without fences): on x86 these are plain moves, there is no data race for ThreadSanitizer to
// report, and no std::atomic_thread_fence, which ThreadSanitizer does not model (GCC's -Wtsan).
// Writers (misses, rarer) serialise per shard with a mutex.
//
// Thread-safety: every member may be called concurrently from any number of threads.
// Errors: nothing throws after construction; lookup() and insert() never allocate.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "engine/jws/algorithm.h"

namespace jwtx {

namespace detail {

// The seqlock-protected part of one cache entry, copied as whole 64-bit words.
struct cache_payload {
  static constexpr std::size_t kMaxClaimBytes = 104;

  std::uint64_t tag;           // 64-bit bucket hash of the token (first 8 digest bytes)
  std::uint8_t digest[32];     // SHA-256(K || token); the authoritative key
  double exp, nbf, iat;        // valid only when the matching flag is set
  std::uint64_t generation;    // key_set::generation() the token verified under
  std::uint8_t alg;            // jwtx::algorithm
  std::uint8_t flags;          // kValid, kHasExp, ...
  std::uint8_t present;        // bit i: string i is present (may still be empty)
  std::uint8_t len[5];         // byte lengths of kid, iss, sub, jti, aud in |bytes|, in that order
  char bytes[kMaxClaimBytes];  // kid, iss, sub, jti, aud concatenated

  static constexpr std::uint8_t kValid = 1, kHasExp = 2, kHasNbf = 4, kHasIat = 8;
};
static_assert(sizeof(cache_payload) % 8 == 0);
inline constexpr std::size_t kCachePayloadWords = sizeof(cache_payload) / 8;

// One entry: the sequence word plus the payload words. Fixed part 88 bytes + claim string bytes.
struct alignas(64) cache_slot {
  std::atomic<std::uint64_t> seq;  // odd while a writer is inside
  std::array<std::atomic<std::uint64_t>, kCachePayloadWords> words;
};
static_assert(sizeof(cache_slot) <= 128 + cache_payload::kMaxClaimBytes,
              "a cache entry must stay within 128 bytes plus its claim-string bytes");

}  // namespace detail

// The token's keyed digest and bucket hash, computed once by token_cache::key_for().
struct cache_key {
  std::uint64_t tag = 0;
  std::uint8_t digest[32] = {};
};

// What insert() stores. Strings are borrowed for the duration of the call only.
struct claims_to_cache {
  algorithm alg = algorithm::HS256;
  std::uint64_t generation = 0;  // key_set::generation() of the set that verified the token
  std::optional<double> exp, nbf, iat;
  std::optional<std::string_view> kid, iss, sub, jti;
  // The token's audience when it has exactly one value (a string, or an array of one string).
  // The verifier does not cache tokens whose "aud" is an array of any other length.
  std::optional<std::string_view> aud;
};

// What lookup() returns. A value type: the strings live inside the object (no allocation), and the
// views returned stay valid as long as this object does (copies carry their own bytes).
class cached_claims {
 public:
  algorithm alg() const noexcept { return static_cast<algorithm>(p_.alg); }
  std::uint64_t generation() const noexcept { return p_.generation; }
  std::optional<double> exp() const noexcept;
  std::optional<double> nbf() const noexcept;
  std::optional<double> iat() const noexcept;
  std::optional<std::string_view> kid() const noexcept { return string(0); }
  std::optional<std::string_view> iss() const noexcept { return string(1); }
  std::optional<std::string_view> sub() const noexcept { return string(2); }
  std::optional<std::string_view> jti() const noexcept { return string(3); }
  std::optional<std::string_view> aud() const noexcept { return string(4); }

 private:
  friend class token_cache;
  std::optional<std::string_view> string(int i) const noexcept;
  detail::cache_payload p_{};
};

// The rules a cached entry must still meet at lookup time (passed to check_times()).
struct cache_validity {
  double now = 0;                         // Unix seconds
  double leeway_seconds = 0;              // policy::leeway_seconds
  std::optional<double> max_age_seconds;  // policy::max_age_seconds
  std::uint64_t generation = 0;           // the key_set generation verification would use now
};

struct token_cache_options {
  // Requested number of entries. The table uses the largest power-of-two bucket count per shard
  // that fits (at least one bucket per shard), so capacity() may be smaller, or larger when this
  // is below shards * kWays.
  std::size_t capacity = 65536;
  // 0: a power of two >= 4 * std::thread::hardware_concurrency(), at least 8. Otherwise rounded up
  // to a power of two.
  std::size_t shards = 0;
  // TESTS ONLY: replaces the digest's first 64 bits as the bucket hash (e.g. a constant, to
  // force collisions); the full digest is still computed and compared.
  std::uint64_t (*hash_override)(std::string_view token) = nullptr;
};

// Counter snapshot. Every lookup is exactly one hit or one miss; invalidations and
// collisions_rejected count reasons among the misses (a collision may also precede a hit).
struct token_cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t inserts = 0;
  std::uint64_t evictions = 0;            // an entry of another token was overwritten
  std::uint64_t invalidations = 0;        // digest matched but the key_set generation changed
  std::uint64_t collisions_rejected = 0;  // bucket hash matched, SHA-256 did not
  std::uint64_t not_cached_too_big = 0;   // claim strings longer than kMaxClaimBytes
};

class token_cache {
 public:
  static constexpr std::size_t kWays = 8;  // entries per bucket
  static constexpr std::size_t kMaxClaimBytes = detail::cache_payload::kMaxClaimBytes;
  static constexpr std::size_t kEntryBytes = sizeof(detail::cache_slot);

  // Allocates the whole table. Aborts if RAND_bytes fails (BoringSSL never fails it in practice).
  explicit token_cache(token_cache_options options = {});
  ~token_cache();
  token_cache(const token_cache&) = delete;
  token_cache& operator=(const token_cache&) = delete;

  // Returns true and fills |*out| if |token| (byte for byte) was inserted, the entry has not been
  // evicted, and it is still valid under |v| (see the header comment). Otherwise returns false and
  // leaves |*out| unspecified. Lock-free, no allocation, never throws.
  bool lookup(const cache_key& key, const cache_validity& v, cached_claims* out) noexcept;
  bool lookup(std::string_view token, const cache_validity& v, cached_claims* out) noexcept {
    return lookup(key_for(token), v, out);
  }

  // Caches |token|, which the caller has just verified with status::ok, with |c|. |now| only
  // steers eviction (expired entries go first). Replaces an existing entry for the same token.
  // Returns false if not cached because the strings do not fit. Takes the shard's writer mutex; no
  // allocation, never throws.
  bool insert(const cache_key& key, const claims_to_cache& c, double now) noexcept;
  bool insert(std::string_view token, const claims_to_cache& c, double now) noexcept {
    return insert(key_for(token), c, now);
  }

  // The keyed digest of |token| (one SHA-256 pass). No allocation, never throws.
  cache_key key_for(std::string_view token) const noexcept;

  // Entries in the table (live or not yet replaced); never exceeds capacity().
  std::size_t size() const noexcept;
  std::size_t capacity() const noexcept { return shard_count_ * buckets_per_shard_ * kWays; }
  std::size_t shard_count() const noexcept { return shard_count_; }
  // Bytes the cache holds for its table, shards and counters (all allocated at construction).
  std::size_t memory_bytes() const noexcept;
  token_cache_stats stats() const noexcept;

 private:
  struct bucket;
  struct shard;
  struct reader_counters;

  bucket& bucket_for(std::uint64_t h, shard** s) const noexcept;
  static std::size_t clock_victim(bucket& b) noexcept;  // caller holds the shard's writer mutex

  struct keyed_sha256;  // SHA-256 state with K absorbed (a BoringSSL type, kept out of here)
  std::unique_ptr<keyed_sha256> keyed_;
  std::uint64_t (*hash_override_)(std::string_view) = nullptr;
  std::size_t shard_count_ = 0;
  std::size_t shard_bits_ = 0;
  std::size_t buckets_per_shard_ = 0;
  std::unique_ptr<shard[]> shards_;
  std::unique_ptr<bucket[]> buckets_;           // shard_count_ * buckets_per_shard_
  std::unique_ptr<reader_counters[]> readers_;  // striped by thread (see token_cache.cc)
};

}  // namespace jwtx
