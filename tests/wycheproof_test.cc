// Project Wycheproof vectors (tests/vectors/wycheproof, see SOURCE.md there) run through jwtx.
//
// Two drivers:
//  - token level (json_web_signature, json_web_key): build a key set from the group's JWK(S),
//    verify each compact "jws" with a verifier allowing every algorithm in plain JWS mode (the
//    payloads are arbitrary bytes such as "foo"), and compare valid <=> status::ok with "result".
//    A key set that fails to load makes the verdict "invalid". Deliberate strictness and defects
//    in the vector file are listed in two tables, which VectorTablesAreCurrent re-checks.
//  - signature level (ECDSA P1363, RSASSA-PKCS1-v1_5, RSASSA-PSS, Ed25519, HMAC): load the
//    group's key (JWK and PEM, which must agree) and call jwtx::verify_signature() directly.
//
// Every driver collects all disagreements and reports them in one failure message, prints a
// summary per file, and asserts that it ran exactly the file's numberOfTests cases.
// JWTX_WYCHEPROOF_VERBOSE=1 prints every token-level case with its jwtx status.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/jws/algorithm.h"
#include "engine/jws/signature.h"
#include "engine/keys/key_set.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace {

using simdjson::dom::element;

std::string vector_path(std::string_view file) {
  return std::string(JWTX_VECTORS_DIR) + "/wycheproof/" + std::string(file);
}

// Hex string from the vector files to raw bytes. Returns std::nullopt on a malformed string.
std::optional<std::string> hex_decode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

std::string join_flags(element test) {
  std::string out;
  element flags;
  if (test["flags"].get(flags) != simdjson::SUCCESS) return out;
  for (element f : flags.get_array()) {
    if (!out.empty()) out += ",";
    out += std::string(std::string_view(f));
  }
  return out;
}

// One disagreement between Wycheproof's verdict and jwtx's.
struct mismatch {
  std::string file;
  std::int64_t tc_id = 0;
  std::string comment;
  std::string flags;
  std::string expected;  // "valid", "invalid", or a description for special rules
  std::string got;       // jwtx status name, possibly with a qualifier
  std::string detail;
};

std::string format_mismatches(const std::vector<mismatch>& list) {
  std::ostringstream os;
  os << list.size() << " Wycheproof case(s) disagree with jwtx:\n";
  for (const mismatch& m : list) {
    os << "  " << m.file << " tcId=" << m.tc_id << " [" << m.comment << "]";
    if (!m.flags.empty()) os << " flags={" << m.flags << "}";
    os << " expected=" << m.expected << " got=" << m.got;
    if (!m.detail.empty()) os << " (" << m.detail << ")";
    os << "\n";
  }
  return os.str();
}

// Loads |file| into |parser| and checks the header fields every driver needs.
void load_vectors(simdjson::dom::parser& parser, std::string_view file, element* root,
                  std::int64_t* number_of_tests) {
  std::string path = vector_path(file);
  ASSERT_EQ(parser.load(path).get(*root), simdjson::SUCCESS) << "cannot read " << path;
  ASSERT_EQ((*root)["numberOfTests"].get(*number_of_tests), simdjson::SUCCESS) << path;
  ASSERT_GT(*number_of_tests, 0) << path;
}

void record_count(std::string_view file, std::int64_t ran) {
  ::testing::Test::RecordProperty("cases_" + std::string(file), std::to_string(ran));
}

// ------------------------------------------------------------------------------------------------
// Token level: json_web_signature_test.json, json_web_key_test.json
// ------------------------------------------------------------------------------------------------

// Cases where Wycheproof says "valid" and jwtx deliberately says no (or "invalid" and jwtx
// deliberately says ok: statuses = {ok}), with the documented rule and the statuses jwtx may give
// instead. Anything else that disagrees is a mismatch.
struct divergence {
  std::string_view file;
  std::int64_t tc_id;
  std::vector<jwtx::status> statuses;
  std::string_view rule;
};

