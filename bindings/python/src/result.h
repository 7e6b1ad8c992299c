// jwtx.Result: the outcome of one token, a plain CPython type (no pybind11 holder), so creating
// one is a single object allocation.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>

#include "engine/jws/algorithm.h"
#include "engine/status.h"

namespace jwtx::python {

// Creates the Result type and the interned status / alg names (once, at import) and adds Result
// to |m|. Raises (error_already_set) if CPython cannot create them.
void register_result_type(pybind11::module_& m);

// The interned stable name of |s| (a borrowed reference, alive for the process).
PyObject* status_name_object(status s) noexcept;

// What a Result is made of. |token| is the caller's str or bytes (borrowed here, referenced by the
// Result): .fingerprint and .claims are derived from it on first access. |kid| and |detail| are
// new references handed over (null: None and "" respectively).
struct result_fields {
  status code = status::internal_error;
  std::optional<algorithm> alg;
  bool from_cache = false;
  PyObject* token = nullptr;
  PyObject* kid = nullptr;
  PyObject* detail = nullptr;
};

// A new Result (strong reference); null with a Python error set if allocation failed (the fields'
// references are released either way).
PyObject* new_result(const result_fields& f) noexcept;

}  // namespace jwtx::python
