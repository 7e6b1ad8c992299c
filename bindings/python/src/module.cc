// _jwtx: the Python module over the C++ engine (bindings/python/jwtx/__init__.py re-exports it).
//
//   Verifier(jwks=..., algorithms=[...], ...)   key_store + verifier, options checked once
//   Verifier.verify(token) -> Result            the caller's thread; GIL released around a miss
//   Verifier.verify_batch(tokens) -> [Result]   batch_pipeline::verify_batch on the TBB arena,
//                                               GIL released for the whole batch
//   Verifier.publish(jwks=...)                  key rotation (key_store::publish)
//
// Errors: configuration (options, keys) raises ValueError with the engine's message; a token that
// is not str/bytes raises TypeError; every invalid token is a Result with valid == False and its
// stable status name, never an exception.
// Per call: the engine's verify_result is per-thread scratch (thread_local, reused); the only
// allocations are the Python objects returned. Result keeps a reference to the caller's token
// object (str and bytes are immutable) and builds .claims and .fingerprint from it on first use.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bindings/python/src/errors.h"
#include "bindings/python/src/result.h"
#include "bindings/python/src/token_bytes.h"
#include "engine/fingerprint.h"
#include "engine/jws/algorithm.h"
#include "engine/keys/key_set.h"
#include "engine/keys/key_store.h"
#include "engine/policy.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/status.h"
#include "engine/time_rules.h"
#include "engine/verifier.h"
#include "engine/version.h"

namespace py = pybind11;

