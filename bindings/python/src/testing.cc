// jwtx._testing: key generation and token minting (engine/signer.h) for tests and benches.
// Test-only: a verifier never needs a signing key, and these helpers make no attempt to protect
// the private keys they generate.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "engine/jws/algorithm.h"
#include "engine/signer.h"

namespace py = pybind11;

namespace jwtx::python {
namespace {

algorithm algorithm_or_raise(const std::string& name) {
  auto a = algorithm_from_name(name);
  if (!a) throw py::value_error("unknown algorithm \"" + name + "\"");
  return *a;
}

py::bytes as_bytes(const std::string& s) { return py::bytes(s.data(), s.size()); }

}  // namespace

void register_testing(py::module_& m) {
  py::class_<signing_key>(m, "SigningKey", "A private key that mints tokens (test-only).")
      .def_static(
          "generate",
          [](const std::string& alg, std::string kid, unsigned rsa_bits) {
            std::string error;
            auto k =
                signing_key::generate(algorithm_or_raise(alg), std::move(kid), rsa_bits, &error);
            if (!k) throw py::value_error(error);
            return std::move(*k);
          },
          py::arg("alg"), py::arg("kid") = "", py::arg("rsa_bits") = 2048)
      .def_static(
          "from_private_jwk",
          [](const std::string& jwk) {
            std::string error;
            auto k = signing_key::from_private_jwk(jwk, std::nullopt, &error);
            if (!k) throw py::value_error(error);
            return std::move(*k);
          },
          py::arg("jwk"))
      .def_static(
          "from_hmac_secret",
          [](const std::string& secret, const std::string& alg, std::string kid) {
            return signing_key::from_hmac_secret(secret, algorithm_or_raise(alg), std::move(kid));
          },
          py::arg("secret"), py::arg("alg"), py::arg("kid") = "")
      .def_property_readonly("alg", [](const signing_key& k) { return algorithm_name(k.alg()); })
      .def_property_readonly("kid", &signing_key::kid)
      .def(
          "mint",
          [](const signing_key& k, const std::string& payload, const std::string& header) {
            return k.mint(payload, header);
          },
          py::arg("payload"), py::arg("header") = "",
          "header_b64.payload_b64.sig_b64; |header| verbatim, or the default header when empty.")
      .def(
          "sign",
          [](const signing_key& k, const std::string& signing_input,
             std::optional<std::string> alg) {
            return as_bytes(alg ? k.sign_as(algorithm_or_raise(*alg), signing_input)
                                : k.sign(signing_input));
          },
          py::arg("signing_input"), py::arg("alg") = py::none())
      .def("public_jwk", &signing_key::public_jwk)
      .def("private_jwk", &signing_key::private_jwk)
      .def("public_pem", &signing_key::public_pem)
      .def("private_pem", &signing_key::private_pem);
  m.def("make_jwks", &make_jwks, py::arg("jwks"), "{\"keys\":[...]} from JWK object strings.");
}

}  // namespace jwtx::python
