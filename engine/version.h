// jwtx's version, from CMake's project(VERSION) (the top-level CMakeLists.txt passes it to every
// target that links jwtx as JWTX_VERSION_MAJOR/MINOR/PATCH compile definitions, so there is one
// source of truth and nothing is generated).
#pragma once

#if !defined(JWTX_VERSION_MAJOR) || !defined(JWTX_VERSION_MINOR) || !defined(JWTX_VERSION_PATCH)
#error "JWTX_VERSION_MAJOR/MINOR/PATCH are defined by CMake for targets that link jwtx"
#endif

#define JWTX_VERSION_STRINGIFY_(x) #x
#define JWTX_VERSION_STRINGIFY(x) JWTX_VERSION_STRINGIFY_(x)
// "X.Y.Z", a string literal.
#define JWTX_VERSION                         \
  JWTX_VERSION_STRINGIFY(JWTX_VERSION_MAJOR) \
  "." JWTX_VERSION_STRINGIFY(JWTX_VERSION_MINOR) "." JWTX_VERSION_STRINGIFY(JWTX_VERSION_PATCH)

namespace jwtx {

// "X.Y.Z" of the library actually linked (which may differ from the JWTX_VERSION a caller was
// compiled against). Static storage; never null.
const char* jwtx_version() noexcept;

}  // namespace jwtx
