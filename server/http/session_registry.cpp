#include "server/http/session_registry.h"

#include <vector>

#include "server/http/session.h"

namespace silt::server {

void SessionRegistry::add(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(mu_);
  sessions_[s.get()] = s;
}

void SessionRegistry::remove(Session* s) {
  std::lock_guard lock(mu_);
  sessions_.erase(s);
}

void SessionRegistry::close_idle() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->close_if_idle();
}

}  // namespace silt::server
