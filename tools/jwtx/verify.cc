// `jwtx verify`: verifies tokens against keys from JWKS / PEM / HMAC secret files and prints one
// JSON line per input line, in input order. Tokens are only ever named by their fingerprint.
// stdin is a stream: each line goes through the engine's batch_pipeline (engine/runtime/
// batch_pipeline.h; --threads sizes its TBB arena) and its answer comes back through a bounded
// reorder window (tools/jwtx/reorder_window.h), so memory does not grow with the input and output
// starts before stdin ends.
#include <malloc.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/jws/algorithm.h"
#include "engine/keys/key_set.h"
#include "engine/policy.h"
#include "engine/revocation/redis_revocation.h"
#include "engine/revocation/revocation.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/runtime/futex.h"
#include "engine/runtime/rcu.h"
#include "engine/runtime/token_cache.h"
#include "engine/status.h"
#include "engine/verifier.h"
#include "tools/jwtx/common.h"
#include "tools/jwtx/reorder_window.h"
#include "tools/jwtx/token_input.h"

namespace jwtx::cli {
namespace {

// Bounds of the numeric flags (each refused with exit 2 outside its range).
// Verifier threads: half the engine's RCU reader slots (engine/runtime/rcu.h). Threads past the
// slot table share one overflow counter that every publisher (key rotation, the revocation feed)
// must see at zero, so a CLI that filled the table could starve the feed; half leaves room for the
// feed, the main thread and any other reader, and is far past the point where more threads help
// a 2..64-core machine. `--threads 0` (one per CPU) is capped the same way.
constexpr unsigned kMaxThreads = static_cast<unsigned>(kRcuSlots / 2);
// Sizes, leeway, max age and staleness are bounded by the engine's own limits (engine/verifier.h,
// engine/time_rules.h: validate_options() refuses anything past them).
constexpr double kMaxRevocationWait = 300;  // five minutes at start-up
// Past a few hundred keys a cap stops being one (a garbage token would cost ~0.25 ms per ES256
// key).
constexpr std::uint64_t kMaxKeysTriedFlag = 1024;
constexpr std::uint64_t kMinRsaBitsFloor = 1024;  // signing_key::generate's range
constexpr std::uint64_t kMinRsaBitsCeiling = 16384;

// Registered claims --require accepts (RFC 7519 §4.1); anything else needs --require-claim, so a
// typo in a registered name is an error rather than a claim nobody ever sends.
constexpr std::array<std::string_view, 7> kRegisteredClaims = {"exp", "nbf", "iat", "iss",
                                                               "sub", "aud", "jti"};

struct verify_options {
  std::string jwks;
  std::vector<std::string> pems;
  std::string hmac_secret_file;
  std::string hmac_kid;
  std::string algs;
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  double leeway = policy{}.leeway_seconds;
  std::optional<double> now;
  std::string require;
  std::vector<std::string> require_claims;
  bool no_require_exp = false;
  std::size_t max_bytes = verifier_options{}.max_token_bytes;
  std::string revoked_jti_file;
  std::string typ;
  bool summary = false;
  unsigned threads = 1;
  std::size_t cache_entries = 65536;
  std::string revocation_redis;
  double revocation_max_staleness = 30;
  bool revocation_fail_closed = false;
  double revocation_wait = 2;
  bool allow_mixed_key_types = false;
  unsigned min_rsa_bits = verifier_options{}.min_rsa_bits;
  std::size_t max_json_depth = verifier_options{}.max_json_depth;
  std::optional<double> max_age;
  bool ignore_aud_when_unconfigured = false;
  bool plain_jws = false;
  std::string cache_algs;
  std::size_t max_keys_tried = verifier_options{}.max_keys_tried;
  std::vector<std::string> tokens;
};

// "k.public.pem" -> "k": the kid `jwtx keygen --kid k` gave the key.
std::string kid_from_pem_path(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (std::string_view suffix : {std::string_view(".pem"), std::string_view(".public")}) {
    if (name.size() > suffix.size() && name.ends_with(suffix))
      name.resize(name.size() - suffix.size());
  }
  return name;
}

// The builder's messages start with the source name; the CLI names the file itself.
std::string strip_source(std::string message, const std::string& source) {
  if (message.starts_with(source)) {
    std::string_view rest = std::string_view(message).substr(source.size());
    if (rest.starts_with(": "))
      rest.remove_prefix(2);
    else if (rest.starts_with(" "))
      rest.remove_prefix(1);
    return std::string(rest);
  }
  return message;
}

// Formats one result as a JSON line (without the newline). Invalid tokens end with "detail": one
// sentence naming the rule that failed (verify_result::detail(): never the token's own content).
void format_result(const fingerprint_text& fp, const verify_result& r, std::string& out) {
  out += "{\"valid\":";
  out += r.ok() ? "true" : "false";
  out += ",\"error\":";
  append_json_string(out, status_name(r.status()));
  out += ",\"alg\":";
  if (r.alg()) {
    append_json_string(out, algorithm_name(*r.alg()));
  } else {
    out += "null";
  }
  out += ",\"kid\":";
  if (r.has_kid()) {
    append_json_string(out, r.kid());
  } else {
    out += "null";
  }
  out += ",\"sub\":";
  if (r.ok() && r.claims().sub) {
    append_json_string(out, *r.claims().sub);
  } else {
    out += "null";
  }
  out += ",\"fingerprint\":";
  // The result names its token whatever the outcome, so even tokens rejected before parsing are
  // named.
  append_json_string(out, view(fp));
  if (!r.ok()) {
    out += ",\"detail\":";
    append_json_string(out, r.detail());
  }
  out += "}";
}

// The line for a token the input reader dropped as longer than --max-bytes (it never reached the
// verifier): the members format_result() writes for a too_large result.
void format_oversized(const fingerprint_text& fp, std::size_t max_bytes, std::string& out) {
  out += R"({"valid":false,"error":"too_large","alg":null,"kid":null,"sub":null,"fingerprint":)";
  append_json_string(out, view(fp));
  out += R"(,"detail":"the line is longer than --max-bytes ()";
  out += std::to_string(max_bytes);
  out += R"( bytes); it was not read further"})";
}

