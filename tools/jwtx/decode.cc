// `jwtx decode`: shows a token's header and claims WITHOUT verifying anything. For debugging only;
// it warns loudly on stderr and marks every output line "verified":false. The raw token is never
// printed, only its fingerprint.
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/verifier.h"
#include "tools/jwtx/common.h"
#include "tools/jwtx/token_input.h"

namespace jwtx::cli {
namespace {

struct decode_options {
  std::size_t max_bytes = verifier_options{}.max_token_bytes;
  std::vector<std::string> tokens;
};

// Decodes one base64url segment holding a JSON value and appends it (minified) to |out|. Returns
// the status name of the failure, or an empty view on success.
std::string_view append_segment_json(std::string_view segment, simdjson::dom::parser& parser,
                                     std::string& out) {
  std::string bytes;
  if (!base64url::decode(segment, &bytes)) return "bad_base64";
  simdjson::dom::element doc;
  if (parser.parse(bytes).get(doc) != simdjson::SUCCESS) return "bad_json";
  if (!doc.is_object()) return "not_object";
  out += simdjson::minify(doc);
  return {};
}

int run_decode(const decode_options& o) {
  std::vector<input_token> inputs;
  std::string err;
  if (!o.tokens.empty()) {
    inputs = input_tokens_from_args(o.tokens);
  } else if (!read_input_tokens(stdin, o.max_bytes, &inputs, &err)) {
    return fail("cannot read stdin: " + err);
  }
  if (inputs.empty()) {
    std::cerr << "jwtx: no tokens: stdin was empty (exit " << kExitNoInput << ")\n";
    return kExitNoInput;
  }
  std::cerr << "UNVERIFIED: signature NOT checked; do not trust anything printed below\n";
  simdjson::dom::parser parser;
  bool all_ok = true;
  std::string out;
  for (const input_token& in : inputs) {
    const std::string& token = in.token;
    if (in.too_large || token.size() > o.max_bytes) {
      all_ok = false;
      out += "{\"verified\":false,\"fingerprint\":";
      append_json_string(out, view(in.too_large ? in.fingerprint : fingerprint(token)));
      out += ",\"error\":\"too_large\"}\n";
      continue;
    }
    std::vector<std::string_view> parts;
    std::string_view rest = token;
    for (;;) {
      std::size_t dot = rest.find('.');
      parts.push_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    out += "{\"verified\":false,\"fingerprint\":";
    append_json_string(out, view(fingerprint(token)));
    std::string_view error;
    if (parts.size() == 5) {
      error = "unsupported_jwe";
    } else if (parts.size() != 3 || parts[0].empty()) {
      error = "malformed";
    } else {
      out += ",\"header\":";
      error = append_segment_json(parts[0], parser, out);
      if (error.empty()) {
        out += ",\"claims\":";
        error = append_segment_json(parts[1], parser, out);
      }
      if (!error.empty()) {
        // Drop the half-written member so the line stays valid JSON.
        out.erase(out.rfind(','));
      }
    }
    if (!error.empty()) {
      all_ok = false;
      out += ",\"error\":";
      append_json_string(out, error);
    }
    out += "}\n";
  }
  write_stdout(out);
  return all_ok ? kExitOk : kExitInvalid;
}

}  // namespace

verb add_decode(CLI::App& app) {
  auto o = std::make_shared<decode_options>();
  CLI::App* cmd = app.add_subcommand(
      "decode", "Print header and claims WITHOUT verifying the signature (debugging only)");
  cmd->add_option("--max-bytes", o->max_bytes, "Longest token decoded (longer: too_large)")
      ->capture_default_str()
      ->check(count_in(1, kMaxTokenBytesLimit));
  cmd->add_option("tokens", o->tokens, "Tokens (default: stdin, one per line)");
  cmd->footer(
      "Input lines as for verify (blank line = malformed, \"Bearer \" stripped). Exit: 0 all "
      "decoded, 1 some not, 2 usage error, 3 no tokens (stdin was empty).");
  return {cmd, [o] { return run_decode(*o); }};
}

}  // namespace jwtx::cli
