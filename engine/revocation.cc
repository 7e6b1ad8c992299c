#include "engine/revocation.h"

#include <openssl/rand.h>
#include <openssl/siphash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <utility>
#include <vector>

#include "engine/rcu.h"

namespace jwtx {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr std::size_t kNoEntry = std::numeric_limits<std::size_t>::max();
// Clamp for bloom_bits_per_entry: past 64 bits an entry the false-positive rate is already
// below 1e-13 and the filter only costs memory.
constexpr std::size_t kMaxBitsPerEntry = 64;

// One exact-table slot. The jti bytes live in the snapshot's arena (one allocation for all).
struct table_entry {
  std::uint64_t hash = 0;         // SipHash-2-4 of the jti under the set's key
  std::size_t offset = kNoEntry;  // into the arena; kNoEntry marks an empty slot
  std::size_t length = 0;
  double exp = kInfinity;
};

// An unknown exp (NaN) keeps the entry until removed rather than never matching a comparison.
double normalized_exp(double exp) noexcept { return std::isnan(exp) ? kInfinity : exp; }

bool past_grace(double exp, double grace, double now) noexcept { return now > exp + grace; }

// Reader-side counters. Every contains() bumps lookups and usually bloom_negatives: with one
// shared counter each verifying core would take its cache line in exclusive state on every call
// and the line would bounce between cores (measurably slower than the lookup itself at 2+
// threads). So they are striped by the thread's RCU slot (unique per live thread below
// kRcuSlots): each stripe is written by one thread in practice, and stats() sums the stripes.
constexpr std::size_t kStripes = 64;
struct alignas(64) reader_counters {
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> bloom_negatives{0};
  std::atomic<std::uint64_t> hits{0};
};

void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// Immutable once published: readers see it through the RCU cell, writers copy it.
struct revocation_set::snapshot {
  std::vector<std::uint64_t> bloom;  // bloom_mask + 1 bits; empty when count == 0
  std::uint64_t bloom_mask = 0;
  unsigned hashes = 1;             // bits set per entry (k)
  std::vector<table_entry> table;  // power-of-two capacity, load factor <= 1/2
  std::string arena;
  std::size_t count = 0;

  std::string_view jti_of(const table_entry& e) const noexcept {
    return std::string_view(arena).substr(e.offset, e.length);
  }

  // Double hashing (Kirsch–Mitzenmacher): bit i is h1 + i*h2, h2 odd so the k bits differ.
  template <class Visit>
  static bool each_bloom_bit(std::uint64_t h, unsigned k, std::uint64_t mask, Visit visit) {
    const std::uint64_t h2 = std::rotl(h, 32) | 1;
    for (unsigned i = 0; i < k; ++i, h += h2) {
      if (!visit(h & mask)) return false;
    }
    return true;
  }

  bool bloom_may_contain(std::uint64_t h) const noexcept {
    return each_bloom_bit(h, hashes, bloom_mask, [this](std::uint64_t bit) {
      return (bloom[bit >> 6] >> (bit & 63)) & 1;
    });
  }

  // The slot holding |jti|, or the empty slot where it would go. Requires a non-empty table.
  std::size_t probe(std::uint64_t h, std::string_view jti) const noexcept {
    const std::size_t mask = table.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const table_entry& e = table[i];
      if (e.offset == kNoEntry) return i;
      if (e.hash == h && jti_of(e) == jti) return i;
    }
  }

  const table_entry* find(std::uint64_t h, std::string_view jti) const noexcept {
    if (table.empty()) return nullptr;
    const table_entry& e = table[probe(h, jti)];
    return e.offset == kNoEntry ? nullptr : &e;
  }
};

struct revocation_set::impl {
  explicit impl(revocation_options o) : options(o), cell(std::make_shared<const snapshot>()) {
    // Random per set, so nobody can aim jti values at the filter's bits or one probe chain.
    RAND_bytes(reinterpret_cast<std::uint8_t*>(key.data()), sizeof(key));
  }

