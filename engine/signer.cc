// jwtx::signing_key — key generation, JWK/PEM import/export and JWS signing (tools, tests,
// benches). Every primitive is BoringSSL; this file only encodes and decodes.
#include "engine/signer.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/curve25519.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "engine/json_writer.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/jws/boringssl_names.h"

namespace jwtx {

struct signing_key::impl {
  algorithm alg = algorithm::HS256;
  key_type type = key_type::oct;
  curve crv = curve::none;
  std::string kid;
  bssl::UniquePtr<RSA> rsa;
  bssl::UniquePtr<EC_KEY> ec;
  std::uint8_t ed_private[ED25519_PRIVATE_KEY_LEN] = {};  // seed || public, as ED25519_sign wants
  std::uint8_t ed_public[ED25519_PUBLIC_KEY_LEN] = {};
  std::string secret;

  // An EVP_PKEY sharing this key (PEM encoding); null for oct.
  bssl::UniquePtr<EVP_PKEY> to_evp() const;

  ~impl() {
    OPENSSL_cleanse(ed_private, sizeof(ed_private));
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  }
};

namespace {

void set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

std::string_view as_view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

std::string b64(std::string_view bytes) { return base64url::encode(bytes); }

// Big-endian, minimal length (RSA members, RFC 7518 §6.3: no leading zero octets).
std::string bn_b64(const BIGNUM* bn) {
  std::string bytes(BN_num_bytes(bn), '\0');
  if (!bytes.empty()) BN_bn2bin(bn, reinterpret_cast<std::uint8_t*>(bytes.data()));
  std::string out = b64(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

// Big-endian, left-padded to |width| (EC members, RFC 7518 §6.2.1.2).
std::string bn_b64_padded(const BIGNUM* bn, std::size_t width) {
  std::string bytes(width, '\0');
  if (!BN_bn2bin_padded(reinterpret_cast<std::uint8_t*>(bytes.data()), width, bn)) return {};
  std::string out = b64(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

// Appends ,"name":"value" (value is JSON-escaped).
void member(std::string& out, std::string_view name, std::string_view value) {
  if (out.size() > 1) out.push_back(',');
  append_json_string(out, name);
  out.push_back(':');
  append_json_string(out, value);
}

std::string digest(algorithm a, std::string_view input) {
  std::uint8_t md[EVP_MAX_MD_SIZE];
  unsigned md_len = 0;
  if (!EVP_Digest(input.data(), input.size(), md, &md_len, detail::digest_for(a), nullptr))
    return {};
  return std::string(as_view(md, md_len));
}

bssl::UniquePtr<BIGNUM> bn_from_bytes(std::string_view bytes) {
  return bssl::UniquePtr<BIGNUM>(
      BN_bin2bn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), nullptr));
}

std::string bio_to_string(BIO* bio) {
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
  if (!BIO_mem_contents(bio, &data, &len)) return {};
  return std::string(as_view(data, len));
}

// Reads member |name| of a JWK as a base64url string and decodes it. Returns false with a message
// if absent, not a string or not strict base64url.
bool b64_member(simdjson::dom::object obj, const char* name, std::string* out, std::string* error) {
  std::string_view text;
  if (obj[name].get_string().get(text) != simdjson::SUCCESS) {
    set_error(error, std::string("JWK member \"") + name + "\" is missing or not a string");
    return false;
  }
  if (!base64url::decode(text, out)) {
    set_error(error, std::string("JWK member \"") + name + "\" is not valid base64url");
    return false;
  }
  return true;
}

}  // namespace

signing_key::signing_key(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
signing_key::~signing_key() = default;
signing_key::signing_key(signing_key&&) noexcept = default;
signing_key& signing_key::operator=(signing_key&&) noexcept = default;

algorithm signing_key::alg() const noexcept { return impl_->alg; }
const std::string& signing_key::kid() const noexcept { return impl_->kid; }

std::optional<signing_key> signing_key::generate(algorithm alg, std::string kid, unsigned rsa_bits,
                                                 std::string* error) {
  auto k = std::make_unique<impl>();
  k->alg = alg;
  k->kid = std::move(kid);
  k->type = required_key_type(alg);
  k->crv = required_curve(alg);
  switch (k->type) {
    case key_type::oct: {
      k->secret.assign(hash_size(alg), '\0');
      RAND_bytes(reinterpret_cast<std::uint8_t*>(k->secret.data()), k->secret.size());
      break;
    }
    case key_type::rsa: {
      if (rsa_bits < 1024 || rsa_bits > 16384) {
        set_error(error, "RSA key size must be between 1024 and 16384 bits");
        return std::nullopt;
      }
      bssl::UniquePtr<BIGNUM> e(BN_new());
      k->rsa.reset(RSA_new());
      if (!e || !k->rsa || !BN_set_word(e.get(), RSA_F4) ||
          !RSA_generate_key_ex(k->rsa.get(), static_cast<int>(rsa_bits), e.get(), nullptr)) {
        set_error(error, "RSA key generation failed");
        return std::nullopt;
      }
      break;
    }
    case key_type::ec: {
      k->ec.reset(EC_KEY_new_by_curve_name(detail::curve_nid(k->crv)));
      if (!k->ec || !EC_KEY_generate_key(k->ec.get())) {
        set_error(error, "EC key generation failed");
        return std::nullopt;
      }
      break;
    }
    case key_type::okp:
      ED25519_keypair(k->ed_public, k->ed_private);
      break;
  }
  return signing_key(std::move(k));
}

signing_key signing_key::from_hmac_secret(std::string_view secret, algorithm alg, std::string kid) {
  auto k = std::make_unique<impl>();
  k->alg = alg;
  k->type = key_type::oct;
  k->kid = std::move(kid);
  k->secret.assign(secret);
  return signing_key(std::move(k));
}

std::optional<signing_key> signing_key::from_private_jwk(std::string_view json,
                                                         std::optional<algorithm> alg,
                                                         std::string* error) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object obj;
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) {
    set_error(error, "JWK is not a JSON object");
    return std::nullopt;
  }
  std::string_view kty;
  if (obj["kty"].get_string().get(kty) != simdjson::SUCCESS) {
    set_error(error, "JWK has no string \"kty\"");
    return std::nullopt;
  }
  auto k = std::make_unique<impl>();
  std::string_view text;
  if (obj["kid"].get_string().get(text) == simdjson::SUCCESS) k->kid.assign(text);
  if (!alg && obj["alg"].get_string().get(text) == simdjson::SUCCESS) {
    alg = algorithm_from_name(text);
    if (!alg) {
      set_error(error, "JWK \"alg\" is not a supported JWS algorithm: " + std::string(text));
      return std::nullopt;
    }
  }

  if (kty == "oct") {
    k->type = key_type::oct;
    if (!b64_member(obj, "k", &k->secret, error)) return std::nullopt;
    if (k->secret.empty()) {
      set_error(error, "JWK \"k\" is empty");
      return std::nullopt;
    }
  } else if (kty == "RSA") {
    k->type = key_type::rsa;
    static constexpr const char* kNames[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
    bssl::UniquePtr<BIGNUM> bn[8];
    for (std::size_t i = 0; i < 8; ++i) {
      std::string bytes;
      if (!b64_member(obj, kNames[i], &bytes, error)) return std::nullopt;
      bn[i] = bn_from_bytes(bytes);
      OPENSSL_cleanse(bytes.data(), bytes.size());
      if (!bn[i]) {
        set_error(error, "out of memory");
        return std::nullopt;
      }
    }
    k->rsa.reset(RSA_new());
    if (!k->rsa) {
      set_error(error, "out of memory");
      return std::nullopt;
    }
    // RSA_set0_* take ownership only on success.
    if (!RSA_set0_key(k->rsa.get(), bn[0].get(), bn[1].get(), bn[2].get())) {
      set_error(error, "invalid RSA key");
      return std::nullopt;
    }
    bn[0].release(), bn[1].release(), bn[2].release();
    if (!RSA_set0_factors(k->rsa.get(), bn[3].get(), bn[4].get())) {
      set_error(error, "invalid RSA key");
      return std::nullopt;
    }
    bn[3].release(), bn[4].release();
    if (!RSA_set0_crt_params(k->rsa.get(), bn[5].get(), bn[6].get(), bn[7].get())) {
      set_error(error, "invalid RSA key");
      return std::nullopt;
    }
    bn[5].release(), bn[6].release(), bn[7].release();
    if (!RSA_check_key(k->rsa.get())) {
      set_error(error, "RSA private key is inconsistent");
      return std::nullopt;
    }
  } else if (kty == "EC") {
    k->type = key_type::ec;
    std::string_view crv;
    if (obj["crv"].get_string().get(crv) != simdjson::SUCCESS) {
      set_error(error, "JWK has no string \"crv\"");
      return std::nullopt;
    }
    if (crv == "P-256")
      k->crv = curve::p256;
    else if (crv == "P-384")
      k->crv = curve::p384;
    else if (crv == "P-521")
      k->crv = curve::p521;
    else {
      set_error(error, "unsupported EC curve: " + std::string(crv));
      return std::nullopt;
    }
    const std::size_t width = detail::coordinate_bytes(k->crv);
    std::string x, y, d;
    if (!b64_member(obj, "x", &x, error) || !b64_member(obj, "y", &y, error) ||
        !b64_member(obj, "d", &d, error)) {
      return std::nullopt;
    }
    if (x.size() != width || y.size() != width || d.size() != width) {
      set_error(error, "EC JWK members x, y, d must be " + std::to_string(width) + " bytes for " +
                           std::string(crv));
      OPENSSL_cleanse(d.data(), d.size());
      return std::nullopt;
    }
    k->ec.reset(EC_KEY_new_by_curve_name(detail::curve_nid(k->crv)));
    auto bx = bn_from_bytes(x), by = bn_from_bytes(y), bd = bn_from_bytes(d);
    OPENSSL_cleanse(d.data(), d.size());
    if (!k->ec || !bx || !by || !bd) {
      set_error(error, "out of memory");
      return std::nullopt;
    }
    if (!EC_KEY_set_private_key(k->ec.get(), bd.get()) ||
        !EC_KEY_set_public_key_affine_coordinates(k->ec.get(), bx.get(), by.get()) ||
        !EC_KEY_check_key(k->ec.get())) {
      set_error(error, "EC private key is invalid (point not on curve or d does not match)");
      return std::nullopt;
    }
  } else if (kty == "OKP") {
    k->type = key_type::okp;
    std::string_view crv;
    if (obj["crv"].get_string().get(crv) != simdjson::SUCCESS || crv != "Ed25519") {
      set_error(error, "OKP JWK must have \"crv\":\"Ed25519\"");
      return std::nullopt;
    }
    k->crv = curve::ed25519;
    std::string x, d;
    if (!b64_member(obj, "x", &x, error) || !b64_member(obj, "d", &d, error)) {
      return std::nullopt;
    }
    if (x.size() != 32 || d.size() != 32) {
      set_error(error, "Ed25519 JWK members x and d must be 32 bytes");
      OPENSSL_cleanse(d.data(), d.size());
      return std::nullopt;
    }
    ED25519_keypair_from_seed(k->ed_public, k->ed_private,
                              reinterpret_cast<const std::uint8_t*>(d.data()));
    OPENSSL_cleanse(d.data(), d.size());
    if (std::memcmp(k->ed_public, x.data(), 32) != 0) {
      set_error(error, "Ed25519 JWK \"x\" does not match \"d\"");
      return std::nullopt;
    }
  } else {
    set_error(error, "unsupported JWK kty: " + std::string(kty));
    return std::nullopt;
  }

  if (!alg) {
    // EC and OKP keys name exactly one algorithm; RSA and oct keys need an explicit one.
    switch (k->crv) {
      case curve::p256:
        alg = algorithm::ES256;
        break;
      case curve::p384:
        alg = algorithm::ES384;
        break;
      case curve::p521:
        alg = algorithm::ES512;
        break;
      case curve::ed25519:
        alg = algorithm::EdDSA;
        break;
      case curve::none:
        set_error(error, "JWK has no \"alg\" and none was given");
        return std::nullopt;
    }
  }
  if (required_key_type(*alg) != k->type || required_curve(*alg) != k->crv) {
    set_error(error, std::string(algorithm_name(*alg)) + " does not fit a " +
                         std::string(key_type_name(k->type)) + " key");
    return std::nullopt;
  }
  k->alg = *alg;
  return signing_key(std::move(k));
}

std::optional<signing_key> signing_key::from_private_pem(std::string_view pem, algorithm alg,
                                                         std::string kid, std::string* error) {
  bssl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    set_error(error, "out of memory");
    return std::nullopt;
  }
  bssl::UniquePtr<EVP_PKEY> pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    set_error(error, "not a PEM private key (PKCS#8, RSA or EC; encrypted keys are unsupported)");
    return std::nullopt;
  }
  auto k = std::make_unique<impl>();
  k->alg = alg;
  k->kid = std::move(kid);
  switch (EVP_PKEY_id(pkey.get())) {
    case EVP_PKEY_RSA:
      k->type = key_type::rsa;
      k->rsa.reset(EVP_PKEY_get1_RSA(pkey.get()));
      break;
    case EVP_PKEY_EC:
      k->type = key_type::ec;
      k->ec.reset(EVP_PKEY_get1_EC_KEY(pkey.get()));
      if (k->ec)
        k->crv = detail::curve_from_nid(EC_GROUP_get_curve_name(EC_KEY_get0_group(k->ec.get())));
      if (k->crv == curve::none) {
        set_error(error, "unsupported EC curve in PEM");
        return std::nullopt;
      }
      break;
    case EVP_PKEY_ED25519: {
      k->type = key_type::okp;
      k->crv = curve::ed25519;
      std::uint8_t seed[32];
      std::size_t seed_len = sizeof(seed);
      if (!EVP_PKEY_get_raw_private_key(pkey.get(), seed, &seed_len) || seed_len != 32) {
        set_error(error, "cannot read Ed25519 private key");
        return std::nullopt;
      }
      ED25519_keypair_from_seed(k->ed_public, k->ed_private, seed);
      OPENSSL_cleanse(seed, sizeof(seed));
      break;
    }
    default:
      set_error(error, "unsupported PEM key type");
      return std::nullopt;
  }
  if ((k->type == key_type::rsa && !k->rsa) || (k->type == key_type::ec && !k->ec)) {
    set_error(error, "out of memory");
    return std::nullopt;
  }
  if (required_key_type(alg) != k->type || required_curve(alg) != k->crv) {
    set_error(error, std::string(algorithm_name(alg)) + " does not fit a " +
                         std::string(key_type_name(k->type)) + " key");
    return std::nullopt;
  }
  return signing_key(std::move(k));
}

std::string signing_key::sign(std::string_view signing_input) const {
  return sign_as(impl_->alg, signing_input);
}

// sign_as() deliberately signs with whatever |alg| asks for, so attack tests can build tokens that
// a strict verifier must reject:
//  - HS* on an asymmetric key MACs with the key's public PEM as the secret (the classic
//    RS256 -> HS256 key-confusion attack);
//  - ES* on an EC key of another curve hashes with |alg|'s hash but signs on the key's own curve;
//  - RS* and PS* need an RSA key, EdDSA an Ed25519 key: otherwise the result is empty.
std::string signing_key::sign_as(algorithm alg, std::string_view signing_input) const {
  const impl& k = *impl_;
  const auto* input = reinterpret_cast<const std::uint8_t*>(signing_input.data());
  switch (required_key_type(alg)) {
    case key_type::oct: {
      const std::string secret = k.type == key_type::oct ? k.secret : public_pem();
      std::uint8_t mac[EVP_MAX_MD_SIZE];
      unsigned mac_len = 0;
      if (!HMAC(detail::digest_for(alg), secret.data(), secret.size(), input, signing_input.size(),
                mac, &mac_len)) {
        return {};
      }
      return std::string(as_view(mac, mac_len));
    }
    case key_type::rsa: {
      if (!k.rsa) return {};
      const std::string md = digest(alg, signing_input);
      if (md.empty()) return {};
      std::string sig(RSA_size(k.rsa.get()), '\0');
      auto* out = reinterpret_cast<std::uint8_t*>(sig.data());
      const auto* dg = reinterpret_cast<const std::uint8_t*>(md.data());
      if (alg == algorithm::PS256 || alg == algorithm::PS384 || alg == algorithm::PS512) {
        std::size_t out_len = 0;
        if (!RSA_sign_pss_mgf1(k.rsa.get(), &out_len, out, sig.size(), dg, md.size(),
                               detail::digest_for(alg), detail::digest_for(alg),
                               static_cast<int>(hash_size(alg)))) {
          return {};
        }
        sig.resize(out_len);
      } else {
        unsigned out_len = 0;
        if (!RSA_sign(detail::hash_nid(alg), dg, static_cast<unsigned>(md.size()), out, &out_len,
                      k.rsa.get())) {
          return {};
        }
        sig.resize(out_len);
      }
      return sig;
    }
    case key_type::ec: {
      if (!k.ec) return {};
      const std::string md = digest(alg, signing_input);
      if (md.empty()) return {};
      bssl::UniquePtr<ECDSA_SIG> s(
          ECDSA_do_sign(reinterpret_cast<const std::uint8_t*>(md.data()), md.size(), k.ec.get()));
      if (!s) return {};
      const std::size_t width = detail::coordinate_bytes(k.crv);
      std::string sig(2 * width, '\0');
      auto* out = reinterpret_cast<std::uint8_t*>(sig.data());
      if (!BN_bn2bin_padded(out, width, ECDSA_SIG_get0_r(s.get())) ||
          !BN_bn2bin_padded(out + width, width, ECDSA_SIG_get0_s(s.get()))) {
        return {};
      }
      return sig;
    }
    case key_type::okp: {
      if (k.type != key_type::okp) return {};
      std::uint8_t sig[ED25519_SIGNATURE_LEN];
      if (!ED25519_sign(sig, input, signing_input.size(), k.ed_private)) return {};
      return std::string(as_view(sig, sizeof(sig)));
    }
  }
  return {};
}

std::string signing_key::mint(std::string_view payload_json, std::string_view header_json) const {
  std::string header;
  if (header_json.empty()) {
    header = "{";
    member(header, "alg", algorithm_name(impl_->alg));
    member(header, "typ", "JWT");
    if (!impl_->kid.empty()) member(header, "kid", impl_->kid);
    header += "}";
    header_json = header;
  }
  std::string token = b64(header_json);
  token.push_back('.');
  token += b64(payload_json);
  const std::string sig = sign(token);
  token.push_back('.');
  token += b64(sig);
  return token;
}

namespace {

// Opening members shared by the public and private JWK.
void jwk_prefix(std::string& out, key_type type, std::string_view kid, algorithm alg) {
  out = "{";
  member(out, "kty", key_type_name(type));
  if (!kid.empty()) member(out, "kid", kid);
  member(out, "use", "sig");
  member(out, "alg", algorithm_name(alg));
}

}  // namespace

std::string signing_key::public_jwk() const {
  const impl& k = *impl_;
  if (k.type == key_type::oct) return {};
  std::string out;
  jwk_prefix(out, k.type, k.kid, k.alg);
  switch (k.type) {
    case key_type::rsa: {
      const BIGNUM *n = nullptr, *e = nullptr;
      RSA_get0_key(k.rsa.get(), &n, &e, nullptr);
      member(out, "n", bn_b64(n));
      member(out, "e", bn_b64(e));
      break;
    }
    case key_type::ec: {
      const EC_GROUP* group = EC_KEY_get0_group(k.ec.get());
      bssl::UniquePtr<BIGNUM> x(BN_new()), y(BN_new());
      if (!x || !y ||
          !EC_POINT_get_affine_coordinates_GFp(group, EC_KEY_get0_public_key(k.ec.get()), x.get(),
                                               y.get(), nullptr)) {
        return {};
      }
      const std::size_t width = detail::coordinate_bytes(k.crv);
      member(out, "crv", curve_name(k.crv));
      member(out, "x", bn_b64_padded(x.get(), width));
      member(out, "y", bn_b64_padded(y.get(), width));
      break;
    }
    case key_type::okp:
      member(out, "crv", "Ed25519");
      member(out, "x", b64(as_view(k.ed_public, sizeof(k.ed_public))));
      break;
    case key_type::oct:
      break;
  }
  out += "}";
  return out;
}

std::string signing_key::private_jwk() const {
  const impl& k = *impl_;
  if (k.type == key_type::oct) {
    std::string out;
    jwk_prefix(out, k.type, k.kid, k.alg);
    member(out, "k", b64(k.secret));
    out += "}";
    return out;
  }
  std::string out = public_jwk();
  if (out.empty()) return {};
  out.pop_back();  // reopen the object
  switch (k.type) {
    case key_type::rsa: {
      const BIGNUM *d = nullptr, *p = nullptr, *q = nullptr, *dp = nullptr, *dq = nullptr,
                   *qi = nullptr;
      RSA_get0_key(k.rsa.get(), nullptr, nullptr, &d);
      RSA_get0_factors(k.rsa.get(), &p, &q);
      RSA_get0_crt_params(k.rsa.get(), &dp, &dq, &qi);
      if (!d || !p || !q || !dp || !dq || !qi) return {};
      member(out, "d", bn_b64(d));
      member(out, "p", bn_b64(p));
      member(out, "q", bn_b64(q));
      member(out, "dp", bn_b64(dp));
      member(out, "dq", bn_b64(dq));
      member(out, "qi", bn_b64(qi));
      break;
    }
    case key_type::ec:
      member(out, "d",
             bn_b64_padded(EC_KEY_get0_private_key(k.ec.get()), detail::coordinate_bytes(k.crv)));
      break;
    case key_type::okp:
      member(out, "d", b64(as_view(k.ed_private, 32)));
      break;
    case key_type::oct:
      break;
  }
  out += "}";
  return out;
}

bssl::UniquePtr<EVP_PKEY> signing_key::impl::to_evp() const {
  const impl& k = *this;
  switch (k.type) {
    case key_type::rsa: {
      bssl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new());
      if (!pkey || !EVP_PKEY_set1_RSA(pkey.get(), k.rsa.get())) return nullptr;
      return pkey;
    }
    case key_type::ec: {
      bssl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new());
      if (!pkey || !EVP_PKEY_set1_EC_KEY(pkey.get(), k.ec.get())) return nullptr;
      return pkey;
    }
    case key_type::okp:
      return bssl::UniquePtr<EVP_PKEY>(
          EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, k.ed_private, 32));
    case key_type::oct:
      return nullptr;
  }
  return nullptr;
}

std::string signing_key::private_pem() const {
  bssl::UniquePtr<EVP_PKEY> pkey = impl_->to_evp();
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio ||
      !PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
    return {};
  }
  return bio_to_string(bio.get());
}

std::string signing_key::public_pem() const {
  bssl::UniquePtr<EVP_PKEY> pkey = impl_->to_evp();
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || !PEM_write_bio_PUBKEY(bio.get(), pkey.get())) return {};
  return bio_to_string(bio.get());
}

std::string make_jwks(const std::vector<std::string>& jwks) {
  std::string out = "{\"keys\":[";
  for (std::size_t i = 0; i < jwks.size(); ++i) {
    if (i) out.push_back(',');
    out += jwks[i];
  }
  out += "]}";
  return out;
}

}  // namespace jwtx