namespace jwtx::python {

void register_testing(py::module_& m);  // testing.cc

namespace {

// kid as a new str reference, or null (None) when the header had none.
PyObject* kid_object(const verify_result& r) {
  if (!r.has_kid()) return nullptr;
  return PyUnicode_FromStringAndSize(r.kid().data(), static_cast<Py_ssize_t>(r.kid().size()));
}

// detail() only for a failure: it allocates, and a valid token's detail is "".
PyObject* detail_object(const verify_result& r) {
  if (r.ok()) return nullptr;
  std::string d = r.detail();
  return PyUnicode_FromStringAndSize(d.data(), static_cast<Py_ssize_t>(d.size()));
}

py::object make_result(const verify_result& r, py::handle token) {
  PyObject* kid = kid_object(r);
  if (r.has_kid() && kid == nullptr) throw py::error_already_set();
  PyObject* detail = detail_object(r);
  if (!r.ok() && detail == nullptr) {
    Py_XDECREF(kid);
    throw py::error_already_set();
  }
  PyObject* o = new_result({r.status(), r.alg(), r.from_cache(), token.ptr(), kid, detail});
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

// What verify_batch keeps of each token while the GIL is released (plain C++: no Python object
// may be touched without the GIL).
struct outcome {
  status code = status::internal_error;
  std::optional<algorithm> alg;
  bool from_cache = false;
  bool has_kid = false;
  std::string kid;
  std::string detail;
};

// Keys as the constructor and publish() accept them. PEM: one document (no kid) or {kid: pem}.
struct key_sources {
  std::optional<std::string> jwks;
  std::vector<std::pair<std::string, std::string>> pems;  // (kid, pem)
  std::optional<std::string> hmac_secret;
  std::string hmac_kid;
  bool any() const noexcept { return jwks || !pems.empty() || hmac_secret; }
};

// str (its UTF-8) or bytes; None -> nullopt. Anything else is a TypeError naming |what|.
std::optional<std::string> text_or_bytes(py::handle o, const char* what) {
  if (o.is_none()) return std::nullopt;
  if (PyUnicode_Check(o.ptr())) return o.cast<std::string>();
  if (PyBytes_Check(o.ptr())) {
    return std::string(PyBytes_AS_STRING(o.ptr()),
                       static_cast<std::size_t>(PyBytes_GET_SIZE(o.ptr())));
  }
  throw py::type_error(std::string(what) + " must be str or bytes");
}

// None -> {}, "x" -> {"x"}, a sequence of str -> its items.
std::vector<std::string> string_list(py::handle o, const char* what) {
  std::vector<std::string> out;
  if (o.is_none()) return out;
  if (PyUnicode_Check(o.ptr())) {
    out.push_back(o.cast<std::string>());
    return out;
  }
  if (!PySequence_Check(o.ptr())) {
    throw py::type_error(std::string(what) + " must be a str or a list of str");
  }
  for (py::handle item : py::reinterpret_borrow<py::sequence>(o)) {
    if (!PyUnicode_Check(item.ptr())) {
      throw py::type_error(std::string(what) + " must be a str or a list of str");
    }
    out.push_back(item.cast<std::string>());
  }
  return out;
}

key_sources collect_keys(py::handle jwks, py::handle pem, py::handle hmac_secret,
                         const std::optional<std::string>& hmac_kid) {
  key_sources k;
  k.jwks = text_or_bytes(jwks, "jwks");
  if (PyDict_Check(pem.ptr())) {
    for (auto [kid, doc] : py::reinterpret_borrow<py::dict>(pem)) {
      if (!PyUnicode_Check(kid.ptr())) throw py::type_error("pem dict keys (kids) must be str");
      k.pems.emplace_back(kid.cast<std::string>(), *text_or_bytes(doc, "pem"));
    }
    if (k.pems.empty()) throw py::value_error("pem: the dict names no key");
  } else if (auto doc = text_or_bytes(pem, "pem (a PEM document or a {kid: PEM} dict)")) {
    k.pems.emplace_back(std::string(), std::move(*doc));
  }
  k.hmac_secret = text_or_bytes(hmac_secret, "hmac_secret");
  if (hmac_kid && !k.hmac_secret) throw py::value_error("hmac_kid given without hmac_secret");
  if (hmac_kid) k.hmac_kid = *hmac_kid;
  return k;
}

// Builds the key set or raises ValueError with the builder's message (names the source and key).
std::shared_ptr<const key_set> load_keys(const key_sources& k, const key_set_options& options) {
  if (!k.any()) throw py::value_error("no keys: pass jwks=, pem= or hmac_secret=");
  key_set_builder builder(options);
  auto check = [&](status s) {
    if (s != status::ok) throw py::value_error(builder.error());
  };
  if (k.jwks) check(builder.add_jwks(*k.jwks, "jwks"));
  for (const auto& [kid, doc] : k.pems) {
    check(builder.add_pem(doc, kid, kid.empty() ? std::string("pem") : "pem " + kid));
  }
  if (k.hmac_secret) check(builder.add_hmac_secret(*k.hmac_secret, k.hmac_kid, std::nullopt));
  key_set_result built = builder.build();
  if (!built) throw py::value_error(built.error);
  return built.set;
}

algorithm_set parse_algorithms(py::handle algorithms) {
  if (PyUnicode_Check(algorithms.ptr())) {
    throw py::value_error("algorithms must be a list of names such as [\"RS256\"], not a str");
  }
  algorithm_set set;
  std::vector<std::string> names = string_list(algorithms, "algorithms");
  if (names.empty()) throw py::value_error("algorithms is empty: no token could ever verify");
  for (const std::string& name : names) {
    auto a = algorithm_from_name(name);
    if (!a) {
      throw py::value_error(
          "algorithms: \"" + name +
          "\" is not a JWS algorithm jwtx verifies (HS256/384/512, RS256/384/512, "
          "PS256/384/512, ES256/384/512, EdDSA; names are case-sensitive; "
          "\"none\" is never accepted)");
    }
    set.add(*a);
  }
  return set;
}

std::size_t non_negative(long long v, const char* what) {
  if (v < 0) throw py::value_error(std::string(what) + " must be >= 0, not " + std::to_string(v));
  return static_cast<std::size_t>(v);
}

// The verifier's own scratch for verify(): one per thread, reused (no allocation once warm).
verify_result& thread_result() {
  thread_local verify_result r;
  return r;
}

// verify_batch works in chunks of this many tokens: each chunk's verify_results are reused from a
// pool, so memory stays bounded (a result holds two simdjson parsers and decode buffers) however
// long the list. Per chunk the arena waits for its slowest task, ~1 verify in 1024 / threads.
constexpr std::size_t kBatchChunk = 1024;

class py_verifier {
 public:
  py_verifier(const key_sources& keys, key_set_options kso, verifier_options o, std::size_t threads)
      : key_options_(kso), threads_(threads) {
    std::string why;
    if (validate_options(o, &why) != status::ok) throw py::value_error(why);
    store_ = std::make_shared<key_store>(load_keys(keys, key_options_));
    verifier_ = std::make_shared<const verifier>(store_, std::move(o));
    pipeline_options po = batch_options();
    if (validate_pipeline_options(po, verifier_->options(), &why) != status::ok) {
      throw py::value_error(why);
    }
  }

  py::object verify(py::handle token) {
    token_bytes bytes(token);
    verify_result& r = thread_result();
    // A cache hit costs well under a microsecond: answered with the GIL held. A miss runs the
    // signature check without it, so other Python threads run meanwhile.
    if (verifier_->cache() == nullptr || !verifier_->verify_cached(bytes.view(), r)) {
      py::gil_scoped_release nogil;
      verifier_->verify_after_miss(bytes.view(), r);
    }
    return make_result(r, token);
  }

  py::list verify_batch(py::handle tokens) {
    py::object seq = py::reinterpret_steal<py::object>(
        PySequence_Fast(tokens.ptr(), "verify_batch expects a list (or iterable) of tokens"));
    if (!seq) throw py::error_already_set();
    const std::size_t n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(seq.ptr()));
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    // Every token is checked (TypeError) before any work; |bytes| holds views into the token
    // objects, which |seq| keeps alive and which cannot change (str and bytes are immutable).
    std::vector<token_bytes> bytes;
    bytes.reserve(n);
    std::vector<std::string_view> views(n);
    for (std::size_t i = 0; i < n; ++i) {
      bytes.emplace_back(items[i], i);
      views[i] = bytes.back().view();
    }
    batch_pipeline& pipeline = ensure_pipeline();
    std::vector<outcome> outcomes(n);
    {
      py::gil_scoped_release nogil;
      std::unique_ptr<std::vector<verify_result>> pool = take_pool();
      for (std::size_t start = 0; start < n; start += kBatchChunk) {
        const std::size_t m = std::min(kBatchChunk, n - start);
        std::span<verify_result> results(pool->data(), m);
        pipeline.verify_batch(std::span<const std::string_view>(views).subspan(start, m), results);
        for (std::size_t j = 0; j < m; ++j) {
          const verify_result& r = results[j];
          outcome& o = outcomes[start + j];
          o.code = r.status();
          o.alg = r.alg();
          o.from_cache = r.from_cache();
          o.has_kid = r.has_kid();
          if (o.has_kid) o.kid = r.kid();
          if (!r.ok()) o.detail = r.detail();
        }
      }
      give_pool(std::move(pool));
    }
    py::list out(n);
    for (std::size_t i = 0; i < n; ++i) {
      const outcome& o = outcomes[i];
      PyObject* kid = o.has_kid ? PyUnicode_FromStringAndSize(o.kid.data(),
                                                              static_cast<Py_ssize_t>(o.kid.size()))
                                : nullptr;
      PyObject* detail = o.code == status::ok
                             ? nullptr
                             : PyUnicode_FromStringAndSize(
                                   o.detail.data(), static_cast<Py_ssize_t>(o.detail.size()));
      if ((o.has_kid && kid == nullptr) || (o.code != status::ok && detail == nullptr)) {
        Py_XDECREF(kid);
        Py_XDECREF(detail);
        throw py::error_already_set();
      }
      PyObject* r = new_result({o.code, o.alg, o.from_cache, items[i], kid, detail});
      if (r == nullptr) throw py::error_already_set();
      PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), r);
    }
    return out;
  }

