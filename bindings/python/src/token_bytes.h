// The bytes of a token handed in from Python, without copying them.
#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace jwtx::python {

// A view of a str token's UTF-8 (CPython caches it in the str object: no copy for ASCII, one
// allocation the first time for other text) or of a bytes token's buffer. Anything else raises
// TypeError (naming |index| for a list item when given). A str that cannot be UTF-8 encoded (a lone
// surrogate) is encoded with "surrogatepass": its bytes are not base64url, so the engine answers
// bad_base64 instead of the binding raising for an invalid token. Borrowed: valid while the token
// object lives (str and bytes are immutable). Needs the GIL to construct, not to read view().
class token_bytes {
 public:
  explicit token_bytes(pybind11::handle token, std::size_t index = kNoIndex) {
    PyObject* o = token.ptr();
    if (PyBytes_Check(o)) {
      view_ = {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
      return;
    }
    if (!PyUnicode_Check(o)) {
      std::string what = index == kNoIndex ? "token" : "tokens[" + std::to_string(index) + "]";
      throw pybind11::type_error(what + " must be str or bytes, not " +
                                 std::string(Py_TYPE(o)->tp_name));
    }
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(o, &n);
    if (p == nullptr) {
      PyErr_Clear();
      encoded_ = pybind11::reinterpret_steal<pybind11::object>(
          PyUnicode_AsEncodedString(o, "utf-8", "surrogatepass"));
      if (!encoded_) throw pybind11::error_already_set();
      p = PyBytes_AS_STRING(encoded_.ptr());
      n = PyBytes_GET_SIZE(encoded_.ptr());
    }
    view_ = {p, static_cast<std::size_t>(n)};
  }

  std::string_view view() const noexcept { return view_; }

 private:
  static constexpr std::size_t kNoIndex = static_cast<std::size_t>(-1);
  std::string_view view_;
  pybind11::object encoded_;  // only for a str with lone surrogates
};

}  // namespace jwtx::python
