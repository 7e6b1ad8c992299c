// A verified token's claims as Python objects.
#pragma once

#include <pybind11/pybind11.h>

#include <string_view>

namespace jwtx::python {

// The payload of |token| (a token that verified: JWT mode, so the payload is a JSON object) as a
// dict: objects -> dict, arrays -> list, strings -> str, integers -> int (exact, also beyond 2^53:
// int64 and uint64), fractions -> float, true/false -> bool, null -> None. Decodes and parses the
// payload again (base64url + simdjson, a per-thread parser): done once per Result, on first access
// of .claims, so a caller that never reads them never pays for them. Raises RuntimeError only if
// the payload does not parse, which a token that verified cannot reach. Needs the GIL.
pybind11::object claims_from_token(std::string_view token);

}  // namespace jwtx::python
