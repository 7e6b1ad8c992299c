// The CliTest fixture shared by the CLI test files: runs the built `jwtx` binary as a real process
// in a scratch directory. JWTX_CLI_PATH (set by tests/CMakeLists.txt) names the binary; without it
// (builds without the CLI, e.g. the TSan build) this header declares nothing.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifdef JWTX_CLI_PATH

namespace jwtx::testing {

namespace fs = std::filesystem;

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q.push_back(c);
    }
  }
  return q + "'";
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "jwtx_cli_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the CLI with |args| (each shell-quoted) and |input| on stdin.
  run_result run(const std::vector<std::string>& args, const std::string& input = "") {
    const fs::path in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in, std::ios::binary) << input;
    std::string cmd = quote(JWTX_CLI_PATH);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " <" + quote(in.string()) + " >" + quote(out.string()) + " 2>" + quote(err.string());
    const int rc = std::system(cmd.c_str());
    run_result r;
    r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Generates a key; returns its kid.
  std::string keygen(const std::string& alg) {
    const std::string kid = "k-" + alg;
    run_result r = run({"keygen", "--alg", alg, "--kid", kid, "--out-dir", dir_.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return kid;
  }

  std::vector<std::string> mint(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"mint"};
    args.insert(args.end(), extra.begin(), extra.end());
    run_result r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return lines_of(r.out);
  }

  // Key arguments for `verify` for a key made by keygen().
  std::vector<std::string> key_args(const std::string& alg, const std::string& kid) {
    if (alg.starts_with("HS")) {
      return {"--hmac-secret-file", path(kid + ".secret"), "--hmac-kid", kid, "--algs", alg};
    }
    return {"--jwks", path(kid + ".public.jwks.json"), "--algs", alg};
  }

  fs::path dir_;
};

// Parses one output line as a JSON object.
inline simdjson::dom::object parse_line(simdjson::dom::parser& parser, const std::string& line) {
  simdjson::dom::object obj;
  EXPECT_EQ(parser.parse(line).get_object().get(obj), simdjson::SUCCESS) << line;
  return obj;
}

inline std::string str(simdjson::dom::object obj, const char* name) {
  std::string_view v;
  if (obj[name].get_string().get(v) != simdjson::SUCCESS) return "<absent or not a string>";
  return std::string(v);
}

inline void expect_no_token(const run_result& r, const std::vector<std::string>& tokens) {
  for (const auto& t : tokens) {
    EXPECT_EQ(r.out.find(t), std::string::npos) << "raw token printed on stdout";
    EXPECT_EQ(r.err.find(t), std::string::npos) << "raw token printed on stderr";
  }
}

inline std::string tamper_signature(std::string token) {
  // A character in the middle of the signature: still canonical base64url, different bytes.
  const std::size_t at = token.rfind('.') + 5;
  token[at] = token[at] == 'A' ? 'B' : 'A';
  return token;
}

}  // namespace jwtx::testing

#endif  // JWTX_CLI_PATH
