#include "engine/version.h"

namespace jwtx {

const char* jwtx_version() noexcept { return JWTX_VERSION; }

}  // namespace jwtx