// Loads every key source named on the command line. On failure prints the reason and returns null.
std::shared_ptr<const key_set> load_keys(const verify_options& o) {
  key_set_options kso;
  const bool has_asym = !o.jwks.empty() || !o.pems.empty();
  // Naming both kinds of key file explicitly is as deliberate as the flag; a single JWKS that
  // mixes them needs the flag.
  kso.allow_mixed_symmetric = o.allow_mixed_key_types || (has_asym && !o.hmac_secret_file.empty());
  key_set_builder builder(kso);
  std::string content, err;
  auto load = [&](const std::string& path, auto add) -> bool {
    if (!read_file(path, &content, &err)) {
      fail("cannot read " + quote_input(path) + ": " + err);
      return false;
    }
    if (add(path) != status::ok) {
      fail("cannot load keys from " + quote_input(path) + ": " +
           sanitized(strip_source(builder.error(), path)));
      return false;
    }
    return true;
  };
  if (!o.jwks.empty() &&
      !load(o.jwks, [&](const std::string& p) { return builder.add_jwks(content, p); })) {
    return nullptr;
  }
  for (const std::string& pem : o.pems) {
    if (!load(pem, [&](const std::string& p) {
          return builder.add_pem(content, kid_from_pem_path(p), p);
        })) {
      return nullptr;
    }
  }
  if (!o.hmac_secret_file.empty() && !load(o.hmac_secret_file, [&](const std::string& p) {
        return builder.add_hmac_secret(content, o.hmac_kid, std::nullopt, p);
      })) {
    return nullptr;
  }
  key_set_result keys = builder.build();
  if (!keys) {
    fail("invalid key set: " + sanitized(keys.error));
    return nullptr;
  }
  for (const std::string& why : keys.set->skipped())
    std::cerr << "jwtx: note: skipped " << sanitized(why) << '\n';
  if (keys.set->empty()) {
    fail("no usable verification keys were loaded");
    return nullptr;
  }
  return keys.set;
}

// --require (registered names only) and --require-claim into |p|. Returns false after printing the
// reason.
bool set_required_claims(const verify_options& o, policy& p) {
  for (std::string& claim : split_csv(o.require)) {
    if (std::find(kRegisteredClaims.begin(), kRegisteredClaims.end(), claim) ==
        kRegisteredClaims.end()) {
      fail("--require takes registered claim names (exp nbf iat iss sub aud jti), not " +
           quote_input(claim) + "; use --require-claim NAME to require any other claim");
      return false;
    }
    if (claim == "exp") {
      p.require_exp = true;  // named explicitly: wins over --no-require-exp
    } else {
      p.required_claims.push_back(std::move(claim));
    }
  }
  for (const std::string& claim : o.require_claims) {
    if (claim.empty()) {
      fail("--require-claim needs a claim name");
      return false;
    }
    p.required_claims.push_back(claim);
  }
  return true;
}