const std::vector<divergence>& deliberate_divergences() {
  using jwtx::status;
  static const std::vector<divergence> list = {
      // RFC 7520 Figure 20 signs with PS384, but Wycheproof's copy of the key says "alg":"PS256".
      // key_set.h: a JWK with its own "alg" verifies only that algorithm (RFC 7517 §4.4).
      {"json_web_signature_test.json",
       346,
       {status::alg_key_mismatch, status::key_not_found},
       "JWK alg PS256 pins the key; token alg is PS384"},
      {"json_web_signature_test.json",
       350,
       {status::alg_key_mismatch, status::key_not_found},
       "JWK alg PS256 pins the key; token alg is PS384"},
      // RFC 7520 Figure 27's key carries "alg":"ES521", which is not a JWS algorithm (ES512 is).
      // key_set.h: keys whose "alg" is not a JWS signature algorithm are skipped at load.
      {"json_web_signature_test.json",
       347,
       {status::key_not_found, status::key_set_invalid},
       "JWK alg \"ES521\" is not a JWS algorithm; the key is skipped"},
      {"json_web_signature_test.json",
       351,
       {status::key_not_found, status::key_set_invalid},
       "JWK alg \"ES521\" is not a JWS algorithm; the key is skipped"},
      // A '?' inserted into the header / payload segment; the MAC is that of the unmodified token,
      // so only a decoder that silently drops bytes outside the alphabet accepts these.
      // base64url.h: only A-Z a-z 0-9 - _ are accepted.
      {"json_web_signature_test.json",
       372,
       {status::bad_base64},
       "'?' is outside the base64url alphabet"},
      {"json_web_signature_test.json",
       373,
       {status::bad_base64},
       "'?' is outside the base64url alphabet"},
      // Issue 9 item 17: keys sharing a kid are accepted (RFC 7517 §4.5 allows it; refusing the
      // set made one odd key an outage) and each that fits the alg is tried, so
      // "rejectsDuplicateKid" no longer holds. Here the second key is skipped at load anyway
      // (its "k" is not canonical base64url), leaving under the kid the one key that made the MAC.
      {"json_web_key_test.json",
       4,
       {status::ok},
       "keys sharing a kid are accepted; the valid key under it made this MAC"},
  };
  return list;
}

const divergence* find_divergence(std::string_view file, std::int64_t tc_id) {
  for (const divergence& d : deliberate_divergences()) {
    if (d.file == file && d.tc_id == tc_id) return &d;
  }
  return nullptr;
}

// Cases that contradict another case of the same file: the "jws" is byte-identical to the twin's
// and the key set is the same, yet the results differ, so no verifier can satisfy both. (The
// comments describe '=' padding that is missing from the token in the file.) jwtx's verdict for
// them is recorded, not judged; VectorTablesAreCurrent re-proves the contradiction.
struct vector_defect {
  std::string_view file;
  std::int64_t tc_id;
  std::int64_t twin_tc_id;
};

const std::vector<vector_defect>& vector_defects() {
  static const std::vector<vector_defect> list = {
      {"json_web_signature_test.json", 367, 357},  // invalidBase64Padding == ValidMac
      {"json_web_signature_test.json", 370, 357},  // invalidBase64PaddingInPayload == ValidMac
  };
  return list;
}

const vector_defect* find_defect(std::string_view file, std::int64_t tc_id) {
  for (const vector_defect& d : vector_defects()) {
    if (d.file == file && d.tc_id == tc_id) return &d;
  }
  return nullptr;
}

// JWTX_WYCHEPROOF_VERBOSE=1 prints one line per token-level case.
bool verbose() {
  const char* v = std::getenv("JWTX_WYCHEPROOF_VERBOSE");
  return v != nullptr && *v != '\0' && *v != '0';
}

jwtx::key_set_result load_group_keys(std::string_view json, bool is_jwks) {
  if (is_jwks) return jwtx::load_jwks(json);
  jwtx::key_set_builder builder;
  jwtx::status s = builder.add_jwk(json, "wycheproof group");
  if (s != jwtx::status::ok) return jwtx::key_set_result{s, builder.error(), nullptr};
  return builder.build();
}

