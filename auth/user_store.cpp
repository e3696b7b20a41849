#include "auth/user_store.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/hash.h"
#include "util/random_id.h"

namespace silt::auth {

namespace {

constexpr size_t kMinKey = 3, kMaxKey = 128;
constexpr size_t kMinSecret = 8, kMaxSecret = 128;
constexpr size_t kGeneratedSecret = 40;
constexpr std::string_view kSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr int kFileVersion = 1;

s3::Error invalid(std::string message) {
  return s3::Error(s3::Code::InvalidArgument, std::move(message));
}

s3::Error io_error(const std::string& what, const std::string& path) {
  return s3::Error(s3::Code::InternalError, what + " " + path + ": " + std::strerror(errno));
}

bool key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_+=,.@-").find(c) != std::string_view::npos;
}

s3::Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// The directory entry of a renamed file is durable only once its directory is synced.
s3::Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot sync", dir);
  return {};
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

s3::Result<std::string> validate_canonical_id(std::string_view id) {
  std::string out(id);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  if (out.size() != 64 || !std::all_of(out.begin(), out.end(), is_hex))
    return invalid("A canonical id is 64 hexadecimal characters");
  return out;
}

s3::Status validate_display_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return invalid("A display name must be 1 to 128 bytes long");
  if (!std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; }))
    return invalid("A display name may not contain control characters");
  return {};
}

std::string derived_canonical_id(std::string_view name) {
  return sha256_hex("silt canonical id\n" + std::string(name));
}

s3::Status validate_access_key(std::string_view key) {
  if (key.size() < kMinKey || key.size() > kMaxKey) return invalid("An access key must be 3 to 128 characters long");
  if (!std::all_of(key.begin(), key.end(), key_char))
    return invalid("An access key may contain only letters, digits and _+=,.@-");
  return {};
}

s3::Status validate_secret_key(std::string_view secret) {
  if (secret.size() < kMinSecret || secret.size() > kMaxSecret)
    return invalid("A secret key must be 8 to 128 characters long");
  if (!std::all_of(secret.begin(), secret.end(), [](char c) { return c > ' ' && c < 0x7f; }))
    return invalid("A secret key may contain only printable ASCII characters without spaces");
  return {};
}

s3::Result<std::string> generate_secret_key() {
  // Rejection sampling: bytes past the largest multiple of the alphabet size would
  // make the first characters more likely than the others.
  constexpr unsigned kLimit = 256 - 256 % kSecretAlphabet.size();
  std::string out;
  unsigned char buf[64];
  while (out.size() < kGeneratedSecret) {
    if (RAND_bytes(buf, sizeof buf) != 1)
      return s3::Error(s3::Code::InternalError, "the random number generator failed");
    for (unsigned char b : buf) {
      if (b >= kLimit) continue;
      out += kSecretAlphabet[b % kSecretAlphabet.size()];
      if (out.size() == kGeneratedSecret) break;
    }
  }
  return out;
}

s3::Result<std::unique_ptr<UserStore>> UserStore::open(std::string path, Credential root) {
  std::unique_ptr<UserStore> store(new UserStore(std::move(path), std::move(root)));
  if (store->root_.canonical_id.empty()) store->root_.canonical_id = derived_canonical_id(store->root_.access_key);
  if (store->root_.display_name.empty()) store->root_.display_name = store->root_.user;
  store->creds_.add(store->root_);
  std::error_code ec;
  if (!std::filesystem::exists(store->path_, ec) && !ec) return store;  // no users added yet
  std::ifstream in(store->path_, std::ios::binary);
  if (!in) return io_error("cannot read", store->path_);
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  const std::string where = "users file " + store->path_ + ": ";
  bool missing_ids = false;
  if (j.is_discarded() || !j.is_object() || !j.contains("users") || !j["users"].is_array())
    return s3::Error(s3::Code::InternalError, where + "not a JSON object with a \"users\" array");
  if (j.value("version", 0) != kFileVersion)
    return s3::Error(s3::Code::InternalError, where + "unknown version (this silt reads version 1)");
  for (const auto& u : j["users"]) {
    if (!u.is_object() || !u.contains("accessKey") || !u["accessKey"].is_string() || !u.contains("secretKey") ||
        !u["secretKey"].is_string())
      return s3::Error(s3::Code::InternalError, where + "a user without accessKey and secretKey strings");
    Credential c;
    c.access_key = u["accessKey"].get<std::string>();
    c.secret_key = u["secretKey"].get<std::string>();
    c.user = c.access_key;
    c.created_ms = u.value("created", int64_t{0});
    if (auto st = validate_access_key(c.access_key); !st) return s3::Error(st.error().code, where + st.error().message);
    if (auto st = validate_secret_key(c.secret_key); !st)
      return s3::Error(st.error().code, where + c.access_key + ": " + st.error().message);
    if (c.access_key == store->root_.access_key) continue;  // the environment's root wins
    c.display_name =
        u.contains("displayName") && u["displayName"].is_string() ? u["displayName"].get<std::string>() : c.access_key;
    if (u.contains("canonicalId") && u["canonicalId"].is_string()) {
      auto id = validate_canonical_id(u["canonicalId"].get<std::string>());
      if (!id) return s3::Error(id.error().code, where + c.access_key + ": " + id.error().message);
      c.canonical_id = std::move(*id);
    } else {
      c.canonical_id = random_hex(64);
      missing_ids = true;
    }
    if (store->creds_.find_by_canonical_id(c.canonical_id))
      return s3::Error(s3::Code::InternalError, where + c.access_key + ": canonical id used twice");
    store->creds_.insert(std::move(c));
  }
  if (missing_ids)
    if (auto st = store->save(store->added_users()); !st) return st.error();
  return store;
}