// Output lines the reader may run ahead of the printer (and tokens in the pipeline at most): a
// few thousand keep two to a few dozen workers busy through batches of 64 while bounding memory
// to about this many output lines and token slots (tools/jwtx/reorder_window.h).
constexpr std::size_t kReorderWindow = 4096;
// Output is written in blocks of about this size, and whenever the printer is about to wait.
constexpr std::size_t kFlushBytes = 64 * 1024;

// How many of |wanted| threads with |stack_bytes| of stack this process can run at once. TBB
// aborts the process when it cannot start a worker it wants (ulimit -v or -u, a cgroup's
// pids.max), so the CLI learns the limit first and sizes the arena to fit. The probe threads also
// allocate, as the workers will, so glibc's per-thread malloc arenas are made now, inside the
// address space being measured, and reused by the workers. All are joined before it returns.
unsigned startable_threads(unsigned wanted, std::size_t stack_bytes, std::string* why) {
  std::atomic<std::uint32_t> go{0};
  std::vector<pthread_t> started;
  started.reserve(wanted);
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return wanted;  // cannot measure: let TBB try
  if (stack_bytes != 0) pthread_attr_setstacksize(&attr, stack_bytes);
  auto body = [](void* arg) -> void* {
    auto* flag = static_cast<std::atomic<std::uint32_t>*>(arg);
    void* volatile p = std::malloc(256);
    std::free(p);
    while (flag->load(std::memory_order_acquire) == 0) futex_wait(*flag, 0);
    return nullptr;
  };
  for (unsigned i = 0; i < wanted; ++i) {
    pthread_t t;
    if (const int rc = pthread_create(&t, &attr, body, &go); rc != 0) {
      *why = std::strerror(rc);
      break;
    }
    started.push_back(t);
  }
  go.store(1, std::memory_order_release);
  futex_wake(go);
  for (pthread_t t : started) pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  return static_cast<unsigned>(started.size());
}

// One `jwtx verify` run over a stream of token lines: each line is claimed in the reorder window,
// verified through the batch pipeline (or answered here: too_large while reading), formatted on
// the worker that verified it, and printed in input order as soon as it and every line before it
// are done. Reader and printer are the calling thread; the pipeline's arena does the crypto.
class verify_stream {
 public:
  verify_stream(const verify_options& o, std::shared_ptr<const verifier> v)
      : o_(o),
        v_(std::move(v)),
        hint_hmac_kid_(!o.hmac_secret_file.empty() && o.hmac_kid.empty()),
        window_(kReorderWindow) {
    out_.reserve(kFlushBytes + 4096);
  }