void run_token_file(std::string_view file) {
  simdjson::dom::parser parser;
  element root;
  std::int64_t number_of_tests = 0;
  ASSERT_NO_FATAL_FAILURE(load_vectors(parser, file, &root, &number_of_tests));

  jwtx::verifier_options options;
  options.algorithms = jwtx::algorithm_set::all();
  options.payload_is_jwt = false;

  std::vector<mismatch> mismatches;
  std::map<std::string, int> outcomes;  // "valid->ok", "invalid->bad_signature", ...
  std::int64_t ran = 0, valid = 0, invalid = 0, load_refusals = 0, divergences = 0, defects = 0;

  for (element group : root["testGroups"].get_array()) {
    // The verifier gets the public keys when the group has them; "private" alone means an oct
    // key (or a deliberately unsafe set). json_web_signature uses single JWK objects,
    // json_web_key uses JWKS documents.
    element keys;
    if (group["public"].get(keys) != simdjson::SUCCESS) keys = group["private"];
    const bool is_jwks = keys["keys"].error() == simdjson::SUCCESS;
    const std::string keys_json = simdjson::minify(keys);
    const jwtx::key_set_result loaded = load_group_keys(keys_json, is_jwks);
    std::unique_ptr<jwtx::verifier> verifier;
    if (loaded) verifier = std::make_unique<jwtx::verifier>(loaded.set, options);

    for (element test : group["tests"].get_array()) {
      ++ran;
      const std::int64_t tc_id = test["tcId"];
      const std::string_view result = test["result"];
      const std::string_view jws = test["jws"];
      const std::string_view comment = test["comment"];

      const jwtx::status got = verifier ? verifier->verify(jws).status() : loaded.code;
      const bool accepted = got == jwtx::status::ok;
      if (!verifier) ++load_refusals;
      outcomes[std::string(result) + "->" + std::string(jwtx::status_name(got)) +
               (verifier ? "" : "(load)")]++;

      auto report = [&](std::string expected, std::string detail) {
        std::string got_text(jwtx::status_name(got));
        if (!verifier) got_text += " at key load: " + loaded.error;
        mismatches.push_back({std::string(file), tc_id, std::string(comment), join_flags(test),
                              std::move(expected), std::move(got_text), std::move(detail)});
      };

      if (verbose()) {
        std::cout << "[wycheproof]     tcId=" << tc_id << " " << result << " [" << comment
                  << "] -> " << jwtx::status_name(got)
                  << (verifier ? "" : " (key load: " + loaded.error + ")") << "\n";
      }

      if (const vector_defect* defect = find_defect(file, tc_id)) {
        ++defects;
        std::cout << "[wycheproof]   vector defect tcId=" << tc_id << " [" << comment
                  << "] (same jws as tcId " << defect->twin_tc_id << ") -> "
                  << jwtx::status_name(got) << "\n";
        if (result == "valid") {
          ++valid;
        } else {
          ++invalid;
        }
        continue;
      }
      if (result == "valid") {
        ++valid;
        if (const divergence* d = find_divergence(file, tc_id)) {
          ++divergences;
          bool documented = false;
          for (jwtx::status s : d->statuses) documented = documented || s == got;
          if (!documented) {
            std::string want;
            for (jwtx::status s : d->statuses) {
              want += (want.empty() ? "" : "|") + std::string(jwtx::status_name(s));
            }
            report("deliberate rejection " + want, std::string(d->rule));
          }
        } else if (!accepted) {
          report("valid", "");
        }
      } else if (result == "invalid") {
        ++invalid;
        const divergence* d = find_divergence(file, tc_id);
        if (d != nullptr) ++divergences;
        if (accepted && (d == nullptr || d->statuses != std::vector<jwtx::status>{got}))
          report("invalid", d != nullptr ? std::string(d->rule) : "");
      } else {
        report("valid|invalid", "unexpected result \"" + std::string(result) + "\" in vectors");
      }
    }
  }

  std::cout << "[wycheproof] " << file << ": " << ran << " cases (" << valid << " valid, "
            << invalid << " invalid); " << load_refusals << " decided by key-set load refusal; "
            << divergences << " documented deliberate divergences; " << defects
            << " vector defects\n";
  for (const auto& [outcome, count] : outcomes) {
    std::cout << "[wycheproof]   " << outcome << ": " << count << "\n";
  }
  record_count(file, ran);
  ASSERT_EQ(ran, number_of_tests) << file;
  EXPECT_TRUE(mismatches.empty()) << format_mismatches(mismatches);
}

TEST(WycheproofTokens, JsonWebSignature) { run_token_file("json_web_signature_test.json"); }

TEST(WycheproofTokens, JsonWebKey) { run_token_file("json_web_key_test.json"); }