  std::uint64_t hash(std::string_view jti) const noexcept {
    return SIPHASH_24(key.data(), reinterpret_cast<const std::uint8_t*>(jti.data()), jti.size());
  }

  // Builds a snapshot for at most |max_entries| entries: put() them, then seal().
  class builder {
   public:
    builder(std::size_t max_entries, const revocation_options& o)
        : s_(std::make_shared<snapshot>()), options_(o) {
      if (max_entries != 0) s_->table.resize(std::bit_ceil(max_entries * 2));
    }

    // Inserts |jti| or, if present, keeps the later of the two exps.
    void put(std::uint64_t h, std::string_view jti, double exp) {
      table_entry& e = s_->table[s_->probe(h, jti)];
      exp = normalized_exp(exp);
      if (e.offset != kNoEntry) {
        e.exp = std::max(e.exp, exp);
        return;
      }
      e = table_entry{h, s_->arena.size(), jti.size(), exp};
      s_->arena.append(jti);
      ++s_->count;
    }

    std::shared_ptr<const snapshot> seal() {
      snapshot& s = *s_;
      if (s.count == 0) return std::move(s_);
      const std::size_t per_entry =
          std::clamp<std::size_t>(options_.bloom_bits_per_entry, 1, kMaxBitsPerEntry);
      // k = bits per entry * ln 2 minimises false positives for the requested density.
      s.hashes = static_cast<unsigned>(
          std::clamp(std::lround(static_cast<double>(per_entry) * 0.6931), 1L, 16L));
      const std::size_t bits = std::bit_ceil(std::max<std::size_t>(64, s.count * per_entry));
      s.bloom.assign(bits / 64, 0);
      s.bloom_mask = bits - 1;
      for (const table_entry& e : s.table) {
        if (e.offset == kNoEntry) continue;
        snapshot::each_bloom_bit(e.hash, s.hashes, s.bloom_mask, [&s](std::uint64_t bit) {
          s.bloom[bit >> 6] |= std::uint64_t{1} << (bit & 63);
          return true;
        });
      }
      return std::move(s_);
    }

   private:
    std::shared_ptr<snapshot> s_;
    const revocation_options& options_;
  };

  // A builder holding every entry of |from| for which keep(entry) is true, with room for |extra|.
  template <class Keep>
  builder copy_of(const snapshot& from, std::size_t extra, Keep keep) const {
    builder b(from.count + extra, options);
    for (const table_entry& e : from.table) {
      if (e.offset != kNoEntry && keep(e)) b.put(e.hash, from.jti_of(e), e.exp);
    }
    return b;
  }

  // Writers only (under writer_mu): the latest snapshot (the one readers see).
  std::shared_ptr<const snapshot> latest() const { return cell.current(); }

  void publish(builder& b) {
    cell.publish(b.seal());
    publications.fetch_add(1, std::memory_order_relaxed);
  }

  const revocation_options options;
  std::array<std::uint64_t, 2> key{};
  rcu_cell<snapshot> cell;
  std::mutex writer_mu;  // serialises read-modify-publish; readers never touch it
  std::array<reader_counters, kStripes> readers;
  std::atomic<std::uint64_t> publications{0};
  // +infinity until the first mark_synced/mark_unsynced: a set nobody syncs is always fresh.
  std::atomic<double> synced_at{kInfinity};
};

revocation_set::revocation_set(revocation_options options)
    : impl_(std::make_unique<impl>(options)) {}

revocation_set::~revocation_set() = default;

void revocation_set::add(std::string_view jti, double exp) {
  const revocation_entry entry{std::string(jti), exp};
  add_many(std::span<const revocation_entry>(&entry, 1));
}

void revocation_set::add_many(std::span<const revocation_entry> entries) {
  std::lock_guard<std::mutex> lock(impl_->writer_mu);
  const std::shared_ptr<const snapshot> old = impl_->latest();
  // Nothing new (every jti present with an exp at least as late): no publication, no wait.
  const bool changes = std::any_of(entries.begin(), entries.end(), [&](const auto& e) {
    const table_entry* found = old->find(impl_->hash(e.jti), e.jti);
    return found == nullptr || normalized_exp(e.exp) > found->exp;
  });
  if (!changes) return;
  impl::builder b = impl_->copy_of(*old, entries.size(), [](const table_entry&) { return true; });
  for (const revocation_entry& e : entries) b.put(impl_->hash(e.jti), e.jti, e.exp);
  impl_->publish(b);
}

