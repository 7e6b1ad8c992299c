// jwtx::cli::yaml_reader — the strict walk over a parsed YAML (or JSON) tree shared by the CLI's
// configuration files (`jwtx serve --config`, `jwtx bench --workload`): every error names its path
// ("providers.corp.audience: unknown key"), maps refuse unknown, duplicate and non-string keys,
// numbers must be finite and in range. The first error wins and is kept in *why.
// Thread-safety: one reader per parse. Never throws (yaml-cpp's accessors used here do not).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace jwtx::cli {

class yaml_reader {
 public:
  explicit yaml_reader(std::string* why) : why_(why) {}

  bool fail(const std::string& path, const std::string& message) {
    if (why_) *why_ = path + ": " + message;
    return false;
  }

  // |node| must be a map whose keys are all in |allowed| (each at most once).
  bool map(const YAML::Node& node, const std::string& path,
           std::initializer_list<std::string_view> allowed) {
    if (!node.IsMap()) return fail(path, "expected a map");
    std::set<std::string> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) return fail(path, "a key is not a string");
      const std::string key = kv.first.Scalar();
      bool known = false;
      for (std::string_view a : allowed) known |= a == key;
      if (!known) return fail(join(path, key), "unknown key");
      if (!seen.insert(key).second) return fail(join(path, key), "duplicate key");
    }
    return true;
  }

  bool string(const YAML::Node& node, const std::string& path, std::string* out) {
    if (!node.IsScalar()) return fail(path, "expected a string");
    *out = node.Scalar();
    return true;
  }
  bool non_empty_string(const YAML::Node& node, const std::string& path, std::string* out) {
    if (!node.IsScalar() || node.Scalar().empty()) return fail(path, "expected a non-empty string");
    *out = node.Scalar();
    return true;
  }

  // A finite number in [lo, hi].
  bool number(const YAML::Node& node, const std::string& path, double lo, double hi, double* out) {
    if (!node.IsScalar()) return fail(path, "expected a number");
    const std::string& s = node.Scalar();
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v)) {
      return fail(path, "expected a number");
    }
    if (v < lo || v > hi) {
      std::ostringstream m;
      m << "must be in [" << lo << ", " << hi << "]";
      return fail(path, m.str());
    }
    *out = v;
    return true;
  }

  // A whole number in [lo, hi] (both exactly representable in T).
  template <class T>
  bool whole(const YAML::Node& node, const std::string& path, double lo, double hi, T* out) {
    double v = 0;
    if (!number(node, path, lo, hi, &v)) return false;
    if (v != std::floor(v)) return fail(path, "expected a whole number");
    *out = static_cast<T>(v);
    return true;
  }

  bool boolean(const YAML::Node& node, const std::string& path, bool* out) {
    if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
      *out = node.Scalar() == "true";
      return true;
    }
    return fail(path, "expected true or false");
  }

  bool strings(const YAML::Node& node, const std::string& path, std::vector<std::string>* out) {
    if (!node.IsSequence()) return fail(path, "expected a list of strings");
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string s;
      if (!string(node[i], index(path, i), &s)) return false;
      out->push_back(std::move(s));
    }
    return true;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string* why_;
};

}  // namespace jwtx::cli
