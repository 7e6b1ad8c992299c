# boringssl::crypto for jwtx, from one of two places (JWTX_BORINGSSL):
#   source  BoringSSL built from Debian's source package (scripts/boringssl_source.sh fetches it,
#           cmake/boringssl/CMakeLists.txt builds it): static, PIC, hidden visibility, full-speed
#           P-256 and the x86-64 assembly. Built once into a cache directory shared by every build
#           tree and CI configuration, during the first configure (about 1.5 min on two cores).
#   system  Debian's binary android-libboringssl-dev: a shared libcrypto.so.0 built with
#           OPENSSL_SMALL that exports OpenSSL's symbol names (never load it next to OpenSSL).
#
# Why a configure-time build and not an ExternalProject: an ExternalProject belongs to one build
# tree, so each tree (release, asan, tsan, fuzz, coverage) would build its own copy and race on a
# shared cache. Built here, under a file lock, the archive exists before the targets that import
# it are defined and a second configuration just finds it. The cache key hashes the recipe, so
# editing a file in cmake/boringssl/ reconfigures and builds a fresh archive beside the old.
#
# BoringSSL is built without sanitizer or coverage instrumentation in every configuration: the
# sanitizer runs and fuzz targets test jwtx, BoringSSL is fuzzed and sanitized upstream, and one
# uninstrumented archive (plain C and assembly, so any compiler can link it) serves them all.
# ASan still checks jwtx's own buffers and TSan sees BoringSSL's locking through pthread.
set(JWTX_BORINGSSL "source" CACHE STRING "Where BoringSSL comes from: source or system")
set_property(CACHE JWTX_BORINGSSL PROPERTY STRINGS source system)

# Imports Debian's android-libboringssl-dev as |target|; fails only if |required|.
function(jwtx_import_system_boringssl target required)
  find_path(BORINGSSL_INCLUDE_DIR openssl/is_boringssl.h PATHS /usr/include/android
    NO_DEFAULT_PATH)
  find_library(BORINGSSL_CRYPTO_LIBRARY crypto PATHS /usr/lib/x86_64-linux-gnu/android
    NO_DEFAULT_PATH)
  if(NOT BORINGSSL_INCLUDE_DIR OR NOT BORINGSSL_CRYPTO_LIBRARY)
    if(required)
      message(FATAL_ERROR "BoringSSL not found: apt-get install android-libboringssl-dev")
    endif()
    return()
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${BORINGSSL_CRYPTO_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${BORINGSSL_INCLUDE_DIR})
endfunction()

if(JWTX_BORINGSSL STREQUAL "system")
  jwtx_import_system_boringssl(boringssl::crypto TRUE)
  return()
elseif(NOT JWTX_BORINGSSL STREQUAL "source")
  message(FATAL_ERROR "JWTX_BORINGSSL must be source or system, not '${JWTX_BORINGSSL}'")
endif()

if(DEFINED ENV{JWTX_BORINGSSL_CACHE})
  set(jwtx_boringssl_cache_default "$ENV{JWTX_BORINGSSL_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(jwtx_boringssl_cache_default "$ENV{XDG_CACHE_HOME}/jwtx")
else()
  set(jwtx_boringssl_cache_default "$ENV{HOME}/.cache/jwtx")
endif()
set(JWTX_BORINGSSL_CACHE "${jwtx_boringssl_cache_default}" CACHE PATH
  "Where BoringSSL's source and build are kept for every build tree")

execute_process(
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/boringssl_source.sh ${JWTX_BORINGSSL_CACHE}
  OUTPUT_VARIABLE jwtx_boringssl_src OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE jwtx_boringssl_result)
if(NOT jwtx_boringssl_result EQUAL 0)
  message(FATAL_ERROR "fetching BoringSSL's source failed (scripts/boringssl_source.sh)")
endif()

# The cache key: a hash over every file of the recipe.
file(GLOB jwtx_boringssl_recipe ${PROJECT_SOURCE_DIR}/cmake/boringssl/*)
list(SORT jwtx_boringssl_recipe)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${jwtx_boringssl_recipe})
set(jwtx_boringssl_key "")
foreach(file ${jwtx_boringssl_recipe})
  file(SHA256 ${file} hash)
  string(APPEND jwtx_boringssl_key ${hash})
endforeach()
string(SHA256 jwtx_boringssl_key "${jwtx_boringssl_key}")
string(SUBSTRING ${jwtx_boringssl_key} 0 12 jwtx_boringssl_key)
get_filename_component(jwtx_boringssl_home ${jwtx_boringssl_src} DIRECTORY)
set(jwtx_boringssl_build ${jwtx_boringssl_home}/build-${jwtx_boringssl_key})
set(jwtx_boringssl_archive ${jwtx_boringssl_build}/install/lib/libcrypto.a)

# Configures and builds the archive into ${build}/install unless another configuration did.
# gcc is named explicitly so an exported CC (clang-14 for the fuzz build) cannot make the shared
# archive depend on which configuration came first. CMAKE_BUILD_PARALLEL_LEVEL (environment)
# bounds the jobs, as for any cmake --build.
function(jwtx_build_boringssl src build archive)
  file(MAKE_DIRECTORY ${build})
  file(LOCK ${build}.lock GUARD FUNCTION TIMEOUT 1800)
  if(EXISTS ${archive})
    return()
  endif()
  message(NOTICE "Building BoringSSL once into ${build} (log: ${build}/build.log)")
  find_program(jwtx_ccache ccache)
  set(launcher "")
  if(jwtx_ccache)
    set(launcher -DCMAKE_C_COMPILER_LAUNCHER=${jwtx_ccache})
  endif()
  string(TIMESTAMP started "%s")
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR}/cmake/boringssl -B ${build}/tree
      -G ${CMAKE_GENERATOR} -DCMAKE_MAKE_PROGRAM=${CMAKE_MAKE_PROGRAM}
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc -DCMAKE_ASM_COMPILER=gcc ${launcher}
      -DBORINGSSL_ROOT=${src}/ -DCMAKE_INSTALL_PREFIX=${build}/install
    COMMAND_ERROR_IS_FATAL ANY OUTPUT_FILE ${build}/build.log ERROR_FILE ${build}/build.log)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${build}/tree --target install
    RESULT_VARIABLE result OUTPUT_FILE ${build}/build.log ERROR_FILE ${build}/build.log)
  if(NOT result EQUAL 0)
    file(READ ${build}/build.log log)
    message(FATAL_ERROR "building BoringSSL failed:\n${log}")
  endif()
  string(TIMESTAMP finished "%s")
  math(EXPR seconds "${finished} - ${started}")
  message(NOTICE "Built BoringSSL in ${seconds} s")
endfunction()

if(NOT EXISTS ${jwtx_boringssl_archive})
  jwtx_build_boringssl(${jwtx_boringssl_src} ${jwtx_boringssl_build} ${jwtx_boringssl_archive})
endif()

add_library(boringssl::crypto STATIC IMPORTED)
set_target_properties(boringssl::crypto PROPERTIES
  IMPORTED_LOCATION ${jwtx_boringssl_archive}
  INTERFACE_INCLUDE_DIRECTORIES ${jwtx_boringssl_src}/src/include
  INTERFACE_LINK_LIBRARIES Threads::Threads)
# The Debian package too, when installed, for the bench that compares the two
# (bench/crypto_primitives_bench.cc); nothing else links it in a source build.
jwtx_import_system_boringssl(boringssl_system::crypto FALSE)