bool revocation_set::remove(std::string_view jti) {
  std::lock_guard<std::mutex> lock(impl_->writer_mu);
  const std::shared_ptr<const snapshot> old = impl_->latest();
  const table_entry* found = old->find(impl_->hash(jti), jti);
  if (found == nullptr) return false;
  impl::builder b = impl_->copy_of(*old, 0, [found](const table_entry& e) { return &e != found; });
  impl_->publish(b);
  return true;
}

void revocation_set::replace_all(std::span<const revocation_entry> entries, double now) {
  std::lock_guard<std::mutex> lock(impl_->writer_mu);
  impl::builder b(entries.size(), impl_->options);
  for (const revocation_entry& e : entries) {
    if (!past_grace(normalized_exp(e.exp), impl_->options.grace_seconds, now)) {
      b.put(impl_->hash(e.jti), e.jti, e.exp);
    }
  }
  impl_->publish(b);
}

std::size_t revocation_set::purge_expired(double now) {
  std::lock_guard<std::mutex> lock(impl_->writer_mu);
  const std::shared_ptr<const snapshot> old = impl_->latest();
  const double grace = impl_->options.grace_seconds;
  auto live = [&](const table_entry& e) { return !past_grace(e.exp, grace, now); };
  const auto kept = static_cast<std::size_t>(
      std::count_if(old->table.begin(), old->table.end(),
                    [&](const table_entry& e) { return e.offset != kNoEntry && live(e); }));
  const std::size_t dropped = old->count - kept;
  if (dropped == 0) return 0;
  impl::builder b = impl_->copy_of(*old, 0, live);
  impl_->publish(b);
  return dropped;
}

bool revocation_set::contains(std::string_view jti) const noexcept {
  reader_counters& n = impl_->readers[rcu_thread_index() % kStripes];
  bump(n.lookups);
  rcu_read_guard guard;
  const snapshot* s = impl_->cell.load(guard);
  // An empty set is answered before hashing: the common case for deployments without a list.
  if (s->count == 0) {
    bump(n.bloom_negatives);
    return false;
  }
  const std::uint64_t h = impl_->hash(jti);
  if (!s->bloom_may_contain(h)) {
    bump(n.bloom_negatives);
    return false;
  }
  const bool hit = s->find(h, jti) != nullptr;
  if (hit) bump(n.hits);
  return hit;
}

std::size_t revocation_set::size() const noexcept {
  rcu_read_guard guard;
  return impl_->cell.load(guard)->count;
}

revocation_stats revocation_set::stats() const noexcept {
  revocation_stats out;
  for (const reader_counters& n : impl_->readers) {
    out.lookups += n.lookups.load(std::memory_order_relaxed);
    out.bloom_negatives += n.bloom_negatives.load(std::memory_order_relaxed);
    out.hits += n.hits.load(std::memory_order_relaxed);
  }
  out.publications = impl_->publications.load(std::memory_order_relaxed);
  return out;
}

void revocation_set::mark_synced(double now) noexcept {
  impl_->synced_at.store(now, std::memory_order_release);
}

void revocation_set::mark_unsynced() noexcept {
  // Only a set never synced changes (+infinity -> 0, "stale since forever"); otherwise the last
  // mark_synced() time stays, so the list ages from when it was last known good. A CAS rather
  // than a load-then-store so a concurrent mark_synced() is never overwritten.
  double never = kInfinity;
  impl_->synced_at.compare_exchange_strong(never, 0.0, std::memory_order_acq_rel);
}

double revocation_set::synced_at() const noexcept {
  return impl_->synced_at.load(std::memory_order_acquire);
}

}  // namespace jwtx
