#include "auth/user_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/random_id.h"

namespace silt::auth {

namespace {

constexpr int kFileVersion = 1;

s3::Error io_error(const std::string& what, const std::string& path) {
  return s3::Error(s3::Code::InternalError, what + " " + path + ": " + std::strerror(errno));
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

s3::Error invalid(std::string message) {
  return s3::Error(s3::Code::InvalidArgument, std::move(message));
}

}  // namespace

s3::Result<std::vector<Credential>> UserFile::read() const {
  std::vector<Credential> out;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec) && !ec) return out;  // no users added yet
  std::ifstream in(path_, std::ios::binary);
  if (!in) return io_error("cannot read", path_);
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  const std::string where = "users file " + path_ + ": ";
  if (j.is_discarded() || !j.is_object() || !j.contains("users") || !j["users"].is_array())
    return s3::Error(s3::Code::InternalError, where + "not a JSON object with a \"users\" array");
  if (j.value("version", 0) != kFileVersion)
    return s3::Error(s3::Code::InternalError, where + "unknown version (this silt reads version 1)");
  for (const auto& u : j["users"]) {
    auto c = decode_user(u.dump(), where);
    if (!c) return c.error();
    out.push_back(std::move(*c));
  }
  return out;
}

s3::Result<std::vector<Credential>> UserFile::load() {
  std::lock_guard lock(mu_);
  auto users = read();
  if (!users) return users.error();
  bool missing_ids = false;
  for (auto& c : *users)
    if (c.canonical_id.empty()) {
      c.canonical_id = random_hex(64);
      missing_ids = true;
    }
  if (missing_ids)
    if (auto st = save(*users); !st) return st.error();
  return users;
}

s3::Status UserFile::save(const std::vector<Credential>& users) const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : users) list.push_back(nlohmann::json::parse(encode_user(c)));
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

s3::Status UserFile::insert(const Credential& c) {
  std::lock_guard lock(mu_);
  auto users = read();
  if (!users) return users.error();
  for (const auto& u : *users) {
    if (u.access_key == c.access_key) return invalid("The user " + c.access_key + " exists already");
    if (u.canonical_id == c.canonical_id) return invalid("Another user has the canonical id " + c.canonical_id);
  }
  users->push_back(c);
  return save(*users);
}

s3::Status UserFile::erase(std::string_view access_key) {
  std::lock_guard lock(mu_);
  auto users = read();
  if (!users) return users.error();
  auto gone = std::erase_if(*users, [&](const Credential& u) { return u.access_key == access_key; });
  if (!gone) return invalid("There is no user " + std::string(access_key));
  return save(*users);
}

}  // namespace silt::auth