  void publish(const key_sources& keys) {
    std::shared_ptr<const key_set> next = load_keys(keys, key_options_);
    // publish() waits until no reader can still see the old set; readers never need the GIL.
    py::gil_scoped_release nogil;
    store_->publish(std::move(next));
  }

  std::vector<std::string> skipped_keys() const { return store_->current()->skipped(); }
  std::size_t key_count() const { return store_->current()->keys().size(); }
  std::size_t threads() const { return threads_; }
  const verifier& engine() const { return *verifier_; }

  // batch_pipeline::snapshot() results per status name (verify_batch only; verify() does not go
  // through the pipeline). Empty before the first verify_batch.
  py::dict batch_counts() const {
    py::dict d;
    if (!pipeline_) return d;
    pipeline_snapshot s = pipeline_->snapshot();
    for (int i = 0; i < kStatusCount; ++i) {
      if (s.results.counts[i] != 0)
        d[py::handle(status_name_object(static_cast<status>(i)))] = s.results.counts[i];
    }
    return d;
  }

 private:
  // verify_batch only: no submit() queue beyond a token, so the pipeline's slot memory stays
  // small (the defaults reserve 8 MiB for the asynchronous path, which Python does not use).
  pipeline_options batch_options() const {
    pipeline_options po;
    po.concurrency = threads_;
    po.queue_capacity = 64;
    po.large_slots = 0;
    return po;
  }

