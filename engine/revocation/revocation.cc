#include "engine/revocation/revocation.h"

#include <openssl/rand.h>
#include <openssl/siphash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <utility>
#include <vector>

#include "engine/runtime/rcu.h"

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

bool past_retention(double exp, double retention, double now) noexcept {
  return now > exp + retention;
}

// An exact open-addressing table of (jti, exp); the jti bytes live in one arena. Used both for
// a source's private list (mutated in place under the writer mutex) and for the published
// snapshot (immutable once published).
struct table {
  std::vector<table_entry> slots;  // power-of-two size, load factor <= 1/2; empty when unused
  std::string arena;
  std::size_t count = 0;

  std::string_view jti_of(const table_entry& e) const noexcept {
    return std::string_view(arena).substr(e.offset, e.length);
  }

  // The slot holding |jti|, or the empty slot where it would go. Requires non-empty slots.
  std::size_t probe(std::uint64_t h, std::string_view jti) const noexcept {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const table_entry& e = slots[i];
      if (e.offset == kNoEntry) return i;
      if (e.hash == h && jti_of(e) == jti) return i;
    }
  }

  const table_entry* find(std::uint64_t h, std::string_view jti) const noexcept {
    if (slots.empty()) return nullptr;
    const table_entry& e = slots[probe(h, jti)];
    return e.offset == kNoEntry ? nullptr : &e;
  }

  // Room for |n| entries at load factor <= 1/2 (rehashes in place; the arena is kept).
  void reserve(std::size_t n) {
    if (n * 2 <= slots.size()) return;
    std::vector<table_entry> old = std::exchange(slots, {});
    slots.resize(std::bit_ceil(std::max<std::size_t>(n * 2, 16)));
    for (const table_entry& e : old) {
      if (e.offset != kNoEntry) slots[probe(e.hash, jti_of(e))] = e;
    }
  }

  // Inserts |jti| or, if present, keeps the later of the two exps. Returns whether it changed.
  bool put(std::uint64_t h, std::string_view jti, double exp) {
    reserve(count + 1);
    table_entry& e = slots[probe(h, jti)];
    exp = normalized_exp(exp);
    if (e.offset != kNoEntry) {
      if (exp <= e.exp) return false;
      e.exp = exp;
      return true;
    }
    e = table_entry{h, arena.size(), jti.size(), exp};
    arena.append(jti);
    ++count;
    return true;
  }

  // A compact copy of the entries for which keep(entry) is true.
  template <class Keep>
  table filtered(Keep keep) const {
    table out;
    out.reserve(count);
    for (const table_entry& e : slots) {
      if (e.offset != kNoEntry && keep(e)) out.put(e.hash, jti_of(e), e.exp);
    }
    return out;
  }

  template <class Visit>
  void each(Visit visit) const {
    for (const table_entry& e : slots) {
      if (e.offset != kNoEntry) visit(e);
    }
  }
};

// Calls visit(line) for every non-empty line of |text| (trailing '\r' stripped).
template <class Visit>
std::size_t each_line(std::string_view text, Visit visit) {
  std::size_t lines = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    visit(line);
    ++lines;
  }
  return lines;
}

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

// Immutable once published: readers see it through the RCU cell. The union of all sources.
struct revocation_set::snapshot {
  table exact;
  std::vector<std::uint64_t> bloom;  // bloom_mask + 1 bits; empty when exact.count == 0
  std::uint64_t bloom_mask = 0;
  unsigned hashes = 1;  // bits set per entry (k)

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
};

struct revocation_set::impl {
  // One source's private list and freshness. The table is touched only under writer_mu.
  struct source_state {
    std::string name;
    table entries;
    double synced_at = kInfinity;  // guarded by sync_mu
  };

  explicit impl(revocation_options o)
      : options(o), cell(std::make_shared<const snapshot>()), retention(o.retention_seconds) {
    // Random per set, so nobody can aim jti values at the filter's bits or one probe chain.
    RAND_bytes(reinterpret_cast<std::uint8_t*>(key.data()), sizeof(key));
    sources.push_back(std::make_unique<source_state>());
  }