  // Starts the pipeline with --threads workers (every core for 0), fewer if the process cannot
  // run that many threads (with a note). Prints the reason and returns false if it cannot start.
  bool start() {
    const unsigned wanted =
        o_.threads != 0
            ? o_.threads
            : std::min(kMaxThreads,
                       static_cast<unsigned>(std::max(1, tbb::info::default_concurrency())));
    // Under an address-space limit (ulimit -v), glibc's per-thread malloc arenas (64 MiB of
    // address space reserved each) would decide how many workers fit, and when: the workers
    // allocate next to nothing once warm, so they share the main arena there.
    if (rlimit as{}; ::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
      ::mallopt(M_ARENA_MAX, 1);
    if (!create(wanted)) return false;
    // Measured with the pipeline's own memory and batcher thread already in place.
    std::string why;
    const std::size_t stack =
        tbb::global_control::active_value(tbb::global_control::thread_stack_size);
    const unsigned can = startable_threads(wanted, stack, &why);
    if (can < wanted) {
      // A little room for what TBB itself allocates per worker.
      const unsigned use = std::max(1u, can > 2 ? can - 2 : 1u);
      pipeline_.reset();
      if (!create(use)) return false;
      std::cerr << "jwtx: note: started " << use << " of " << wanted
                << " verifier threads (cannot start more: " << why << "); continuing\n";
    }
    return true;
  }

  // Reads stdin to its end, verifying and printing as it goes. False with *error on a read error.
  bool run_stdin(std::string* error) {
    token_line_reader reader(o_.max_bytes);
    auto take_line = [this](const input_token& t) { take(t); };
    std::string buf(std::size_t{1} << 16, '\0');
    for (;;) {
      // Print what is done; while input is not there yet, keep printing what completes.
      print_ready();
      flush();
      while (!window_.empty() && !window_.wait(STDIN_FILENO)) {
        print_ready();
        flush();
      }
      const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a non-blocking stdin: wait for it
          window_.wait(STDIN_FILENO);
          continue;
        }
        *error = std::strerror(errno);
        return false;
      }
      if (n == 0) break;
      reader.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), take_line);
    }
    reader.finish(take_line);
    return true;
  }

  // Tokens given as arguments (stripped like lines; the verifier judges their length).
  bool run_args(const std::vector<std::string>& args) {
    for (const input_token& t : input_tokens_from_args(args)) take(t);
    return true;
  }

  // Prints every remaining line, closes the pipeline (all completions returned) and returns its
  // statistics.
  pipeline_snapshot finish() {
    while (!window_.empty()) {
      if (!print_ready()) {
        flush();
        window_.wait(-1);
      }
    }
    flush();
    pipeline_->close();
    return pipeline_->snapshot();
  }

  std::uint64_t lines() const { return window_.claimed(); }
  const std::array<std::uint64_t, kStatusCount>& counts() const { return counts_; }
  std::uint64_t hmac_kid_misses() const { return hmac_kid_misses_; }
  std::uint64_t cache_hits() const { return cache_hits_; }
  std::uint64_t cache_misses() const { return cache_misses_; }
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::size_t concurrency() const { return pipeline_->concurrency(); }

 private:
  bool create(unsigned workers) {
    pipeline_options po;
    po.concurrency = workers;
    // A token in the pipeline always has its window entry: more slots could never be used.
    po.queue_capacity = kReorderWindow;
    std::string why;
    pipeline_ = batch_pipeline::create(v_, po, &why);
    if (!pipeline_) {
      fail("cannot start the verifier pipeline: " + sanitized(why));
      return false;
    }
    return true;
  }

  // One input line: claims its place in the output order (waiting for the printer while the
  // window is full), then answers it here or hands it to the pipeline.
  void take(const input_token& t) {
    while (window_.full()) {
      if (!print_ready()) {
        flush();
        window_.wait(-1);
      }
    }
    const std::uint64_t seq = window_.claim();
    if (t.too_large) {
      reorder_window::entry& e = window_.at(seq);
      e.result = status::too_large;
      e.hmac_kid_miss = false;
      e.cache = 0;
      if (!o_.summary) {
        e.text.clear();
        format_oversized(t.fingerprint, o_.max_bytes, e.text);
      }
      window_.publish(seq);
      return;
    }
    const completion done{&on_result, this};
    for (;;) {
      // Blocks while the pipeline's queue is full: the reader slows down, nothing is dropped.
      const status s = pipeline_->submit_wait(t.token, done, seq, std::chrono::seconds(1));
      if (s == status::ok) return;
      if (s == status::overloaded) continue;
      // too_large (an argument longer than --max-bytes; stdin lines were cut while read) or a
      // pipeline that stopped: the verifier answers here, exactly as on a worker.
      v_->verify(t.token, scratch_);
      on_result(this, seq, scratch_);
      return;
    }
  }

  // The completion: formats the line into its window entry on the worker that verified it.
  static void on_result(void* self, std::uint64_t seq, const verify_result& r) noexcept {
    auto& s = *static_cast<verify_stream*>(self);
    reorder_window::entry& e = s.window_.at(seq);
    e.result = r.status();
    e.hmac_kid_miss = s.hint_hmac_kid_ && r.status() == status::key_not_found && r.has_kid() &&
                      r.alg() && required_key_type(*r.alg()) == key_type::oct;
    e.cache = s.v_->cache() != nullptr ? s.cache_outcome(r) : 0;
    if (!s.o_.summary) {
      try {
        e.text.clear();
        format_result(r.fingerprint(), r, e.text);
      } catch (...) {  // out of memory formatting a line: report at the end, never terminate
        e.text.clear();
        s.failed_.store(true, std::memory_order_release);
      }
    }
    s.window_.publish(seq);
  }

  // The summary's cache hits and misses count input tokens, as a sequential run would: a token
  // answered by the cache, or by an identical token verified just before it in the same batch (the
  // pipeline verifies repeats in a batch once and completes them back to back on one worker), is
  // a hit when it is valid and its algorithm is cached; any other token of a cached algorithm is a
  // miss. The cache's own lookup counters count each pipeline token's cache-first probe and its
  // verify() again, so they are not tokens.
  std::int8_t cache_outcome(const verify_result& r) const noexcept {
    // Only a valid token verified in full can be followed by its copies; anything else breaks
    // the run (and costs no fingerprint).
    thread_local const verify_stream* run_owner = nullptr;
    thread_local fingerprint_text run_fp{};
    if (!r.alg() || !v_->options().cache_algorithms.contains(*r.alg())) {
      run_owner = nullptr;
      return 0;
    }
    if (r.from_cache() || !r.ok()) {
      run_owner = nullptr;
      return r.from_cache() ? 1 : -1;
    }
    const fingerprint_text fp = r.fingerprint();
    const bool copy = run_owner == this && run_fp == fp;
    run_owner = this;
    run_fp = fp;
    return copy ? 1 : -1;
  }

  // Prints (or, with --summary, only counts) the done lines at the front of the window, in
  // order. Returns whether there was any.
  bool print_ready() {
    bool any = false;
    while (reorder_window::entry* e = window_.front()) {
      ++counts_[static_cast<std::size_t>(e->result)];
      hmac_kid_misses_ += e->hmac_kid_miss ? 1 : 0;
      cache_hits_ += e->cache > 0 ? 1 : 0;
      cache_misses_ += e->cache < 0 ? 1 : 0;
      if (!o_.summary) {
        out_ += e->text;
        out_.push_back('\n');
        if (out_.size() >= kFlushBytes) flush();
      }
      window_.pop();
      any = true;
    }
    return any;
  }

  void flush() {
    if (out_.empty()) return;
    write_stdout(out_);
    std::fflush(stdout);
    out_.clear();
  }

  const verify_options& o_;
  const std::shared_ptr<const verifier> v_;
  const bool hint_hmac_kid_;
  reorder_window window_;
  std::unique_ptr<batch_pipeline> pipeline_;  // after window_: closed (drained) before it goes
  verify_result scratch_;                     // answers given on this thread
  std::string out_;
  std::array<std::uint64_t, kStatusCount> counts_{};
  std::uint64_t hmac_kid_misses_ = 0;
  std::uint64_t cache_hits_ = 0, cache_misses_ = 0;
  std::atomic<bool> failed_{false};
};

