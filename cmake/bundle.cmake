# jwtx_bundled: the static library jwtx installs as libjwtx.a (cmake/install.cmake), and what
# tests/symbols and in-tree programs link to stand where a consumer of the package stands. Only
# for JWTX_BORINGSSL=source.
#
# jwtx's objects and the BoringSSL members they need are partially linked into one object (ld -r)
# whose hidden symbols -- all of BoringSSL's, built with -fvisibility=hidden -- objcopy then makes
# local. Hidden visibility alone only keeps symbols out of a dynamic symbol table; in a static link
# next to OpenSSL, a hidden EVP_Digest in libcrypto.a still satisfies an OpenSSL user's reference
# (and vice versa), so the names must go. One object also means a consumer never links BoringSSL
# itself, whose headers are not installed.
find_program(JWTX_OBJCOPY objcopy REQUIRED)
set(JWTX_BUNDLE_FILE ${PROJECT_BINARY_DIR}/bundle/libjwtx.a)
set(jwtx_bundle_object ${PROJECT_BINARY_DIR}/bundle/jwtx_bundled.o)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/bundle)
add_custom_command(OUTPUT ${JWTX_BUNDLE_FILE}
  COMMAND ${CMAKE_LINKER} -r -o ${jwtx_bundle_object} --whole-archive $<TARGET_FILE:jwtx>
    --no-whole-archive $<TARGET_PROPERTY:boringssl::crypto,IMPORTED_LOCATION>
  COMMAND ${JWTX_OBJCOPY} --localize-hidden ${jwtx_bundle_object}
  COMMAND ${CMAKE_COMMAND} -E rm -f ${JWTX_BUNDLE_FILE}
  COMMAND ${CMAKE_AR} qc ${JWTX_BUNDLE_FILE} ${jwtx_bundle_object}
  COMMAND ${CMAKE_RANLIB} ${JWTX_BUNDLE_FILE}
  DEPENDS jwtx $<TARGET_PROPERTY:boringssl::crypto,IMPORTED_LOCATION>
  COMMENT "Bundling jwtx with BoringSSL (BoringSSL's symbols made local)")
# Part of ALL when the package is installable, so `cmake --build` then `cmake --install` works.
if(JWTX_INSTALL)
  add_custom_target(jwtx_bundle ALL DEPENDS ${JWTX_BUNDLE_FILE})
else()
  add_custom_target(jwtx_bundle DEPENDS ${JWTX_BUNDLE_FILE})
endif()
add_library(jwtx_bundled STATIC IMPORTED GLOBAL)
set_target_properties(jwtx_bundled PROPERTIES IMPORTED_LOCATION ${JWTX_BUNDLE_FILE}
  INTERFACE_INCLUDE_DIRECTORIES ${PROJECT_SOURCE_DIR})
# jwtx's other dependencies, without boringssl::crypto (inside the bundle).
target_link_libraries(jwtx_bundled INTERFACE simdjson::simdjson PkgConfig::HIREDIS TBB::tbb
  Threads::Threads)
target_compile_definitions(jwtx_bundled INTERFACE
  $<TARGET_PROPERTY:jwtx,INTERFACE_COMPILE_DEFINITIONS>)
add_dependencies(jwtx_bundled jwtx_bundle)