  std::uint64_t hash(std::string_view jti) const noexcept {
    return SIPHASH_24(key.data(), reinterpret_cast<const std::uint8_t*>(jti.data()), jti.size());
  }

  double retention_now() const noexcept { return retention.load(std::memory_order_acquire); }

  // Writers only (under writer_mu): builds the union of every source and publishes it. One pass
  // over all entries, so a bulk change costs the same as a single one.
  void publish_union() {
    auto s = std::make_shared<snapshot>();
    std::size_t total = 0;
    for (const auto& src : sources) total += src->entries.count;
    s->exact.reserve(total);
    for (const auto& src : sources) {
      src->entries.each(
          [&](const table_entry& e) { s->exact.put(e.hash, src->entries.jti_of(e), e.exp); });
    }
    if (s->exact.count != 0) {
      const std::size_t per_entry =
          std::clamp<std::size_t>(options.bloom_bits_per_entry, 1, kMaxBitsPerEntry);
      // k = bits per entry * ln 2 minimises false positives for the requested density.
      s->hashes = static_cast<unsigned>(
          std::clamp(std::lround(static_cast<double>(per_entry) * 0.6931), 1L, 16L));
      const std::size_t bits = std::bit_ceil(std::max<std::size_t>(64, s->exact.count * per_entry));
      s->bloom.assign(bits / 64, 0);
      s->bloom_mask = bits - 1;
      snapshot& out = *s;
      out.exact.each([&out](const table_entry& e) {
        snapshot::each_bloom_bit(e.hash, out.hashes, out.bloom_mask, [&out](std::uint64_t bit) {
          out.bloom[bit >> 6] |= std::uint64_t{1} << (bit & 63);
          return true;
        });
      });
    }
    cell.publish(std::move(s));
    publications.fetch_add(1, std::memory_order_relaxed);
  }

  // Recomputes the set-wide synced_at (the oldest source's). Caller holds sync_mu.
  void refresh_synced_at() noexcept {
    double oldest = kInfinity;
    for (const auto& src : sources) oldest = std::min(oldest, src->synced_at);
    synced_at.store(oldest, std::memory_order_release);
  }

  const revocation_options options;
  std::array<std::uint64_t, 2> key{};
  rcu_cell<snapshot> cell;
  std::mutex writer_mu;  // serialises read-modify-publish; readers never touch it
  std::mutex sync_mu;    // guards source_state::synced_at; taken after writer_mu if both
  // Grows only (under writer_mu and sync_mu); entries stay valid while the set lives.
  std::vector<std::unique_ptr<source_state>> sources;
  std::array<reader_counters, kStripes> readers;
  std::atomic<std::uint64_t> publications{0};
  mutable std::atomic<double> retention;
  // +infinity until some source is marked: a set nobody syncs is always fresh.
  std::atomic<double> synced_at{kInfinity};
};

revocation_set::revocation_set(revocation_options options)
    : impl_(std::make_unique<impl>(options)) {}

revocation_set::~revocation_set() = default;

revocation_source revocation_set::source(std::string_view name) {
  std::lock_guard<std::mutex> lock(impl_->writer_mu);
  auto& sources = impl_->sources;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (sources[i]->name == name) return revocation_source(this, i);
  }
  auto fresh = std::make_unique<impl::source_state>();
  fresh->name = std::string(name);
  std::lock_guard<std::mutex> sync(impl_->sync_mu);
  sources.push_back(std::move(fresh));
  return revocation_source(this, sources.size() - 1);
}

void revocation_source::add(std::string_view jti, double exp) {
  const revocation_entry entry{std::string(jti), exp};
  add_many(std::span<const revocation_entry>(&entry, 1));
}

void revocation_source::add_many(std::span<const revocation_entry> entries) {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.writer_mu);
  table& t = impl.sources[index_]->entries;
  t.reserve(t.count + entries.size());
  bool changed = false;
  for (const revocation_entry& e : entries) changed |= t.put(impl.hash(e.jti), e.jti, e.exp);
  // Nothing new (every jti present with an exp at least as late): no publication, no wait.
  if (changed) impl.publish_union();
}

