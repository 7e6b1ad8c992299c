// jwtx — command-line front end: verify, decode, keygen, mint, revoke.
#include <exception>
#include <vector>

#include "tools/jwtx/common.h"

namespace jwtx::cli {
verb add_revoke(CLI::App& app);  // tools/jwtx/revoke.cc
}  // namespace jwtx::cli

int main(int argc, char** argv) {
  CLI::App app{"jwtx: strict JWT/JWS verifier (BoringSSL)"};
  app.require_subcommand(1);
  std::vector<jwtx::cli::verb> verbs = {
      jwtx::cli::add_verify(app), jwtx::cli::add_decode(app), jwtx::cli::add_keygen(app),
      jwtx::cli::add_mint(app),   jwtx::cli::add_revoke(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? jwtx::cli::kExitOk : jwtx::cli::kExitUsage;
  }
  try {
    for (const auto& v : verbs) {
      if (v.cmd->parsed()) {
        const int rc = v.run();
        std::fflush(stdout);
        return rc;
      }
    }
  } catch (const std::exception& e) {
    return jwtx::cli::fail(e.what());
  }
  return jwtx::cli::kExitUsage;
}
