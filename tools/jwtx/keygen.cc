// `jwtx keygen`: generates a signing key and writes it as JWK / JWKS / PEM files for tests,
// benches and local experiments. Private files are created with mode 0600.
#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "engine/algorithm.h"
#include "engine/base64url/base64url.h"
#include "engine/signer.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
namespace {

struct keygen_options {
  std::string alg;
  std::string kid;
  std::string out_dir;
  unsigned rsa_bits = 2048;
  bool force = false;
};

// Writes |data| to |path| (mode 0600 when |secret|). Refuses to overwrite unless |force|.
bool write_file(const std::string& path, std::string_view data, bool secret, bool force,
                std::string* error) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, secret ? 0600 : 0644);
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  return true;
}

int run_keygen(const keygen_options& o) {
  std::optional<algorithm> alg = algorithm_from_name(o.alg);
  if (!alg) return fail("unknown or unsupported algorithm for --alg: \"" + o.alg + "\"");
  if (o.kid.empty() || o.kid.find('/') != std::string::npos || o.kid == "." || o.kid == "..") {
    return fail("--kid must be a non-empty file-name-safe string");
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return fail("cannot create " + o.out_dir + ": " + ec.message());

  std::string err;
  std::optional<signing_key> key = signing_key::generate(*alg, o.kid, o.rsa_bits, &err);
  if (!key) return fail("key generation failed: " + err);

  struct output {
    std::string name;
    std::string data;
    bool secret;
  };
  std::vector<output> files;
  const std::string base = (std::filesystem::path(o.out_dir) / o.kid).string();
  files.push_back({base + ".private.jwk.json", key->private_jwk() + "\n", true});
  if (required_key_type(*alg) == key_type::oct) {
    // An HMAC key has no public form (so no .public.* files): the verifier needs the secret
    // itself, as raw bytes for `jwtx verify --hmac-secret-file`.
    simdjson::dom::parser parser;
    std::string_view k;
    std::string secret;
    if (parser.parse(files.back().data)["k"].get_string().get(k) != simdjson::SUCCESS ||
        !base64url::decode(k, &secret)) {
      return fail("internal error: oct JWK without a valid \"k\"");
    }
    files.push_back({base + ".secret", std::move(secret), true});
  } else {
    files.push_back({base + ".public.jwks.json", make_jwks({key->public_jwk()}) + "\n", false});
    files.push_back({base + ".private.pem", key->private_pem(), true});
    files.push_back({base + ".public.pem", key->public_pem(), false});
  }
  for (const output& f : files) {
    if (f.data.empty()) return fail("internal error: empty encoding for " + f.name);
    if (!write_file(f.name, f.data, f.secret, o.force, &err)) {
      return fail("cannot write " + f.name + ": " + err);
    }
  }
  std::string listing;
  for (const output& f : files) listing += f.name + "\n";
  write_stdout(listing);
  return kExitOk;
}

}  // namespace

verb add_keygen(CLI::App& app) {
  auto o = std::make_shared<keygen_options>();
  CLI::App* cmd = app.add_subcommand("keygen", "Generate a signing key (JWK, JWKS and PEM files)");
  cmd->add_option("--alg", o->alg, "HS256 ... EdDSA")->required();
  cmd->add_option("--kid", o->kid, "Key id; also the file name prefix")->required();
  cmd->add_option("--out-dir", o->out_dir, "Directory for the key files")->required();
  cmd->add_option("--rsa-bits", o->rsa_bits, "RSA modulus size")->capture_default_str();
  cmd->add_flag("--force", o->force, "Overwrite existing files");
  return {cmd, [o] { return run_keygen(*o); }};
}

}  // namespace jwtx::cli
