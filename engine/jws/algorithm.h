// JWS signature algorithms (RFC 7518 §3, RFC 8037) and the key types they bind to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace jwtx {

enum class algorithm : std::uint8_t {
  HS256,
  HS384,
  HS512,
  RS256,
  RS384,
  RS512,
  PS256,
  PS384,
  PS512,
  ES256,
  ES384,
  ES512,
  EdDSA,
};
inline constexpr int kAlgorithmCount = static_cast<int>(algorithm::EdDSA) + 1;

enum class key_type : std::uint8_t { oct, rsa, ec, okp };

// Curves for EC and OKP keys; none for oct/RSA.
enum class curve : std::uint8_t { none, p256, p384, p521, ed25519 };

// "HS256", ..., "EdDSA". Never fails.
std::string_view algorithm_name(algorithm a) noexcept;

// Exact, case-sensitive match of a JWS "alg" value. "none" (any spelling) and every algorithm jwtx
// does not implement give std::nullopt.
std::optional<algorithm> algorithm_from_name(std::string_view name) noexcept;

// The key type an algorithm requires.
key_type required_key_type(algorithm a) noexcept;

// The curve an algorithm requires (ES256 -> P-256, EdDSA -> Ed25519), curve::none for HS/RS/PS.
curve required_curve(algorithm a) noexcept;

// Digest length in bytes of the algorithm's hash (HS256 -> 32, ES512 -> 64, EdDSA -> 64).
std::size_t hash_size(algorithm a) noexcept;

std::string_view key_type_name(key_type t) noexcept;  // "oct", "RSA", "EC", "OKP"
std::string_view curve_name(curve c) noexcept;        // "", "P-256", "P-384", "P-521", "Ed25519"

// A small bit set of algorithms, used for allow-lists (no allocation, trivially copyable).
class algorithm_set {
 public:
  constexpr algorithm_set() = default;
  constexpr algorithm_set(std::initializer_list<algorithm> algs) {
    for (algorithm a : algs) add(a);
  }
  constexpr void add(algorithm a) { bits_ |= 1u << static_cast<unsigned>(a); }
  constexpr bool contains(algorithm a) const { return bits_ & (1u << static_cast<unsigned>(a)); }
  constexpr bool empty() const { return bits_ == 0; }
  static constexpr algorithm_set all() {
    algorithm_set s;
    s.bits_ = (1u << kAlgorithmCount) - 1;
    return s;
  }

 private:
  std::uint32_t bits_ = 0;
};

// Parses "RS256,ES256" into a set. Returns std::nullopt (and the offending name in *bad) if any
// entry is unknown, which includes "none".
std::optional<algorithm_set> parse_algorithm_list(std::string_view csv, std::string_view* bad);

}  // namespace jwtx
