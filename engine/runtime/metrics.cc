#include "engine/runtime/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace jwtx::metrics {

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void histogram::observe(double v) noexcept {
  // Prometheus buckets are "less than or equal": the first bound >= v.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::vector<double> default_latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
}

struct registry::series {
  labels label_pairs;
  std::unique_ptr<counter> c;
  std::unique_ptr<gauge> g;
  std::unique_ptr<histogram> h;
  std::function<double()> fn;
};

struct registry::family {
  std::string name;
  std::string help;
  kind type;
  std::vector<std::unique_ptr<series>> members;
};

registry::registry() = default;
registry::~registry() = default;

bool registry::valid_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool registry::valid_label_name(std::string_view name) noexcept {
  if (name.starts_with("__") || name.find(':') != std::string_view::npos) return false;
  return valid_metric_name(name);
}

registry::series* registry::find_or_add(std::string_view name, std::string_view help, kind k,
                                        labels l, std::string* why, bool* created) {
  std::string ignored;
  if (!why) why = &ignored;
  *created = false;
  if (!valid_metric_name(name)) {
    *why = "invalid metric name \"" + std::string(name) + "\"";
    return nullptr;
  }
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (!valid_label_name(l[i].first) || (k == kind::histogram && l[i].first == "le")) {
      *why = std::string(name) + ": invalid label name \"" + l[i].first + "\"";
      return nullptr;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (l[j].first == l[i].first) {
        *why = std::string(name) + ": label \"" + l[i].first + "\" given twice";
        return nullptr;
      }
    }
  }
  std::lock_guard lock(mu_);
  family* f = nullptr;
  for (auto& fam : families_) {
    if (fam->name == name) f = fam.get();
  }
  if (f) {
    if (f->type != k || f->help != help) {
      *why = std::string(name) + ": registered before with another type or help";
      return nullptr;
    }
    for (auto& s : f->members) {
      if (s->label_pairs == l) return s.get();
    }
  } else {
    auto fam = std::make_unique<family>();
    fam->name = name;
    fam->help = help;
    fam->type = k;
    families_.push_back(std::move(fam));
    f = families_.back().get();
  }
  auto s = std::make_unique<series>();
  s->label_pairs = std::move(l);
  f->members.push_back(std::move(s));
  *created = true;
  return f->members.back().get();
}

counter* registry::add_counter(std::string_view name, std::string_view help, labels l,
                               std::string* why) {
  bool created;
  series* s = find_or_add(name, help, kind::counter, std::move(l), why, &created);
  if (!s) return nullptr;
  std::lock_guard lock(mu_);
  if (!s->c && !s->fn) s->c = std::make_unique<counter>();
  return s->c.get();  // null if this series is a callback one
}

gauge* registry::add_gauge(std::string_view name, std::string_view help, labels l,
                           std::string* why) {
  bool created;
  series* s = find_or_add(name, help, kind::gauge, std::move(l), why, &created);
  if (!s) return nullptr;
  std::lock_guard lock(mu_);
  if (!s->g && !s->fn) s->g = std::make_unique<gauge>();
  return s->g.get();
}

histogram* registry::add_histogram(std::string_view name, std::string_view help, labels l,
                                   std::vector<double> upper_bounds, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && upper_bounds[i] <= upper_bounds[i - 1])) {
      *why = std::string(name) + ": bucket bounds must be finite and strictly increasing";
      return nullptr;
    }
  }
  bool created;
  series* s = find_or_add(name, help, kind::histogram, std::move(l), why, &created);
  if (!s) return nullptr;
  std::lock_guard lock(mu_);
  if (!s->h) {
    s->h = std::make_unique<histogram>(std::move(upper_bounds));
  } else if (!std::equal(s->h->upper_bounds().begin(), s->h->upper_bounds().end(),
                         upper_bounds.begin(), upper_bounds.end())) {
    *why = std::string(name) + ": registered before with other buckets";
    return nullptr;
  }
  return s->h.get();
}

bool registry::add_counter_fn(std::string_view name, std::string_view help, labels l,
                              std::function<double()> fn, std::string* why) {
  bool created;
  series* s = find_or_add(name, help, kind::counter, std::move(l), why, &created);
  if (!s) return false;
  std::lock_guard lock(mu_);
  if (s->c) {
    if (why) *why = std::string(name) + ": series already registered as a plain counter";
    return false;
  }
  s->fn = std::move(fn);
  return true;
}

bool registry::add_gauge_fn(std::string_view name, std::string_view help, labels l,
                            std::function<double()> fn, std::string* why) {
  bool created;
  series* s = find_or_add(name, help, kind::gauge, std::move(l), why, &created);
  if (!s) return false;
  std::lock_guard lock(mu_);
  if (s->g) {
    if (why) *why = std::string(name) + ": series already registered as a plain gauge";
    return false;
  }
  s->fn = std::move(fn);
  return true;
}

bool add_per_status_counters(registry& r, std::string_view name, std::string_view help,
                             const labels& extra, per_status_counters* out, std::string* why) {
  per_status_counters made;
  for (int i = 0; i < kStatusCount; ++i) {
    labels l = extra;
    l.emplace_back("status", std::string(status_name(static_cast<status>(i))));
    made.by_status[static_cast<std::size_t>(i)] = r.add_counter(name, help, std::move(l), why);
    if (!made.by_status[static_cast<std::size_t>(i)]) return false;
  }
  *out = made;
  return true;
}

namespace {

// The text format escapes backslash and newline everywhere, double quotes in label values only.
std::string escape(std::string_view s, bool quotes) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_help(std::string_view s) { return escape(s, false); }
std::string escape_label_value(std::string_view s) { return escape(s, true); }

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

namespace {

void append_labels(std::string& out, const labels& l, std::string_view le = {}) {
  if (l.empty() && le.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : l) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  }
  if (!le.empty()) {
    if (!first) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string registry::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->members.empty()) continue;
    out += "# HELP " + f->name + " " + escape_help(f->help) + "\n";
    out += "# TYPE " + f->name + " ";
    out += f->type == kind::counter ? "counter" : f->type == kind::gauge ? "gauge" : "histogram";
    out += '\n';
    for (const auto& s : f->members) {
      if (f->type == kind::histogram) {
        const histogram& h = *s->h;
        const auto bounds = h.upper_bounds();
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
          cumulative += h.bucket(i);
          out += f->name + "_bucket";
          append_labels(out, s->label_pairs, i < bounds.size() ? format_value(bounds[i]) : "+Inf");
          out += ' ' + std::to_string(cumulative) + '\n';
        }
        out += f->name + "_sum";
        append_labels(out, s->label_pairs);
        out += ' ' + format_value(h.sum()) + '\n';
        out += f->name + "_count";
        append_labels(out, s->label_pairs);
        out += ' ' + std::to_string(cumulative) + '\n';
        continue;
      }
      out += f->name;
      append_labels(out, s->label_pairs);
      out += ' ';
      if (s->fn) {
        out += format_value(s->fn());
      } else if (s->c) {
        out += std::to_string(s->c->value());
      } else if (s->g) {
        out += format_value(s->g->value());
      } else {
        out += '0';
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace jwtx::metrics
