#include "engine/revocation.h"

namespace jwtx {

void revocation_set::add(std::string_view jti) {
  std::unique_lock lock(mu_);
  jtis_.emplace(jti);
}

bool revocation_set::remove(std::string_view jti) {
  std::unique_lock lock(mu_);
  auto it = jtis_.find(jti);
  if (it == jtis_.end()) return false;
  jtis_.erase(it);
  return true;
}

bool revocation_set::contains(std::string_view jti) const {
  std::shared_lock lock(mu_);
  return jtis_.find(jti) != jtis_.end();
}

std::size_t revocation_set::size() const {
  std::shared_lock lock(mu_);
  return jtis_.size();
}

}  // namespace jwtx
