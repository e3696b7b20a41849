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
  // A session's entry for as long as this lives: Session::run() holds one, so however
  // its coroutine ends (an exception included) the entry goes with it.
  class Registration {
   public:
    Registration(SessionRegistry& registry, const std::shared_ptr<Session>& s) : registry_(registry), s_(s.get()) {
      registry_.add(s);
    }
    ~Registration() { registry_.remove(s_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    SessionRegistry& registry_;
    Session* s_;
  };

  void add(const std::shared_ptr<Session>& s);
  void remove(Session* s);
  // Asks every session to close if it sits between requests.
  void close_idle();

 private:
  std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace silt::server