// --summary's pipeline member: worker count, batches and the latency percentiles.
void append_pipeline_summary(const pipeline_snapshot& s, std::size_t threads, std::string& out) {
  auto summary = [&out](const char* name, const latency_summary& l) {
    out += ",\"";
    out += name;
    out += "\":{\"count\":" + std::to_string(l.count) + ",\"p50\":" + std::to_string(l.p50) +
           ",\"p90\":" + std::to_string(l.p90) + ",\"p99\":" + std::to_string(l.p99) +
           ",\"p999\":" + std::to_string(l.p999) + ",\"max\":" + std::to_string(l.max) + "}";
  };
  out += ",\"pipeline\":{\"threads\":" + std::to_string(threads) +
         ",\"batches\":" + std::to_string(s.batches) +
         ",\"duplicates\":" + std::to_string(s.duplicates) +
         ",\"cache_first_hits\":" + std::to_string(s.cache_first_hits);
  summary("latency_ns", s.latency_ns);
  summary("queue_wait_ns", s.queue_wait_ns);
  summary("service_ns", s.service_ns);
  summary("batch_size", s.batch_size);
  out += "}";
}

int run_verify(const verify_options& o) {
  // Algorithms first: a bad allow-list is a usage error before any file is touched.
  std::string err;
  std::optional<algorithm_set> algs = parse_algorithms_flag("--algs", o.algs, &err);
  if (!algs) return fail(err);
  verifier_options vo;
  vo.algorithms = *algs;
  if (!o.cache_algs.empty()) {
    std::optional<algorithm_set> cached = parse_algorithms_flag("--cache-algs", o.cache_algs, &err);
    if (!cached) return fail(err);
    vo.cache_algorithms = *cached;
  }
  if (o.jwks.empty() && o.pems.empty() && o.hmac_secret_file.empty()) {
    return fail("no keys: give --jwks, --pem or --hmac-secret-file");
  }
  const std::shared_ptr<const key_set> keys = load_keys(o);
  if (!keys) return kExitUsage;

  // Policy.
  vo.max_token_bytes = o.max_bytes;
  vo.max_json_depth = o.max_json_depth;
  vo.min_rsa_bits = o.min_rsa_bits;
  vo.max_keys_tried = o.max_keys_tried;
  vo.payload_is_jwt = !o.plain_jws;
  vo.claims.leeway_seconds = o.leeway;
  vo.claims.max_age_seconds = o.max_age;
  vo.claims.issuers = o.issuers;
  vo.claims.audiences = o.audiences;
  vo.claims.ignore_aud_when_unconfigured = o.ignore_aud_when_unconfigured;
  vo.claims.typ = o.typ;
  vo.claims.require_exp = !o.no_require_exp && !o.plain_jws;
  vo.cache_entries = o.cache_entries;
  if (!set_required_claims(o, vo.claims)) return kExitUsage;
  if (o.now) {
    const double now = *o.now;
    vo.claims.clock = [now] { return now; };
  }
  std::string content;
  revocation_set revoked;  // outlives the verifier below
  if (!o.revoked_jti_file.empty()) {
    if (!read_file(o.revoked_jti_file, &content, &err)) {
      return fail("cannot read " + quote_input(o.revoked_jti_file) + ": " + err);
    }
    // Its own source (one bulk publication): a Redis reload below never drops these entries.
    revoked.source("file " + o.revoked_jti_file).add_lines(content);
    vo.claims.revoked = &revoked;
  }
  // Fleet revocation: the feed keeps its own source of |revoked| equal to the list in Redis
  // while tokens verify.
  std::unique_ptr<redis_revocation_feed> feed;
  if (!o.revocation_redis.empty()) {
    std::string why;
    std::optional<redis_endpoint> endpoint = parse_redis_endpoint(o.revocation_redis, &why);
    if (!endpoint) return fail("bad --revocation-redis: " + sanitized(why));
    // Entries are kept for the leeway before the feed's first purge or load can drop them.
    revoked.retain_at_least(o.leeway);
    redis_feed_options fo;
    fo.clock = vo.claims.clock;  // purges and staleness on the verifier's clock (--now)
    feed = redis_revocation_feed::start(*endpoint, revoked, std::move(fo), &why);
    if (!feed) return fail("cannot start the revocation feed: " + sanitized(why));
    // Give the first load a moment, so a healthy Redis is in force before the first token.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(std::max(0.0, o.revocation_wait));
    while (!feed->synced() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!feed->synced()) {
      std::cerr << "jwtx: note: revocation list from " << sanitized(endpoint->to_string())
                << " not loaded yet (" << sanitized(feed->status()) << "); tokens with a jti are "
                << (o.revocation_fail_closed ? "rejected (revocation_unavailable)" : "accepted")
                << " while it is older than " << o.revocation_max_staleness << " s\n";
    }
    vo.claims.revoked = &revoked;
    vo.claims.revocation_max_staleness_seconds = o.revocation_max_staleness;
    vo.claims.revocation_fail_closed = o.revocation_fail_closed;
  }
  // The flags are range-checked already; the engine's own check is the last word (same limits).
  if (std::string why; validate_options(vo, &why) != status::ok) return fail(sanitized(why));
  const auto v = std::make_shared<const verifier>(keys, vo);
  verify_stream stream(o, v);
  if (!stream.start()) return kExitUsage;
  const auto start = std::chrono::steady_clock::now();
  const bool read_ok = o.tokens.empty() ? stream.run_stdin(&err) : stream.run_args(o.tokens);
  const pipeline_snapshot stats = stream.finish();
  if (!read_ok) return fail("cannot read stdin: " + err);
  if (stream.failed()) return fail("out of memory while verifying");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::uint64_t n = stream.lines();
  if (n == 0) {
    std::cerr << "jwtx: no tokens: stdin was empty (exit " << kExitNoInput << ")\n";
    return kExitNoInput;
  }
  if (const std::uint64_t misses = stream.hmac_kid_misses()) {
    std::cerr << "jwtx: note: " << misses << (misses == 1 ? " token carries" : " tokens carry")
              << " a kid but the HMAC secret from --hmac-secret-file has none; pass --hmac-kid\n";
  }
  const auto& counts = stream.counts();
  const bool all_valid = counts[0] == n;
  if (o.summary) {
    char rate[64];
    std::snprintf(rate, sizeof(rate), "%.1f", seconds > 0 ? static_cast<double>(n) / seconds : 0.0);
    std::string out = "{\"total\":" + std::to_string(n) +
                      ",\"valid\":" + std::to_string(counts[0]) +
                      ",\"invalid\":" + std::to_string(n - counts[0]) +
                      ",\"tokens_per_second\":" + rate + ",\"counts\":{";
    bool first = true;
    for (int i = 0; i < kStatusCount; ++i) {
      if (!counts[i]) continue;
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, status_name(static_cast<status>(i)));
      out += ":" + std::to_string(counts[i]);
    }
    out += "}";
    if (const token_cache* cache = v->cache()) {
      const token_cache_stats c = cache->stats();
      out += ",\"cache\":{\"entries\":" + std::to_string(cache->capacity()) +
             ",\"hits\":" + std::to_string(stream.cache_hits()) +
             ",\"misses\":" + std::to_string(stream.cache_misses()) +
             ",\"inserts\":" + std::to_string(c.inserts) +
             ",\"evictions\":" + std::to_string(c.evictions) +
             ",\"invalidations\":" + std::to_string(c.invalidations) +
             ",\"collisions_rejected\":" + std::to_string(c.collisions_rejected) + "}";
    }
    out += ",\"key_search_capped\":" + std::to_string(v->key_search_capped());
    append_pipeline_summary(stats, stream.concurrency(), out);
    out += "}\n";
    write_stdout(out);
  }
  return all_valid ? kExitOk : kExitInvalid;
}

}  // namespace

