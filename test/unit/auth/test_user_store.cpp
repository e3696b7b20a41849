// auth::UserStore: validation, generated secrets, users.json round trips, and lookups
// racing with adds and removes.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "auth/user_store.h"

using silt::auth::Credential;
using silt::auth::UserStore;
namespace fs = std::filesystem;

namespace {

const Credential kRoot{"root", "root-secret-1", "root", 0};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/silt-users-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const char* name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

std::unique_ptr<UserStore> open(const std::string& path) {
  auto s = UserStore::open(path, kRoot);
  REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace

TEST_CASE("access keys and secrets are validated") {
  using silt::auth::validate_access_key;
  using silt::auth::validate_secret_key;
  CHECK(validate_access_key("abc").ok());
  CHECK(validate_access_key("AKIA_x+y=z,w.v@u-1").ok());
  CHECK(validate_access_key(std::string(128, 'a')).ok());
  CHECK_FALSE(validate_access_key("ab").ok());
  CHECK_FALSE(validate_access_key(std::string(129, 'a')).ok());
  CHECK_FALSE(validate_access_key("has space").ok());
  CHECK_FALSE(validate_access_key("slash/no").ok());
  CHECK_FALSE(validate_access_key("colon:no").ok());
  CHECK(validate_access_key("x/y").error().code == s3::Code::InvalidArgument);

  CHECK(validate_secret_key("12345678").ok());
  CHECK(validate_secret_key("!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").ok());
  CHECK_FALSE(validate_secret_key("1234567").ok());
  CHECK_FALSE(validate_secret_key(std::string(129, 'x')).ok());
  CHECK_FALSE(validate_secret_key("with space").ok());
  CHECK_FALSE(validate_secret_key("tab\there1").ok());
  CHECK_FALSE(validate_secret_key("caf\xc3\xa9-secret").ok());
}

TEST_CASE("generated secrets are 40 alphanumerics and differ") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; i++) {
    auto s = silt::auth::generate_secret_key();
    REQUIRE(s.ok());
    CHECK(s->size() == 40);
    CHECK(s->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
    CHECK(silt::auth::validate_secret_key(*s).ok());
    seen.insert(*s);
  }
  CHECK(seen.size() == 200);
}

TEST_CASE("users survive a reopen; the file is 0600; the root is never stored or removable") {
  TempDir dir;
  const std::string path = dir.file("users.json");
  {
    auto store = open(path);
    CHECK_FALSE(fs::exists(path));  // nothing added, nothing written
    REQUIRE(store->credentials().find("root"));
    auto alice = store->add("alice", "alice-secret", 1000);
    REQUIRE(alice.ok());
    CHECK(alice->secret_key == "alice-secret");
    auto bob = store->add("bob", "", 2000);
    REQUIRE(bob.ok());
    CHECK(bob->secret_key.size() == 40);
    CHECK(store->credentials().find("bob")->secret_key == bob->secret_key);

    CHECK(store->add("alice", "other-secret", 3000).error().code == s3::Code::InvalidArgument);
    CHECK(store->add("root", "other-secret", 3000).error().code == s3::Code::InvalidArgument);
    CHECK(store->add("no", "other-secret", 3000).error().code == s3::Code::InvalidArgument);
    CHECK(store->add("carol", "short", 3000).error().code == s3::Code::InvalidArgument);
    CHECK_FALSE(store->credentials().find("carol"));
    CHECK(store->remove("root").error().code == s3::Code::InvalidArgument);
    CHECK(store->remove("nobody").error().code == s3::Code::InvalidArgument);
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("root-secret-1") == std::string::npos);
  CHECK(text.find("alice-secret") != std::string::npos);

  auto store = open(path);
  auto list = store->list();
  REQUIRE(list.size() == 3);
  CHECK(list[0].access_key == "root");
  CHECK(list[0].admin);
  CHECK(list[1].access_key == "alice");
  CHECK(list[1].created_ms == 1000);
  CHECK_FALSE(list[1].admin);
  CHECK(list[2].access_key == "bob");
  CHECK(store->credentials().find("alice")->secret_key == "alice-secret");

  REQUIRE(store->remove("alice").ok());
  CHECK_FALSE(store->credentials().find("alice"));
  CHECK(open(path)->list().size() == 2);
  CHECK_FALSE(open(path)->credentials().find("alice"));
}

TEST_CASE("the environment's root wins over a stored user with its key") {
  TempDir dir;
  const std::string path = dir.file("users.json");
  std::ofstream(path) << R"({"version":1,"users":[{"accessKey":"root","secretKey":"stolen-secret","created":5},
                                             {"accessKey":"dave","secretKey":"dave-secret","created":6}]})";
  auto store = open(path);
  CHECK(store->credentials().find("root")->secret_key == "root-secret-1");
  CHECK(store->credentials().find("dave")->secret_key == "dave-secret");
  CHECK(store->list().size() == 2);
}

TEST_CASE("a damaged users file stops the server instead of dropping users") {
  TempDir dir;
  const std::string path = dir.file("users.json");
  for (const char* text : {"not json", "[]", R"({"version":1})", R"({"version":2,"users":[]})",
                           R"({"version":1,"users":[{"accessKey":"x y","secretKey":"12345678"}]})",
                           R"({"version":1,"users":[{"accessKey":"eve","secretKey":"short"}]})",
                           R"({"version":1,"users":[{"accessKey":"eve"}]})"}) {
    std::ofstream(path, std::ios::trunc) << text;
    CHECK_FALSE(UserStore::open(path, kRoot).ok());
  }
}

TEST_CASE("a save that fails leaves the user out") {
  TempDir dir;
  auto store = open(dir.file("missing-dir/users.json"));
  auto r = store->add("alice", "alice-secret", 1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == s3::Code::InternalError);
  CHECK_FALSE(store->credentials().find("alice"));
}

TEST_CASE("lookups run while users are added and removed") {
  TempDir dir;
  auto store = open(dir.file("users.json"));
  std::atomic<bool> done{false};
  std::atomic<int> root_misses{0}, torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; t++) {
    readers.emplace_back([&] {
      while (!done) {
        if (!store->credentials().find("root")) root_misses++;
        for (int i = 0; i < 8; i++) {
          auto c = store->credentials().find("user" + std::to_string(i));
          // A credential is seen whole or not at all.
          if (c && c->secret_key != "secret-of-user" + std::to_string(i)) torn++;
        }
      }
    });
  }
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 8; i++)
      REQUIRE(store->add("user" + std::to_string(i), "secret-of-user" + std::to_string(i), round).ok());
    for (int i = 0; i < 8; i += 2) REQUIRE(store->remove("user" + std::to_string(i)).ok());
    for (int i = 1; i < 8; i += 2) REQUIRE(store->remove("user" + std::to_string(i)).ok());
  }
  // Concurrent adds of one key: exactly one wins.
  std::atomic<int> wins{0};
  std::vector<std::thread> adders;
  for (int t = 0; t < 4; t++)
    adders.emplace_back([&] {
      if (store->add("contested", "contested-secret", 1).ok()) wins++;
    });
  for (auto& t : adders) t.join();
  done = true;
  for (auto& t : readers) t.join();
  CHECK(wins == 1);
  CHECK(root_misses == 0);
  CHECK(torn == 0);
  CHECK(open(dir.file("users.json"))->list().size() == 2);
}