std::vector<Credential> UserStore::added_users() const {
  std::vector<Credential> out = creds_.list();
  std::erase_if(out, [&](const Credential& c) { return c.access_key == root_.access_key; });
  return out;
}

s3::Status UserStore::save(const std::vector<Credential>& users) const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : users)
    list.push_back({{"accessKey", c.access_key},
                    {"secretKey", c.secret_key},
                    {"created", c.created_ms},
                    {"canonicalId", c.canonical_id},
                    {"displayName", c.display_name}});
  std::string text = nlohmann::json{{"version", kFileVersion}, {"users", list}}.dump(2) + "\n";

  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("cannot create", tmp);
  // O_CREAT's mode only applies to a new file; a leftover tmp keeps its own.
  s3::Status st;
  if (::fchmod(fd, 0600) != 0) st = io_error("cannot chmod", tmp);
  if (st) st = write_all(fd, text, tmp);
  if (st && ::fsync(fd) != 0) st = io_error("cannot sync", tmp);
  ::close(fd);
  if (st && ::rename(tmp.c_str(), path_.c_str()) != 0) st = io_error("cannot rename to", path_);
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  std::string dir = std::filesystem::path(path_).parent_path().string();
  return sync_dir(dir.empty() ? "." : dir);
}

s3::Result<Credential> UserStore::add(std::string_view access_key, std::string_view secret, int64_t now_ms,
                                      const UserNames& names) {
  if (auto st = validate_access_key(access_key); !st) return st.error();
  Credential c;
  c.access_key = std::string(access_key);
  c.user = c.access_key;
  c.created_ms = now_ms;
  c.display_name = names.display_name.empty() ? c.access_key : names.display_name;
  if (auto st = validate_display_name(c.display_name); !st) return st.error();
  if (names.canonical_id.empty()) {
    c.canonical_id = random_hex(64);
  } else {
    auto id = validate_canonical_id(names.canonical_id);
    if (!id) return id.error();
    c.canonical_id = std::move(*id);
  }
  if (secret.empty()) {
    auto generated = generate_secret_key();
    if (!generated) return generated.error();
    c.secret_key = std::move(*generated);
  } else {
    if (auto st = validate_secret_key(secret); !st) return st.error();
    c.secret_key = std::string(secret);
  }

  std::lock_guard lock(write_mu_);
  if (creds_.find(access_key)) return invalid("The user " + c.access_key + " exists already");
  if (creds_.find_by_canonical_id(c.canonical_id))
    return invalid("Another user has the canonical id " + c.canonical_id);
  // On disk first: a user that could not be saved must not work until the next restart only.
  std::vector<Credential> users = added_users();
  users.push_back(c);
  if (auto st = save(users); !st) return st.error();
  creds_.insert(c);
  return c;
}

s3::Status UserStore::remove(std::string_view access_key) {
  if (access_key == root_.access_key) return invalid("The admin user cannot be removed");
  std::lock_guard lock(write_mu_);
  if (!creds_.find(access_key)) return invalid("There is no user " + std::string(access_key));
  std::vector<Credential> users = added_users();
  std::erase_if(users, [&](const Credential& c) { return c.access_key == access_key; });
  if (auto st = save(users); !st) return st;
  creds_.remove(access_key);
  return {};
}

std::vector<UserEntry> UserStore::list() const {
  std::vector<UserEntry> out{{root_.access_key, root_.created_ms, true, root_.canonical_id, root_.display_name}};
  for (const auto& c : added_users())
    out.push_back({c.access_key, c.created_ms, false, c.canonical_id, c.display_name});
  return out;
}

}  // namespace silt::auth
