// jwtx — command-line front end: verify, decode, keygen, mint, revoke, serve, bench.
#include <exception>
#include <string>
#include <vector>

#include "engine/version.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
verb add_revoke(CLI::App& app);  // tools/jwtx/revoke.cc
verb add_serve(CLI::App& app);   // tools/jwtx/serve.cc
verb add_bench(CLI::App& app);   // tools/jwtx/bench.cc
}  // namespace jwtx::cli

int main(int argc, char** argv) {
  CLI::App app{"jwtx: strict JWT/JWS verifier (BoringSSL)"};
  app.set_version_flag("--version", std::string("jwtx ") + jwtx::jwtx_version());
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success, 1 some token invalid (or revoke failed), 2 usage or key-loading "
      "error,\n3 no tokens (verify/decode: stdin was empty).");
  std::vector<jwtx::cli::verb> verbs = {
      jwtx::cli::add_verify(app), jwtx::cli::add_decode(app), jwtx::cli::add_keygen(app),
      jwtx::cli::add_mint(app),   jwtx::cli::add_revoke(app), jwtx::cli::add_serve(app),
      jwtx::cli::add_bench(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print to stdout and succeed.
    if (e.get_exit_code() == 0)
      return app.exit(e) == 0 ? jwtx::cli::kExitOk : jwtx::cli::kExitUsage;
    // CLI11's messages quote arguments verbatim: escape them like every other message.
    std::cerr << "jwtx: " << jwtx::cli::sanitized(e.what())
              << "\nRun with --help for more information.\n";
    return jwtx::cli::kExitUsage;
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
    return jwtx::cli::fail(jwtx::cli::sanitized(e.what()));
  }
  return jwtx::cli::kExitUsage;
}
