#include "engine/keys/key_store.h"

#include <utility>

namespace jwtx {

key_store::key_store(std::shared_ptr<const key_set> initial) : cell_(std::move(initial)) {}

key_store::~key_store() = default;

key_store::snapshot key_store::read() const noexcept { return snapshot(cell_); }

void key_store::publish(std::shared_ptr<const key_set> next) { cell_.publish(std::move(next)); }

std::shared_ptr<const key_set> key_store::current() const { return cell_.current(); }

}  // namespace jwtx
