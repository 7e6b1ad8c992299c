#include "bindings/python/src/result.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bindings/python/src/claims.h"
#include "bindings/python/src/errors.h"
#include "bindings/python/src/token_bytes.h"
#include "engine/fingerprint.h"

namespace py = pybind11;

namespace jwtx::python {
namespace {

// Interned at import: a Result's status and alg cost a reference count, no allocation. Never
// released (the module is never unloaded).
std::array<PyObject*, kStatusCount> g_status_names{};
std::array<PyObject*, kAlgorithmCount> g_alg_names{};
PyTypeObject* g_result_type = nullptr;

struct result_object {
  PyObject_HEAD status code;
  std::int8_t alg;  // -1: none (the header did not parse)
  bool from_cache;
  PyObject* token;        // str or bytes
  PyObject* kid;          // str or None
  PyObject* detail;       // str
  PyObject* claims;       // null until first access
  PyObject* fingerprint;  // null until first access
};

result_object* as_result(PyObject* o) { return reinterpret_cast<result_object*>(o); }

PyObject* interned(std::string_view s) {
  PyObject* o = PyUnicode_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
  if (o == nullptr) throw py::error_already_set();
  PyUnicode_InternInPlace(&o);
  return o;
}

void result_dealloc(PyObject* self) {
  result_object* r = as_result(self);
  Py_XDECREF(r->token);
  Py_XDECREF(r->kid);
  Py_XDECREF(r->detail);
  Py_XDECREF(r->claims);
  Py_XDECREF(r->fingerprint);
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);  // a heap type: each instance holds a reference
}

PyObject* get_valid(PyObject* self, void*) {
  return PyBool_FromLong(as_result(self)->code == status::ok);
}

PyObject* get_status(PyObject* self, void*) {
  PyObject* s = status_name_object(as_result(self)->code);
  Py_INCREF(s);
  return s;
}

PyObject* get_alg(PyObject* self, void*) {
  const int alg = as_result(self)->alg;
  if (alg < 0) Py_RETURN_NONE;
  PyObject* s = g_alg_names[static_cast<std::size_t>(alg)];
  Py_INCREF(s);
  return s;
}

PyObject* get_from_cache(PyObject* self, void*) {
  return PyBool_FromLong(as_result(self)->from_cache);
}

PyObject* get_kid(PyObject* self, void*) {
  Py_INCREF(as_result(self)->kid);
  return as_result(self)->kid;
}

PyObject* get_detail(PyObject* self, void*) {
  Py_INCREF(as_result(self)->detail);
  return as_result(self)->detail;
}

// Built on first access from the token (see claims.h) and kept; None unless valid: claims are
// never shown for a token that failed, even one whose signature verified (expired, wrong aud).
PyObject* get_claims(PyObject* self, void*) {
  result_object* r = as_result(self);
  if (r->code != status::ok) Py_RETURN_NONE;
  if (r->claims == nullptr) {
    r->claims = guarded([&] {
      token_bytes bytes(r->token);
      return claims_from_token(bytes.view()).release().ptr();
    });
    if (r->claims == nullptr) return nullptr;
  }
  Py_INCREF(r->claims);
  return r->claims;
}

PyObject* get_fingerprint(PyObject* self, void*) {
  result_object* r = as_result(self);
  if (r->fingerprint == nullptr) {
    r->fingerprint = guarded([&] {
      token_bytes bytes(r->token);
      fingerprint_text fp = fingerprint(bytes.view());
      return PyUnicode_FromStringAndSize(fp.data(), static_cast<Py_ssize_t>(fp.size()));
    });
    if (r->fingerprint == nullptr) return nullptr;
  }
  Py_INCREF(r->fingerprint);
  return r->fingerprint;
}

int result_bool(PyObject* self) { return as_result(self)->code == status::ok ? 1 : 0; }

// Names the token by its fingerprint, never by its bytes.
PyObject* result_repr(PyObject* self) {
  PyObject* fp = get_fingerprint(self, nullptr);
  if (fp == nullptr) return nullptr;
  PyObject* out = PyUnicode_FromFormat("<jwtx.Result %U fingerprint=%U>",
                                       status_name_object(as_result(self)->code), fp);
  Py_DECREF(fp);
  return out;
}

PyGetSetDef result_getset[] = {
    {"valid", get_valid, nullptr, "True when the token verified and passed the policy.", nullptr},
    {"status", get_status, nullptr, "The stable status name (\"ok\", \"expired\", ...).", nullptr},
    {"claims", get_claims, nullptr,
     "The whole verified payload as a dict (built on first access); None unless valid.", nullptr},
    {"fingerprint", get_fingerprint, nullptr,
     "16 hex digits naming the token (SHA-256 prefix); the token itself is never shown.", nullptr},
    {"alg", get_alg, nullptr, "The header's alg, or None when the header did not parse.", nullptr},
    {"kid", get_kid, nullptr, "The header's kid, or None.", nullptr},
    {"detail", get_detail, nullptr,
     "One sentence naming the failed rule (\"\" when valid); never token content.", nullptr},
    {"from_cache", get_from_cache, nullptr, "True when the verified-token cache answered.",
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot result_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(result_dealloc)},
    {Py_tp_getset, result_getset},
    {Py_tp_repr, reinterpret_cast<void*>(result_repr)},
    {Py_nb_bool, reinterpret_cast<void*>(result_bool)},
    {Py_tp_doc, const_cast<char*>("The outcome of verifying one token (made by Verifier).")},
    {0, nullptr},
};

PyType_Spec result_spec = {
    "jwtx.Result",
    sizeof(result_object),
    0,
    // Not BASETYPE (no subclasses) and without a constructor: Results come from a Verifier.
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    result_slots,
};

}  // namespace

PyObject* status_name_object(status s) noexcept {
  return g_status_names[static_cast<std::size_t>(s)];
}

void register_result_type(py::module_& m) {
  for (int i = 0; i < kStatusCount; ++i) {
    g_status_names[static_cast<std::size_t>(i)] = interned(status_name(static_cast<status>(i)));
  }
  for (int i = 0; i < kAlgorithmCount; ++i) {
    g_alg_names[static_cast<std::size_t>(i)] = interned(algorithm_name(static_cast<algorithm>(i)));
  }
  PyObject* type = PyType_FromSpec(&result_spec);
  if (type == nullptr) throw py::error_already_set();
  g_result_type = reinterpret_cast<PyTypeObject*>(type);  // the module keeps a reference too
  m.add_object("Result", py::reinterpret_borrow<py::object>(type));
}

PyObject* new_result(const result_fields& f) noexcept {
  PyObject* self = g_result_type->tp_alloc(g_result_type, 0);
  if (self == nullptr) {
    Py_XDECREF(f.kid);
    Py_XDECREF(f.detail);
    return nullptr;
  }
  result_object* r = as_result(self);
  r->code = f.code;
  r->alg = f.alg ? static_cast<std::int8_t>(*f.alg) : std::int8_t{-1};
  r->from_cache = f.from_cache;
  Py_INCREF(f.token);
  r->token = f.token;
  if (f.kid != nullptr) {
    r->kid = f.kid;
  } else {
    Py_INCREF(Py_None);
    r->kid = Py_None;
  }
  r->detail = f.detail != nullptr ? f.detail : PyUnicode_FromStringAndSize("", 0);
  r->claims = nullptr;
  r->fingerprint = nullptr;
  if (r->detail == nullptr) {
    Py_DECREF(self);
    return nullptr;
  }
  return self;
}

}  // namespace jwtx::python