std::size_t revocation_source::add_lines(std::string_view text, double exp) {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.writer_mu);
  table& t = impl.sources[index_]->entries;
  bool changed = false;
  const std::size_t lines =
      each_line(text, [&](std::string_view jti) { changed |= t.put(impl.hash(jti), jti, exp); });
  if (changed) impl.publish_union();
  return lines;
}

bool revocation_source::remove(std::string_view jti) {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.writer_mu);
  table& t = impl.sources[index_]->entries;
  const table_entry* found = t.find(impl.hash(jti), jti);
  if (found == nullptr) return false;
  t = t.filtered([found](const table_entry& e) { return &e != found; });
  impl.publish_union();
  return true;
}

void revocation_source::replace_all(std::span<const revocation_entry> entries, double now) {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.writer_mu);
  const double retention = impl.retention_now();
  table fresh;
  fresh.reserve(entries.size());
  for (const revocation_entry& e : entries) {
    if (!past_retention(normalized_exp(e.exp), retention, now)) {
      fresh.put(impl.hash(e.jti), e.jti, e.exp);
    }
  }
  impl.sources[index_]->entries = std::move(fresh);
  impl.publish_union();
}

std::size_t revocation_source::size() const {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.writer_mu);
  return impl.sources[index_]->entries.count;
}

void revocation_source::mark_synced(double now) noexcept {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.sync_mu);
  impl.sources[index_]->synced_at = now;
  impl.refresh_synced_at();
}

void revocation_source::mark_unsynced() noexcept {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.sync_mu);
  // Only a source never synced changes (+infinity -> 0, "stale since forever"); otherwise the
  // last mark_synced() time stays, so the list ages from when it was last known good.
  double& at = impl.sources[index_]->synced_at;
  if (at == kInfinity) at = 0;
  impl.refresh_synced_at();
}

double revocation_source::synced_at() const noexcept {
  auto& impl = *set_->impl_;
  std::lock_guard<std::mutex> lock(impl.sync_mu);
  return impl.sources[index_]->synced_at;
}

std::size_t revocation_set::purge_expired(double now) {
  std::lock_guard<std::mutex> lock(impl_->writer_mu);
  const double retention = impl_->retention_now();
  auto live = [&](const table_entry& e) { return !past_retention(e.exp, retention, now); };
  bool changed = false;
  for (auto& src : impl_->sources) {
    table& t = src->entries;
    std::size_t kept = 0;
    t.each([&](const table_entry& e) { kept += live(e); });
    if (kept == t.count) continue;
    t = t.filtered(live);
    changed = true;
  }
  if (!changed) return 0;
  const std::size_t before = size();
  impl_->publish_union();
  return before - size();
}

void revocation_set::retain_at_least(double seconds) const noexcept {
  if (std::isnan(seconds)) seconds = kInfinity;
  double current = impl_->retention.load(std::memory_order_relaxed);
  while (seconds > current &&
         !impl_->retention.compare_exchange_weak(current, seconds, std::memory_order_acq_rel)) {
  }
}

double revocation_set::retention_seconds() const noexcept { return impl_->retention_now(); }

bool revocation_set::contains(std::string_view jti) const noexcept {
  reader_counters& n = impl_->readers[rcu_thread_index() % kStripes];
  bump(n.lookups);
  rcu_read_guard guard;
  const snapshot* s = impl_->cell.load(guard);
  // An empty set is answered before hashing: the common case for deployments without a list.
  if (s->exact.count == 0) {
    bump(n.bloom_negatives);
    return false;
  }
  const std::uint64_t h = impl_->hash(jti);
  if (!s->bloom_may_contain(h)) {
    bump(n.bloom_negatives);
    return false;
  }
  const bool hit = s->exact.find(h, jti) != nullptr;
  if (hit) bump(n.hits);
  return hit;
}

std::size_t revocation_set::size() const noexcept {
  rcu_read_guard guard;
  return impl_->cell.load(guard)->exact.count;
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

double revocation_set::synced_at() const noexcept {
  return impl_->synced_at.load(std::memory_order_acquire);
}

}  // namespace jwtx
