// jwtx::revocation_set — revoked "jti" values, checked on every verification (cache hits too).
//
// Layout: an immutable snapshot = a Bloom filter in front of an exact open-addressing table of
// (jti, exp). A jti that was never revoked is almost always answered by the filter alone (a few
// hashed bit tests); only filter positives look at the exact table, so false positives cost a
// lookup, never a wrong answer. Hashes are SipHash-2-4 (BoringSSL) under a random per-set key,
// so nobody can aim jti values at the filter's bits.
//
// Each entry carries the exp of the token it revokes. The set keeps an entry while
// now <= exp + retention_seconds(), and purge_expired() drops it after that, so the set stays
// bounded by the live revocations. The retention can only grow: every verifier that checks this
// set raises it to at least its leeway (retain_at_least), since a token still verifies until
// exp + leeway and its revocation must outlive every such moment.
//
// Sources: a set answers for the union of independent lists ("sources": a file, a Redis feed,
// entries added by the program). Each source is changed on its own — replace_all() on one never
// drops another's entries — and a jti listed by several sources stays revoked until every one of
// them drops it (it then keeps the latest exp among them). The revocation_set members add(),
// add_many(), add_lines(), remove(), replace_all(), mark_synced() and mark_unsynced() act on the
// default source; source(name) returns a handle to another one.
//
// Concurrency: readers (contains) take no lock and never allocate: they read the current snapshot
// (the union of all sources, one table) under the same quiescent-state reclamation (RCU) as
// key_store. Writers serialise on a writer mutex, update their source's private table, build one
// new merged snapshot (O(all entries) per call, whatever the batch size: use add_many/add_lines
// for bulk loads) and publish it; they wait for readers of the previous snapshot to leave, but
// never block them.
//
// Freshness: a fleet feed (redis_revocation_feed) calls mark_synced(now) on its source whenever it
// knows the source matches the fleet's list. synced_at() of the set is the oldest of its sources'
// (a source nobody syncs counts as +infinity, always fresh), so the verifier's fail-open /
// fail-closed policy applies as soon as any feed's list grows old. Times passed to mark_synced(),
// replace_all() and purge_expired() must come from the same clock as the verifiers' policy::clock.
//
// Thread-safety: every member may be called concurrently from any thread.
// Errors: contains(), size(), synced_at(), retention_seconds() never throw or allocate. Writers may
// throw std::bad_alloc only.
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
  // The initial retention: entries are kept until now > exp + retention. Verifiers raise it to
  // their leeway (retain_at_least); the default also absorbs a few minutes of clock skew between
  // the machine that set exp and this one.
  double retention_seconds = 300;
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

class revocation_set;

// A handle to one source of a revocation_set (see the header comment). Cheap to copy; valid while
// the set lives. Writers as on revocation_set, acting on this source only.
class revocation_source {
 public:
  // Revokes |jti| until |exp| + retention. Adding an existing jti keeps the later exp. Any byte
  // string is a jti (empty, NUL, invalid UTF-8 included). Nothing is published (no wait for
  // readers) when the source already holds every jti with an exp at least as late.
  void add(std::string_view jti, double exp = std::numeric_limits<double>::infinity());
  // One publication for many entries: O(entries + set size), not one copy per entry.
  void add_many(std::span<const revocation_entry> entries);
  // Bulk load of a text file's contents, one publication: every line is a jti revoked until
  // |exp|; a trailing '\r' is stripped, empty lines are skipped, nothing else is trimmed.
  // Returns the number of jti lines read (duplicates included).
  std::size_t add_lines(std::string_view text,
                        double exp = std::numeric_limits<double>::infinity());
  // Returns whether |jti| was in this source (publishes only if it was; the set still contains
  // it if another source lists it).
  bool remove(std::string_view jti);
  // Replaces this source's entries (a full reload from its list), dropping entries already past
  // exp + retention at |now|. Other sources keep theirs.
  void replace_all(std::span<const revocation_entry> entries, double now);
  // Entries of this source.
  std::size_t size() const;
  // Freshness of this source (see the header comment).
  void mark_synced(double now) noexcept;
  // The source lost its origin: synced_at() stays at the last mark_synced() (0 if never).
  void mark_unsynced() noexcept;
  double synced_at() const noexcept;
  revocation_set& set() const noexcept { return *set_; }

 private:
  friend class revocation_set;
  revocation_source(revocation_set* set, std::size_t index) : set_(set), index_(index) {}
  revocation_set* set_;
  std::size_t index_;
};

class revocation_set {
 public:
  explicit revocation_set(revocation_options options = {});
  ~revocation_set();
  revocation_set(const revocation_set&) = delete;
  revocation_set& operator=(const revocation_set&) = delete;

  // The source called |name|, created empty on first use (later calls return the same one).
  // The default source is named "".
  revocation_source source(std::string_view name);
  revocation_source default_source() noexcept { return revocation_source(this, 0); }

  // Default-source shorthands; see revocation_source.
  void add(std::string_view jti, double exp = std::numeric_limits<double>::infinity()) {
    default_source().add(jti, exp);
  }
  void add_many(std::span<const revocation_entry> entries) { default_source().add_many(entries); }
  std::size_t add_lines(std::string_view text,
                        double exp = std::numeric_limits<double>::infinity()) {
    return default_source().add_lines(text, exp);
  }
  bool remove(std::string_view jti) { return default_source().remove(jti); }
  void replace_all(std::span<const revocation_entry> entries, double now) {
    default_source().replace_all(entries, now);
  }
  void mark_synced(double now) noexcept { default_source().mark_synced(now); }
  void mark_unsynced() noexcept { default_source().mark_unsynced(); }

  // Drops entries with now > exp + retention (an entry at exactly exp + retention stays) from
  // every source; returns how many jtis left the set (publishes only if some did).
  std::size_t purge_expired(double now);

  // Raises the retention to at least |seconds| (never lowers it; NaN counts as +infinity, so a
  // broken leeway keeps entries rather than dropping them early). const because verifiers hold
  // the set through a const pointer: keeping entries longer changes no answer of contains()
  // until they would have been dropped. Never throws.
  void retain_at_least(double seconds) const noexcept;
  double retention_seconds() const noexcept;

  // True if |jti| is revoked by any source (whatever its exp: an expired token fails on exp
  // anyway). Lock-free, no allocation, never throws.
  bool contains(std::string_view jti) const noexcept;
  // Distinct jtis over all sources.
  std::size_t size() const noexcept;
  revocation_stats stats() const noexcept;
  // The oldest synced_at() of the sources (+infinity while nobody syncs any).
  double synced_at() const noexcept;

 private:
  friend class revocation_source;
  struct snapshot;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jwtx