// json_web_key tcId 4 (rejectsDuplicateKid): its second key's "k" ends in 'e', whose unused low
// bits are not zero, so the strict decoder skips that key. The same set with that character made
// canonical ('c') used to be refused for the duplicate kid; since issue 9 item 17 both keys load
// under the kid (RFC 7517 §4.5) and a token with that kid is checked against each.
TEST(WycheproofTokens, DuplicateKidAcceptedWithCanonicalKeys) {
  constexpr std::string_view kJwks =
      R"({"keys":[)"
      R"({"alg":"HS256","use":"sig","k":"-ebuDNsVZ2iJtoZ-akfXTSCt4UO2cruLCsbWlBinggE",)"
      R"("kid":"kid-aes-sign","kty":"oct"},)"
      R"({"alg":"HS256","use":"sig","k":"-xxuDNsVZ2iJtos-akfXTSCt4UO2cruLCsbWlBinggc",)"
      R"("kid":"kid-aes-sign","kty":"oct"}]})";
  const jwtx::key_set_result r = jwtx::load_jwks(kJwks);
  ASSERT_TRUE(r) << jwtx::status_name(r.code) << ": " << r.error;
  EXPECT_EQ(r.set->find_all("kid-aes-sign").size(), 2u);
  jwtx::verifier_options options;
  options.algorithms = jwtx::algorithm_set::all();
  options.payload_is_jwt = false;
  const jwtx::verifier v(r.set, options);
  // tcId 4's token: MAC'd with the first key, found after trying it.
  EXPECT_EQ(v.verify("eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC1hZXMtc2lnbiJ9.Zm9v."
                     "TD37p4c_0jmreSrBSDmE0F3mYSPtkZ3WrSyI5wb_KTg")
                .status(),
            jwtx::status::ok);
}

// The two tables above must stay true to the files: every deliberate divergence names a case that
// Wycheproof calls valid, and every defect is byte-identical to its twin with the opposite result.
TEST(WycheproofTokens, VectorTablesAreCurrent) {
  struct found_case {
    std::string result, jws;
    int group = 0;
  };
  auto find_case = [](std::string_view file, std::int64_t tc_id) -> std::optional<found_case> {
    simdjson::dom::parser parser;
    element root;
    if (parser.load(vector_path(file)).get(root) != simdjson::SUCCESS) return std::nullopt;
    int group_index = 0;
    for (element group : root["testGroups"].get_array()) {
      ++group_index;
      for (element test : group["tests"].get_array()) {
        if (std::int64_t(test["tcId"]) != tc_id) continue;
        return found_case{std::string(std::string_view(test["result"])),
                          std::string(std::string_view(test["jws"])), group_index};
      }
    }
    return std::nullopt;
  };

  for (const divergence& d : deliberate_divergences()) {
    const std::optional<found_case> c = find_case(d.file, d.tc_id);
    ASSERT_TRUE(c.has_value()) << d.file << " has no tcId " << d.tc_id;
    const bool accepts = d.statuses == std::vector<jwtx::status>{jwtx::status::ok};
    EXPECT_EQ(c->result, accepts ? "invalid" : "valid") << d.file << " tcId=" << d.tc_id;
  }
  for (const vector_defect& d : vector_defects()) {
    const std::optional<found_case> c = find_case(d.file, d.tc_id);
    const std::optional<found_case> twin = find_case(d.file, d.twin_tc_id);
    ASSERT_TRUE(c.has_value()) << d.file << " has no tcId " << d.tc_id;
    ASSERT_TRUE(twin.has_value()) << d.file << " has no tcId " << d.twin_tc_id;
    EXPECT_EQ(c->jws, twin->jws) << d.file << " tcId=" << d.tc_id << " vs " << d.twin_tc_id;
    EXPECT_EQ(c->group, twin->group) << d.file << " tcId=" << d.tc_id << " (same key set)";
    EXPECT_NE(c->result, twin->result) << d.file << " tcId=" << d.tc_id;
  }
}

// ------------------------------------------------------------------------------------------------
// Signature level: verify_signature() on one key per group
// ------------------------------------------------------------------------------------------------

struct loaded_key {
  jwtx::status code = jwtx::status::internal_error;
  std::string error;
  std::shared_ptr<const jwtx::key_set> set;

  const jwtx::key* key() const {
    return set && !set->keys().empty() ? &set->keys().front() : nullptr;
  }
};

