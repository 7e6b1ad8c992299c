// A shared object built over jwtx_bundled, standing in for the bindings' module until it exists:
// check_symbols.sh proves that linking jwtx (and so BoringSSL) into a .so leaks no crypto symbol.
#include "engine/signer.h"

// Returns 1 if jwtx can generate an ES256 key, so the .so really pulls in BoringSSL's code.
extern "C" __attribute__((visibility("default"))) int jwtx_symbol_probe() {
  return jwtx::signing_key::generate(jwtx::algorithm::ES256, "probe").has_value() ? 1 : 0;
}
