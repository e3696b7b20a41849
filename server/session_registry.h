// The live sessions of a server, so a graceful stop can close idle connections
// while requests in flight finish.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

namespace silt::server {

class Session;

class SessionRegistry {
 public:
  void add(const std::shared_ptr<Session>& s);
  void remove(Session* s);
  // Asks every session to close if it sits between requests.
  void close_idle();

 private:
  std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace silt::server