template <class AddFn>
loaded_key load_single_key(AddFn add) {
  jwtx::key_set_builder builder;
  jwtx::status s = add(builder);
  if (s != jwtx::status::ok) return {s, builder.error(), nullptr};
  jwtx::key_set_result r = builder.build();
  return {r.code, r.error, r.set};
}

// Tallies for the per-file summary line.
struct signature_tally {
  std::int64_t ran = 0, valid = 0, invalid = 0, acceptable = 0;
  std::int64_t acceptable_accepted = 0, acceptable_rejected = 0;
  std::vector<std::string> acceptable_notes;
};

void print_tally(std::string_view file, std::string_view forms, const signature_tally& t) {
  std::cout << "[wycheproof] " << file << ": " << t.ran << " cases (" << t.valid << " valid, "
            << t.invalid << " invalid, " << t.acceptable << " acceptable: " << t.acceptable_accepted
            << " accepted, " << t.acceptable_rejected << " rejected); key forms: " << forms << "\n";
  for (const std::string& note : t.acceptable_notes) {
    std::cout << "[wycheproof]   acceptable " << note << "\n";
  }
}

// verify_signature() promises only these two outcomes for well-formed keys.
bool is_signature_status(jwtx::status s) {
  return s == jwtx::status::ok || s == jwtx::status::bad_signature;
}

// EC, RSA and Ed25519 files: each group carries the public key as a JWK ("publicKeyJwk" or
// "keyJwk") and as PEM ("publicKeyPem"); both forms are loaded and must give the same verdicts.
void run_asymmetric_file(std::string_view file, jwtx::algorithm alg) {
  simdjson::dom::parser parser;
  element root;
  std::int64_t number_of_tests = 0;
  ASSERT_NO_FATAL_FAILURE(load_vectors(parser, file, &root, &number_of_tests));

  std::vector<mismatch> mismatches;
  signature_tally tally;
  std::int64_t groups = 0, jwk_forms = 0, pem_forms = 0;

  for (element group : root["testGroups"].get_array()) {
    ++groups;
    struct form {
      std::string name;
      loaded_key loaded;
    };
    std::vector<form> forms;

    std::string_view pem;
    if (group["publicKeyPem"].get(pem) == simdjson::SUCCESS) {
      ++pem_forms;
      forms.push_back({"pem", load_single_key([&](jwtx::key_set_builder& b) {
                         return b.add_pem(pem, "", "wycheproof publicKeyPem");
                       })});
    }
    element jwk;
    if (group["publicKeyJwk"].get(jwk) == simdjson::SUCCESS ||
        group["keyJwk"].get(jwk) == simdjson::SUCCESS) {
      ++jwk_forms;
      const std::string jwk_json = simdjson::minify(jwk);
      forms.push_back({"jwk", load_single_key([&](jwtx::key_set_builder& b) {
                         return b.add_jwk(jwk_json, "wycheproof publicKeyJwk");
                       })});
    }

    // A form that cannot be loaded is itself a disagreement (these are all valid public keys);
    // the group still runs on whichever forms did load.
    std::vector<const form*> usable;
    for (const form& f : forms) {
      if (f.loaded.code == jwtx::status::ok && f.loaded.key() != nullptr) {
        usable.push_back(&f);
      } else {
        mismatches.push_back({std::string(file), 0, "group #" + std::to_string(groups), "",
                              "key loads (" + f.name + ")",
                              std::string(jwtx::status_name(f.loaded.code)), f.loaded.error});
      }
    }

    for (element test : group["tests"].get_array()) {
      ++tally.ran;
      const std::int64_t tc_id = test["tcId"];
      const std::string_view result = test["result"];
      const std::string_view comment = test["comment"];
      const std::optional<std::string> msg = hex_decode(test["msg"]);
      const std::optional<std::string> sig = hex_decode(test["sig"]);
      auto report = [&](std::string expected, std::string got, std::string detail) {
        mismatches.push_back({std::string(file), tc_id, std::string(comment), join_flags(test),
                              std::move(expected), std::move(got), std::move(detail)});
      };
      if (!msg || !sig) {
        report(std::string(result), "-", "malformed hex in the vector file");
        continue;
      }
      if (usable.empty()) {
        report(std::string(result), "-", "no key form loaded for this group");
        continue;
      }

      std::optional<jwtx::status> first;
      std::string first_form;
      for (const form* f : usable) {
        const jwtx::status got =
            jwtx::verify_signature(alg, *f->loaded.key(), *msg,
                                   reinterpret_cast<const std::uint8_t*>(sig->data()), sig->size());
        if (!is_signature_status(got)) {
          report(
              std::string(result), std::string(jwtx::status_name(got)),
              "verify_signature returned a status outside {ok, bad_signature} (" + f->name + ")");
        }
        if (!first) {
          first = got;
          first_form = f->name;
        } else if ((*first == jwtx::status::ok) != (got == jwtx::status::ok)) {
          report("same verdict for every key form",
                 first_form + ":" + std::string(jwtx::status_name(*first)) + " " + f->name + ":" +
                     std::string(jwtx::status_name(got)),
                 "");
        }
      }
      const bool accepted = *first == jwtx::status::ok;
      const std::string got_name(jwtx::status_name(*first));

      if (result == "valid") {
        ++tally.valid;
        if (!accepted) report("valid", got_name, "");
      } else if (result == "invalid") {
        ++tally.invalid;
        if (accepted) report("invalid", got_name, "");
      } else if (result == "acceptable") {
        ++tally.acceptable;
        (accepted ? tally.acceptable_accepted : tally.acceptable_rejected)++;
        tally.acceptable_notes.push_back("tcId=" + std::to_string(tc_id) + " [" +
                                         std::string(comment) + "] flags={" + join_flags(test) +
                                         "} -> " + got_name);
      } else {
        report("valid|invalid|acceptable", got_name, "unexpected result in vectors");
      }
    }
  }

  print_tally(file,
              std::to_string(jwk_forms) + " jwk + " + std::to_string(pem_forms) + " pem in " +
                  std::to_string(groups) + " groups",
              tally);
  record_count(file, tally.ran);
  ASSERT_EQ(tally.ran, number_of_tests) << file;
  EXPECT_TRUE(mismatches.empty()) << format_mismatches(mismatches);
}

