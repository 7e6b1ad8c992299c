// `jwtx keygen`: generates a signing key and writes it as JWK / JWKS / PEM files for tests,
// benches and local experiments. Private files are created with mode 0600 and public ones 0644,
// each atomically and without following a symlink at the target (write_file_atomically).
#include <fcntl.h>
#include <openssl/rand.h>
#include <simdjson.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "engine/jws/algorithm.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/signer.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
namespace {

// The verifier's default min_rsa_bits: a smaller key signs tokens `jwtx verify` rejects
// (key_too_small) unless --min-rsa-bits is lowered, so keygen refuses it without --allow-weak-key.
constexpr unsigned kMinRsaBits = 2048;
constexpr unsigned kWeakRsaBits = 1024;  // signing_key::generate's floor
constexpr unsigned kMaxRsaBits = 16384;

struct keygen_options {
  std::string alg;
  std::string kid;
  std::string out_dir;
  unsigned rsa_bits = kMinRsaBits;
  bool allow_weak_key = false;
  bool force = false;
};

// Writes |data| to |path| atomically with mode |mode| (subject to the umask): a temporary file in
// the same directory is created with O_EXCL | O_NOFOLLOW and the final mode (never wider at any
// moment), written, fsync'ed, then renamed onto |path|, and the directory is fsync'ed. rename()
// replaces a symlink at |path| itself and never writes through it, and an existing file's mode is
// never inherited. Without |force| an existing |path| (even a dangling symlink) is left alone:
// renameat2(RENAME_NOREPLACE) (or link() where the file system lacks it) fails with EEXIST.
bool write_file_atomically(const std::string& path, std::string_view data, mode_t mode, bool force,
                           std::string* error) {
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    std::uint8_t rnd[8];
    RAND_bytes(rnd, sizeof(rnd));
    tmp = (std::filesystem::path(dir) / ("." + target.filename().string() + ".tmp-")).string();
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::uint8_t b : rnd) {
      tmp.push_back(kHex[b >> 4]);
      tmp.push_back(kHex[b & 15]);
    }
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    *error = std::strerror(errno);
    return false;
  }
  auto fail_with_errno = [&] {
    *error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  };
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_with_errno();
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail_with_errno();
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail_with_errno();
  int renamed = force
                    ? ::rename(tmp.c_str(), path.c_str())
                    : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (renamed != 0 && !force && (errno == EINVAL || errno == ENOSYS)) {
    // A file system without RENAME_NOREPLACE: link() never replaces either (EEXIST).
    renamed = ::link(tmp.c_str(), path.c_str());
    if (renamed == 0) ::unlink(tmp.c_str());
  }
  if (renamed != 0) {
    if (errno == EEXIST) {
      ::unlink(tmp.c_str());
      *error = "file exists (pass --force to replace it)";
      return false;
    }
    return fail_with_errno();
  }
  // Make the rename itself durable.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

int run_keygen(const keygen_options& o) {
  std::string err;
  std::optional<algorithm> alg = parse_algorithm_flag("--alg", o.alg, &err);
  if (!alg) return fail(err);
  if (o.kid.empty() || o.kid.find('/') != std::string::npos || o.kid == "." || o.kid == "..") {
    return fail("--kid must be a non-empty file-name-safe string");
  }
  if (required_key_type(*alg) == key_type::rsa && o.rsa_bits < kMinRsaBits && !o.allow_weak_key) {
    return fail("--rsa-bits " + std::to_string(o.rsa_bits) + " is below " +
                std::to_string(kMinRsaBits) +
                ", the verifier's default minimum (its tokens would fail as key_too_small); "
                "pass --allow-weak-key to generate it anyway");
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return fail("cannot create " + quote_input(o.out_dir) + ": " + ec.message());

  std::optional<signing_key> key = signing_key::generate(*alg, o.kid, o.rsa_bits, &err);
  if (!key) return fail("key generation failed: " + sanitized(err));

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
  if (!o.force) {
    // Refuse before writing anything, so a refused run leaves no half key pair behind.
    for (const output& f : files) {
      struct stat st;
      if (::lstat(f.name.c_str(), &st) == 0) {
        return fail("cannot write " + quote_input(f.name) +
                    ": file exists (pass --force to replace it)");
      }
    }
  }
  for (const output& f : files) {
    if (f.data.empty()) return fail("internal error: empty encoding for " + quote_input(f.name));
    if (!write_file_atomically(f.name, f.data, f.secret ? 0600 : 0644, o.force, &err)) {
      return fail("cannot write " + quote_input(f.name) + ": " + err);
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
  cmd->add_option("--alg", o->alg, "HS256 ... EdDSA (case-sensitive)")->required();
  cmd->add_option("--kid", o->kid, "Key id; also the file name prefix")->required();
  cmd->add_option("--out-dir", o->out_dir, "Directory for the key files")->required();
  cmd->add_option(
         "--rsa-bits", o->rsa_bits,
         "RSA modulus size; below " + std::to_string(kMinRsaBits) + " only with --allow-weak-key")
      ->capture_default_str()
      ->check(count_in(kWeakRsaBits, kMaxRsaBits));
  cmd->add_flag("--allow-weak-key", o->allow_weak_key,
                "Allow --rsa-bits below " + std::to_string(kMinRsaBits) +
                    " (verify then needs --min-rsa-bits)");
  cmd->add_flag("--force", o->force,
                "Replace existing files (atomically; a symlink is replaced, "
                "not followed)");
  return {cmd, [o] { return run_keygen(*o); }};
}

}  // namespace jwtx::cli
