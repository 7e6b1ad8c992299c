// jwtx::revocation_set — revoked "jti" values, checked on every verification (cache hits too).
//
// Layout: an immutable snapshot = a Bloom filter in front of an exact open-addressing table of
// (jti, exp). A jti that was never revoked is almost always answered by the filter alone (a few
// hashed bit tests); only filter positives look at the exact table, so false positives cost a
// lookup, never a wrong answer. Hashes are SipHash-2-4 (BoringSSL) under a random per-set key,
// so nobody can aim jti values at the filter's bits.
//
// Each entry carries the exp of the token it revokes: once now > exp + grace_seconds the token
// is rejected as expired anyway, so purge_expired() drops the entry and the set stays bounded by
// the live revocations.
//
// Concurrency: readers (contains) take no lock and never allocate: they read the current snapshot
// under the same quiescent-state reclamation (RCU) as key_store. Writers (add, remove,
// replace_all, purge_expired) serialise on a writer mutex, build a new snapshot (copy-on-write,
// O(entries) per call: revocations arrive a few per second, verifications millions) and publish
// it; they wait for readers of the previous snapshot to leave, but never block them.
//
// Freshness: a fleet feed (redis_revocation_feed) calls mark_synced(now) whenever it knows the
// set matches the fleet's list. synced_at() lets the verifier apply its fail-open/fail-closed
// policy when the list grows old. A set that nobody syncs reports synced_at() = +infinity
// (always fresh) until the first mark_synced/mark_unsynced call.
//
// Thread-safety: every member may be called concurrently from any thread.
// Errors: contains(), size(), synced_at() never throw or allocate. Writers may throw
// std::bad_alloc only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace jwtx {

struct revocation_entry {
  std::string jti;
  // The revoked token's exp (Unix seconds); +infinity (or NaN: unknown) keeps the entry until
  // removed.
  double exp = std::numeric_limits<double>::infinity();
};

struct revocation_options {
  // Entries are kept until now > exp + grace_seconds (set it >= the verifiers' leeway).
  double grace_seconds = 300;
  // Bloom filter bits per entry (sized at each snapshot build; 10 bits ≈ 1 % false positives).
  // Clamped to [1, 64]; the bit count is rounded up to a power of two and k = round(bits * ln 2).
  std::size_t bloom_bits_per_entry = 10;
};

// Reader-side counts (lookups, bloom_negatives, hits) are kept per thread and summed by stats():
// a snapshot taken while readers run may miss calls still in flight. An empty set answers every
// lookup as a bloom negative.
struct revocation_stats {
  std::uint64_t lookups = 0;          // contains() calls
  std::uint64_t bloom_negatives = 0;  // answered by the filter alone
  std::uint64_t hits = 0;             // jti found revoked
  std::uint64_t publications = 0;     // snapshots published by writers
};

class revocation_set {
 public:
  explicit revocation_set(revocation_options options = {});
  ~revocation_set();
  revocation_set(const revocation_set&) = delete;
  revocation_set& operator=(const revocation_set&) = delete;

  // Revokes |jti| until |exp| + grace. Adding an existing jti keeps the later exp. Any byte
  // string is a jti (empty, NUL, invalid UTF-8 included). Nothing is published (no wait for
  // readers) when the set already holds every jti with an exp at least as late.
  void add(std::string_view jti, double exp = std::numeric_limits<double>::infinity());
  // One publication for many entries.
  void add_many(std::span<const revocation_entry> entries);
  // Returns whether |jti| was present (publishes only if it was).
  bool remove(std::string_view jti);
  // Replaces the whole set (a full reload from the fleet's list), dropping entries already past
  // exp + grace at |now|.
  void replace_all(std::span<const revocation_entry> entries, double now);
  // Drops entries with now > exp + grace (an entry at exactly exp + grace stays); returns how
  // many were dropped (publishes only if some were).
  std::size_t purge_expired(double now);

  // True if |jti| is revoked (whatever its exp: an expired token fails on exp anyway).
  // Lock-free, no allocation, never throws.
  bool contains(std::string_view jti) const noexcept;
  std::size_t size() const noexcept;
  revocation_stats stats() const noexcept;

  // Freshness bookkeeping for a fleet feed (see the header comment).
  void mark_synced(double now) noexcept;
  // The feed lost its source: synced_at() stays at the last mark_synced() (0 if never).
  void mark_unsynced() noexcept;
  double synced_at() const noexcept;

 private:
  struct snapshot;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jwtx