// HMAC files: the key is per test (hex). Two JWS rules differ from generic HMAC:
//  - JWS never truncates the MAC (RFC 7518 §3.2), so a tag shorter than the hash output is
//    rejected even when Wycheproof calls the (truncated-MAC) case valid;
//  - jwtx refuses at load a secret shorter than the hash output (RFC 7518 §3.2: "a key of the
//    same size as the hash output ... or larger MUST be used"), so for those tests the expected
//    outcome is a load refusal (key_too_small or key_invalid) instead of a verdict.
void run_hmac_file(std::string_view file, jwtx::algorithm alg) {
  simdjson::dom::parser parser;
  element root;
  std::int64_t number_of_tests = 0;
  ASSERT_NO_FATAL_FAILURE(load_vectors(parser, file, &root, &number_of_tests));

  const std::size_t mac_bytes = jwtx::hash_size(alg);
  std::vector<mismatch> mismatches;
  signature_tally tally;
  std::int64_t short_keys_refused = 0, truncated_tags = 0, full_tags = 0;

  for (element group : root["testGroups"].get_array()) {
    const std::int64_t tag_bits = group["tagSize"];
    const bool truncated = static_cast<std::size_t>(tag_bits) != mac_bytes * 8;

    for (element test : group["tests"].get_array()) {
      ++tally.ran;
      const std::int64_t tc_id = test["tcId"];
      const std::string_view result = test["result"];
      const std::string_view comment = test["comment"];
      const std::optional<std::string> secret = hex_decode(test["key"]);
      const std::optional<std::string> msg = hex_decode(test["msg"]);
      const std::optional<std::string> tag = hex_decode(test["tag"]);
      auto report = [&](std::string expected, std::string got, std::string detail) {
        mismatches.push_back({std::string(file), tc_id, std::string(comment), join_flags(test),
                              std::move(expected), std::move(got), std::move(detail)});
      };
      if (!secret || !msg || !tag) {
        report(std::string(result), "-", "malformed hex in the vector file");
        continue;
      }
      if (result == "valid") {
        ++tally.valid;
      } else if (result == "invalid") {
        ++tally.invalid;
      } else {
        ++tally.acceptable;
      }

      const loaded_key loaded = load_single_key([&](jwtx::key_set_builder& b) {
        return b.add_hmac_secret(*secret, "", alg, "wycheproof key");
      });

      if (secret->size() < mac_bytes) {
        ++short_keys_refused;
        if (loaded.code != jwtx::status::key_too_small &&
            loaded.code != jwtx::status::key_invalid) {
          report("load refusal key_too_small|key_invalid (" + std::to_string(secret->size()) +
                     "-byte secret < " + std::to_string(mac_bytes) + ")",
                 std::string(jwtx::status_name(loaded.code)), loaded.error);
        }
        continue;
      }
      if (loaded.code != jwtx::status::ok || loaded.key() == nullptr) {
        report("key loads", std::string(jwtx::status_name(loaded.code)), loaded.error);
        continue;
      }

      (truncated ? truncated_tags : full_tags)++;
      const jwtx::status got =
          jwtx::verify_signature(alg, *loaded.key(), *msg,
                                 reinterpret_cast<const std::uint8_t*>(tag->data()), tag->size());
      const bool accepted = got == jwtx::status::ok;
      const std::string got_name(jwtx::status_name(got));
      if (!is_signature_status(got)) {
        report(std::string(result), got_name,
               "verify_signature returned a status outside {ok, bad_signature}");
      }

      if (result == "acceptable") {
        (accepted ? tally.acceptable_accepted : tally.acceptable_rejected)++;
        tally.acceptable_notes.push_back("tcId=" + std::to_string(tc_id) + " [" +
                                         std::string(comment) + "] -> " + got_name);
        continue;
      }
      const bool expect_ok = result == "valid" && !truncated;
      if (accepted != expect_ok) {
        report(expect_ok ? "valid" : "invalid", got_name,
               truncated ? std::to_string(tag_bits) + "-bit tag (JWS never truncates)" : "");
      }
    }
  }

  print_tally(file, "raw secret", tally);
  std::cout << "[wycheproof]   " << full_tags << " full-length tags verified, " << truncated_tags
            << " truncated tags (expected rejected), " << short_keys_refused
            << " short secrets (expected refused at load)\n";
  record_count(file, tally.ran);
  ::testing::Test::RecordProperty("short_keys_" + std::string(file),
                                  std::to_string(short_keys_refused));
  ASSERT_EQ(tally.ran, number_of_tests) << file;
  EXPECT_TRUE(mismatches.empty()) << format_mismatches(mismatches);
}

