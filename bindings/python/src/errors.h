// C++ exceptions to Python errors, for the module's plain CPython entry points.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>

namespace jwtx::python {

// Runs |f| (returning a new reference, or null with a Python error set) and turns anything it
// throws into the Python error it stands for: pybind11's error_already_set and builtin exceptions
// (TypeError, ValueError, ...) as themselves, any other std::exception as RuntimeError. Returns
// null then. No C++ exception leaves it.
template <class F>
PyObject* guarded(F&& f) noexcept {
  try {
    return f();
  } catch (pybind11::error_already_set& e) {
    e.restore();
  } catch (const pybind11::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

}  // namespace jwtx::python
