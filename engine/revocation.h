// jwtx::revocation_set — revoked "jti" values.
//
// For now a plain in-memory set behind a reader-writer lock (the fleet-wide, lock-free version
// replaces it in a later issue). Thread-safety: all members may be called concurrently.
#pragma once

#include <cstddef>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace jwtx {

class revocation_set {
 public:
  void add(std::string_view jti);
  bool remove(std::string_view jti);
  bool contains(std::string_view jti) const;
  std::size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::set<std::string, std::less<>> jtis_;
};

}  // namespace jwtx