TEST(WycheproofSignature, EcdsaP256Sha256P1363) {
  run_asymmetric_file("ecdsa_secp256r1_sha256_p1363_test.json", jwtx::algorithm::ES256);
}

TEST(WycheproofSignature, EcdsaP384Sha384P1363) {
  run_asymmetric_file("ecdsa_secp384r1_sha384_p1363_test.json", jwtx::algorithm::ES384);
}

TEST(WycheproofSignature, EcdsaP521Sha512P1363) {
  run_asymmetric_file("ecdsa_secp521r1_sha512_p1363_test.json", jwtx::algorithm::ES512);
}

TEST(WycheproofSignature, RsaPkcs1v15Rsa2048Sha256) {
  run_asymmetric_file("rsa_signature_2048_sha256_test.json", jwtx::algorithm::RS256);
}

TEST(WycheproofSignature, RsaPkcs1v15Rsa3072Sha384) {
  run_asymmetric_file("rsa_signature_3072_sha384_test.json", jwtx::algorithm::RS384);
}

TEST(WycheproofSignature, RsaPkcs1v15Rsa4096Sha512) {
  run_asymmetric_file("rsa_signature_4096_sha512_test.json", jwtx::algorithm::RS512);
}

TEST(WycheproofSignature, RsaPssRsa2048Sha256Mgf1Salt32) {
  run_asymmetric_file("rsa_pss_2048_sha256_mgf1_32_test.json", jwtx::algorithm::PS256);
}

TEST(WycheproofSignature, Ed25519) {
  run_asymmetric_file("ed25519_test.json", jwtx::algorithm::EdDSA);
}

TEST(WycheproofSignature, HmacSha256) {
  run_hmac_file("hmac_sha256_test.json", jwtx::algorithm::HS256);
}

TEST(WycheproofSignature, HmacSha384) {
  run_hmac_file("hmac_sha384_test.json", jwtx::algorithm::HS384);
}

TEST(WycheproofSignature, HmacSha512) {
  run_hmac_file("hmac_sha512_test.json", jwtx::algorithm::HS512);
}

}  // namespace