  // Created on the first verify_batch (a Verifier used only for verify() starts no threads).
  // Called with the GIL held, which serialises creation.
  batch_pipeline& ensure_pipeline() {
    if (!pipeline_) {
      std::string why;
      pipeline_ = batch_pipeline::create(verifier_, batch_options(), &why);
      if (!pipeline_) throw std::runtime_error("cannot start the verify_batch pipeline: " + why);
    }
    return *pipeline_;
  }

  // Concurrent verify_batch calls (from several Python threads) each take their own pool.
  std::unique_ptr<std::vector<verify_result>> take_pool() {
    {
      std::lock_guard lock(pool_mutex_);
      if (!pools_.empty()) {
        auto p = std::move(pools_.back());
        pools_.pop_back();
        return p;
      }
    }
    return std::make_unique<std::vector<verify_result>>(kBatchChunk);
  }
  void give_pool(std::unique_ptr<std::vector<verify_result>> p) {
    std::lock_guard lock(pool_mutex_);
    pools_.push_back(std::move(p));
  }

  key_set_options key_options_;
  std::size_t threads_;
  std::shared_ptr<key_store> store_;
  std::shared_ptr<const verifier> verifier_;
  std::unique_ptr<batch_pipeline> pipeline_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<std::vector<verify_result>>> pools_;
};

// Verifier.verify as a plain METH_O method: pybind11's dispatcher would build argument vectors
// on the heap for every call; this path allocates nothing but the Result it returns.
PyObject* verify_method(PyObject* self, PyObject* token) noexcept {
  return guarded(
      [&] { return py::handle(self).cast<py_verifier&>().verify(token).release().ptr(); });
}

PyMethodDef verify_def = {
    "verify", verify_method, METH_O,
    "verify(token: str | bytes) -> Result\n\nVerifies one token. Never raises for an invalid "
    "token (see Result.status); TypeError if |token| is neither str nor bytes."};

}  // namespace