verb add_verify(CLI::App& app) {
  auto o = std::make_shared<verify_options>();
  CLI::App* cmd = app.add_subcommand("verify", "Verify tokens; one JSON line per input line");
  // Keys.
  cmd->add_option("--jwks", o->jwks, "JWKS file with the verification keys");
  cmd->add_option("--pem", o->pems,
                  "PEM public key file (repeatable); kid = file name without .pem / .public.pem")
      ->allow_extra_args(false);
  cmd->add_option("--hmac-secret-file", o->hmac_secret_file, "File with a raw HMAC secret");
  cmd->add_option("--hmac-kid", o->hmac_kid, "kid of the HMAC secret (default: none)");
  cmd->add_flag("--allow-mixed-key-types", o->allow_mixed_key_types,
                "Allow one JWKS to hold both HMAC (oct) secrets and public keys (refused by "
                "default: a kid-less token is then ambiguous between a MAC and a signature)");
  cmd->add_option("--min-rsa-bits", o->min_rsa_bits,
                  "Smallest accepted RSA modulus; smaller keys give key_too_small")
      ->capture_default_str()
      ->check(count_in(kMinRsaBitsFloor, kMinRsaBitsCeiling));
  cmd->add_option("--max-keys-tried", o->max_keys_tried,
                  "Most signature checks per token: keys tried without a kid, or sharing one "
                  "(more fitting keys left untried: key_not_found, counted in --summary)")
      ->capture_default_str()
      ->check(count_in(1, kMaxKeysTriedFlag));
  // Token shape.
  cmd->add_option("--algs", o->algs, "Allowed algorithms, e.g. RS256,ES256 (case-sensitive)")
      ->required();
  cmd->add_option("--max-bytes", o->max_bytes,
                  "Longest accepted token; longer input lines are dropped while reading")
      ->capture_default_str()
      ->check(count_in(1, kMaxTokenBytesLimit));
  cmd->add_option("--max-json-depth", o->max_json_depth,
                  "Deepest JSON nesting in header and claims (top-level object = 1)")
      ->capture_default_str()
      ->check(count_in(1, kMaxJsonDepthLimit));
  cmd->add_option("--typ", o->typ, "Required typ header value");
  // Claims policy.
  CLI::Option* iss =
      cmd->add_option("--iss", o->issuers, "Allowed issuer (repeatable)")->allow_extra_args(false);
  CLI::Option* aud = cmd->add_option("--aud", o->audiences, "Allowed audience (repeatable)")
                         ->allow_extra_args(false);
  CLI::Option* ignore_aud =
      cmd->add_flag("--ignore-aud-when-unconfigured", o->ignore_aud_when_unconfigured,
                    "Without --aud, accept tokens that carry an aud (default: reject them, "
                    "RFC 7519 section 4.1.3)");
  CLI::Option* leeway = cmd->add_option("--leeway", o->leeway, "Clock leeway in seconds")
                            ->capture_default_str()
                            ->check(seconds_in(0, kMaxLeewaySeconds));
  cmd->add_option("--now", o->now, "Use this Unix time instead of the system clock")
      ->check(seconds_in(0, static_cast<double>(kMaxUnixTime)));
  CLI::Option* max_age =
      cmd->add_option("--max-age", o->max_age,
                      "Reject tokens whose iat is older than S seconds (too_old); iat required")
          ->check(seconds_in(0, kMaxAgeLimitSeconds));
  CLI::Option* require =
      cmd->add_option("--require", o->require,
                      "Comma list of registered claims that must be present: exp,nbf,"
                      "iat,iss,sub,aud,jti");
  CLI::Option* require_claim = cmd->add_option("--require-claim", o->require_claims,
                                               "Any other claim that must be present (repeatable)")
                                   ->allow_extra_args(false);
  CLI::Option* no_exp =
      cmd->add_flag("--no-require-exp", o->no_require_exp, "Accept tokens without exp");
  CLI::Option* plain = cmd->add_flag(
      "--plain-jws", o->plain_jws,
      "The payload is opaque bytes, not JWT claims: only the signature (and --typ) is checked");
  // Revocation.
  CLI::Option* revoked = cmd->add_option("--revoked-jti", o->revoked_jti_file,
                                         "File with revoked jti values, one a line");
  CLI::Option* redis = cmd->add_option(
      "--revocation-redis", o->revocation_redis,
      "Fleet revocation list: HOST:PORT[/KEY] (sorted set KEY, channel KEY:events)");
  cmd->add_option("--revocation-max-staleness", o->revocation_max_staleness,
                  "Seconds the revocation list may go without a sync before the policy applies")
      ->capture_default_str()
      ->check(seconds_in(0, kMaxRevocationStalenessSeconds));
  cmd->add_flag("--revocation-fail-closed", o->revocation_fail_closed,
                "Reject tokens with a jti while the revocation list is stale (default: accept)");
  cmd->add_option("--revocation-wait", o->revocation_wait,
                  "Seconds to wait for the first revocation load before verifying")
      ->capture_default_str()
      ->check(seconds_in(0, kMaxRevocationWait));
  // A plain JWS has no claims: every claim rule would silently never run.
  plain->excludes(iss)->excludes(aud)->excludes(ignore_aud)->excludes(leeway)->excludes(max_age);
  plain->excludes(require)->excludes(require_claim)->excludes(no_exp)->excludes(revoked);
  plain->excludes(redis);
  // Running.
  cmd->add_flag("--summary", o->summary,
                "Print only counts per status, tokens/s and the pipeline's latency percentiles");
  cmd->add_option("--threads", o->threads,
                  "Verifier threads: the pipeline's worker pool (0: one per CPU); at most " +
                      std::to_string(kMaxThreads))
      ->capture_default_str()
      ->check(count_in(0, kMaxThreads));
  cmd->add_option("--cache-entries", o->cache_entries,
                  "Verified-token cache size in entries (0: no cache); repeats skip crypto")
      ->capture_default_str()
      ->check(count_in(0, kMaxCacheEntries));
  cmd->add_option("--cache-algs", o->cache_algs,
                  "Algorithms whose valid tokens are cached (default: all but HS256/384/512)");
  cmd->add_option("tokens", o->tokens, "Tokens (default: stdin, one per line)");
  cmd->footer(
      "Input: one token per line; output line N answers input line N. A blank line is a token\n"
      "(malformed); a trailing \\r is stripped; a leading \"Bearer \" (any case, then one or\n"
      "more spaces; RFC 6750) is stripped. Lines over --max-bytes are too_large and never held\n"
      "in memory. Output is streamed: line N is printed once lines 1..N are verified, before\n"
      "stdin ends (a program feeding stdin must read stdout meanwhile); memory stays bounded.\n"
      "Exit: 0 every token valid, 1 some token invalid, 2 usage or key-loading error,\n"
      "3 no tokens (stdin was empty).");
  return {cmd, [o] { return run_verify(*o); }};
}

}  // namespace jwtx::cli
