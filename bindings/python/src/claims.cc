#include "bindings/python/src/claims.h"

#include <simdjson.h>

#include <stdexcept>
#include <string>

#include "engine/jws/base64url/base64url.h"
#include "engine/jws/token_view.h"
#include "engine/status.h"

namespace py = pybind11;

namespace jwtx::python {
namespace {

py::object to_python(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::OBJECT: {
      py::dict d;
      for (auto [name, value] : simdjson::dom::object(e)) {
        d[py::str(name.data(), name.size())] = to_python(value);
      }
      return d;
    }
    case element_type::ARRAY: {
      simdjson::dom::array a(e);
      py::list l(a.size());
      Py_ssize_t i = 0;
      for (simdjson::dom::element item : a) {
        PyList_SET_ITEM(l.ptr(), i++, to_python(item).release().ptr());
      }
      return l;
    }
    case element_type::STRING: {
      std::string_view s(e);
      return py::str(s.data(), s.size());
    }
    case element_type::INT64:
      return py::reinterpret_steal<py::object>(PyLong_FromLongLong(std::int64_t(e)));
    case element_type::UINT64:
      return py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(std::uint64_t(e)));
    case element_type::DOUBLE:
      return py::float_(double(e));
    case element_type::BOOL:
      return py::bool_(bool(e));
    case element_type::NULL_VALUE:
      break;
  }
  return py::none();
}

}  // namespace

py::object claims_from_token(std::string_view token) {
  token_view parts;
  std::string payload;
  if (split_token(token, &parts) != status::ok || !base64url::decode(parts.payload, &payload)) {
    throw std::runtime_error("jwtx: the payload of a verified token did not decode");
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(payload).get(root) != simdjson::SUCCESS) {
    throw std::runtime_error("jwtx: the payload of a verified token did not parse");
  }
  return to_python(root);
}

}  // namespace jwtx::python