void define_module(py::module_& m) {
  m.doc() = "jwtx: strict, fast JWT (JWS compact) verification over the jwtx C++ engine.";
  register_result_type(m);
  m.attr("__version__") = jwtx_version();
  m.def(
      "status_names",
      [] {
        py::list names;
        for (int i = 0; i < kStatusCount; ++i) {
          names.append(py::handle(status_name_object(static_cast<status>(i))));
        }
        return names;
      },
      "Every stable status name, in the engine's order (\"ok\" first).");
  m.def(
      "fingerprint",
      [](py::handle token) {
        token_bytes bytes(token);
        fingerprint_text fp = jwtx::fingerprint(bytes.view());
        return py::str(fp.data(), fp.size());
      },
      py::arg("token"), "The 16-hex-digit name jwtx gives a token in logs (SHA-256 prefix).");

  py::class_<py_verifier> verifier_class(m, "Verifier",
                                         "Verifies JWTs against one key set and one policy.");
  verifier_class
      .def(py::init([](py::object jwks, py::object pem, py::object hmac_secret,
                       std::optional<std::string> hmac_kid, py::object algorithms,
                       py::object issuer, py::object audience, double leeway,
                       long long cache_entries, py::object required_claims,
                       std::optional<std::string> typ, long long max_token_bytes,
                       long long max_json_depth, bool require_exp, std::optional<double> max_age,
                       bool allow_mixed_key_types, long long threads, std::optional<double> now) {
             key_sources keys = collect_keys(jwks, pem, hmac_secret, hmac_kid);
             key_set_options kso;
             kso.allow_mixed_symmetric = allow_mixed_key_types;
             verifier_options o;
             o.algorithms = parse_algorithms(algorithms);
             o.claims.issuers = string_list(issuer, "issuer");
             o.claims.audiences = string_list(audience, "audience");
             o.claims.leeway_seconds = leeway;
             o.cache_entries = non_negative(cache_entries, "cache_entries");
             o.claims.required_claims = string_list(required_claims, "required_claims");
             if (typ) o.claims.typ = *typ;
             o.max_token_bytes = non_negative(max_token_bytes, "max_token_bytes");
             o.max_json_depth = non_negative(max_json_depth, "max_json_depth");
             o.claims.require_exp = require_exp;
             o.claims.max_age_seconds = max_age;
             if (now) {
               const double fixed = *now;
               // A fixed clock outside the engine's range would fail every token clock_invalid:
               // that is a configuration error.
               if (!valid_clock(fixed)) {
                 throw py::value_error("now must be Unix seconds between 1970 and 9999, not " +
                                       py::repr(py::float_(fixed)).cast<std::string>());
               }
               o.claims.clock = [fixed] { return fixed; };
             }
             return std::make_unique<py_verifier>(keys, kso, std::move(o),
                                                  non_negative(threads, "threads"));
           }),
           py::kw_only(), py::arg("jwks") = py::none(), py::arg("pem") = py::none(),
           py::arg("hmac_secret") = py::none(), py::arg("hmac_kid") = py::none(),
           py::arg("algorithms"), py::arg("issuer") = py::none(), py::arg("audience") = py::none(),
           py::arg("leeway") = policy{}.leeway_seconds, py::arg("cache_entries") = 0,
           py::arg("required_claims") = py::none(), py::arg("typ") = py::none(),
           py::arg("max_token_bytes") = static_cast<long long>(verifier_options{}.max_token_bytes),
           py::arg("max_json_depth") = static_cast<long long>(verifier_options{}.max_json_depth),
           py::arg("require_exp") = true, py::arg("max_age") = py::none(),
           py::arg("allow_mixed_key_types") = false, py::arg("threads") = 0,
           py::arg("now") = py::none())
      .def("verify_batch", &py_verifier::verify_batch, py::arg("tokens"))
      .def(
          "publish",
          [](py_verifier& v, py::object jwks, py::object pem, py::object hmac_secret,
             std::optional<std::string> hmac_kid) {
            v.publish(collect_keys(jwks, pem, hmac_secret, hmac_kid));
          },
          py::kw_only(), py::arg("jwks") = py::none(), py::arg("pem") = py::none(),
          py::arg("hmac_secret") = py::none(), py::arg("hmac_kid") = py::none())
      .def_property_readonly("skipped_keys", &py_verifier::skipped_keys)
      .def_property_readonly("key_count", &py_verifier::key_count)
      .def_property_readonly("threads", &py_verifier::threads)
      .def("batch_counts", &py_verifier::batch_counts);
  PyObject* verify =
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(verifier_class.ptr()), &verify_def);
  if (verify == nullptr) throw py::error_already_set();
  verifier_class.attr("verify") = py::reinterpret_steal<py::object>(verify);

  py::module_ testing = m.def_submodule("_testing", "Test-only helpers (token minting).");
  register_testing(testing);
}

}  // namespace jwtx::python

PYBIND11_MODULE(_jwtx, m) { jwtx::python::define_module(m); }
