# `cmake --install` (issue 12): the C++ engine as a static library, the C API as a shared library,
# their headers, a CMake package (find_package(jwtx) -> jwtx::jwtx, jwtx::jwtx_c) and pkg-config
# files, laid out as
#   lib/libjwtx.a                     C++ engine: the bundle of cmake/bundle.cmake (BoringSSL
#                                     inside, its symbols local): safe next to OpenSSL
#   lib/libjwtx.so.0 (+ .so)          C API (target jwtx_c, bindings/c/), when it is built
#   include/jwtx/engine/...           C++ headers: consumers get include/jwtx on their path, so
#                                     `#include "engine/verifier.h"` reads as inside the engine
#   include/jwtx.h                    C API header: `#include <jwtx.h>`
#   lib/cmake/jwtx/                   jwtxConfig.cmake, jwtxConfigVersion.cmake
#   lib/pkgconfig/jwtx.pc             C API (-ljwtx: the linker takes libjwtx.so)
#   lib/pkgconfig/jwtx-cpp.pc         C++ engine (libjwtx.a by full path: -ljwtx would take the .so)
#   bin/jwtx                          the CLI
# Components: runtime (libjwtx.so.0, bin/jwtx) and development (everything else); plain
# `cmake --install` installs both.
# BoringSSL's headers are not installed: no installed header includes <openssl/...>
# (tests/package checks it).
#
# Only for JWTX_BORINGSSL=source: with `system`, libjwtx.a would need Debian's shared
# libcrypto.so.0, which exports OpenSSL's names, exactly what a library meant to load next to
# OpenSSL must not bring. The CMake targets and pkg-config files name no path of the build
# machine's prefix: both compute it from where they were installed, so `--prefix` and DESTDIR
# installs are relocatable.
if(NOT JWTX_INSTALL)
  if(NOT JWTX_BORINGSSL STREQUAL "source")
    message(STATUS "jwtx: no install rules with JWTX_BORINGSSL=${JWTX_BORINGSSL} (the package "
      "ships BoringSSL inside libjwtx.a; use JWTX_BORINGSSL=source)")
  endif()
  return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(JWTX_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/jwtx)
set(JWTX_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${JWTX_BUNDLE_FILE} DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
# `cmake --install --strip` strips targets only; the archive is a file: drop its debug sections
# (RelWithDebInfo: 20.8 MB -> 2.8 MB), never its symbol table, which linking needs.
install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libjwtx.a\"
    COMMAND_ERROR_IS_FATAL ANY)
endif()" COMPONENT development)
# Every engine header but the three that exist only for its own sources (two include BoringSSL).
install(DIRECTORY engine/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/jwtx/engine COMPONENT development
  FILES_MATCHING PATTERN "*.h"
  PATTERN "boringssl_names.h" EXCLUDE
  PATTERN "hmac_state.h" EXCLUDE
  PATTERN "kernels.h" EXCLUDE
  # The remote JWKS fetcher is not in libjwtx.a (it needs libcurl): its own target, not installed.
  PATTERN "remote_jwks.h" EXCLUDE
  PATTERN "http_fetch.h" EXCLUDE)
if(TARGET jwtx_cli)
  install(TARGETS jwtx_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()

# engine/version.h takes the version from compile definitions (one source of truth: project()).
set(JWTX_VERSION_DEFINITIONS JWTX_VERSION_MAJOR=${PROJECT_VERSION_MAJOR}
  JWTX_VERSION_MINOR=${PROJECT_VERSION_MINOR} JWTX_VERSION_PATCH=${PROJECT_VERSION_PATCH})
list(TRANSFORM JWTX_VERSION_DEFINITIONS PREPEND -D OUTPUT_VARIABLE JWTX_VERSION_CFLAGS)
list(JOIN JWTX_VERSION_CFLAGS " " JWTX_VERSION_CFLAGS)
file(RELATIVE_PATH JWTX_PC_TO_PREFIX /${JWTX_INSTALL_PKGCONFIGDIR} /)
string(REGEX REPLACE "/$" "" JWTX_PC_TO_PREFIX "${JWTX_PC_TO_PREFIX}")

configure_file(cmake/jwtx-cpp.pc.in ${PROJECT_BINARY_DIR}/package/jwtx-cpp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/jwtx-cpp.pc DESTINATION ${JWTX_INSTALL_PKGCONFIGDIR}
  COMPONENT development)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/jwtxConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)  # 0.x: a minor release may change the API
install(FILES ${PROJECT_BINARY_DIR}/package/jwtxConfigVersion.cmake
  DESTINATION ${JWTX_INSTALL_CMAKEDIR} COMPONENT development)

# The C API's target is defined in bindings/c/, which may be added after this file: its rules and
# the config file (which says whether jwtx::jwtx_c exists) wait for the end of the top directory.
function(jwtx_install_package)
  set(JWTX_HAS_C_API FALSE)
  if(TARGET jwtx_c)
    set(JWTX_HAS_C_API TRUE)
    set(JWTX_C_FILE_NAME "$<TARGET_FILE_NAME:jwtx_c>")
    set(JWTX_C_SONAME "$<TARGET_SONAME_FILE_NAME:jwtx_c>")
    # The header: the target's PUBLIC_HEADER files if it names them, else jwtx.h beside its
    # CMakeLists.txt (bindings/c/jwtx.h).
    get_target_property(headers jwtx_c PUBLIC_HEADER)
    install(TARGETS jwtx_c
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development
      PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
    if(NOT headers)
      get_target_property(dir jwtx_c SOURCE_DIR)
      install(FILES ${dir}/jwtx.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
    endif()
    configure_file(${PROJECT_SOURCE_DIR}/cmake/jwtx.pc.in ${PROJECT_BINARY_DIR}/package/jwtx.pc
      @ONLY)
    install(FILES ${PROJECT_BINARY_DIR}/package/jwtx.pc DESTINATION ${JWTX_INSTALL_PKGCONFIGDIR}
      COMPONENT development)
  endif()
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/jwtxConfig.cmake.in
    ${PROJECT_BINARY_DIR}/package/jwtxConfig.cmake.genex
    INSTALL_DESTINATION ${JWTX_INSTALL_CMAKEDIR}
    PATH_VARS CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
  # The C library's file names ($<TARGET_FILE_NAME:jwtx_c>) are known at generate time.
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/package/jwtxConfig.cmake
    INPUT ${PROJECT_BINARY_DIR}/package/jwtxConfig.cmake.genex)
  install(FILES ${PROJECT_BINARY_DIR}/package/jwtxConfig.cmake DESTINATION ${JWTX_INSTALL_CMAKEDIR}
    COMPONENT development)
endfunction()
cmake_language(DEFER CALL jwtx_install_package)
