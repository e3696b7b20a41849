#include "auth/user_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "auth/user_file.h"
#include "util/hash.h"
#include "util/random_id.h"

namespace silt::auth {

namespace {

constexpr size_t kMinKey = 3, kMaxKey = 128;
constexpr size_t kMinSecret = 8, kMaxSecret = 128;
constexpr size_t kGeneratedSecret = 40;
constexpr std::string_view kSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

s3::Error invalid(std::string message) {
  return s3::Error(s3::Code::InvalidArgument, std::move(message));
}

bool key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_+=,.@-").find(c) != std::string_view::npos;
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

std::string encode_user(const Credential& c) {
  return nlohmann::json{{"accessKey", c.access_key},
                        {"secretKey", c.secret_key},
                        {"created", c.created_ms},
                        {"canonicalId", c.canonical_id},
                        {"displayName", c.display_name}}
      .dump();
}

s3::Result<Credential> decode_user(const std::string& json_text, const std::string& where) {
  auto u = nlohmann::json::parse(json_text, nullptr, false);
  if (!u.is_object() || !u.contains("accessKey") || !u["accessKey"].is_string() || !u.contains("secretKey") ||
      !u["secretKey"].is_string())
    return s3::Error(s3::Code::InternalError, where + "a user without accessKey and secretKey strings");
  Credential c;
  c.access_key = u["accessKey"].get<std::string>();
  c.secret_key = u["secretKey"].get<std::string>();
  c.user = c.access_key;
  c.created_ms = u.contains("created") && u["created"].is_number_integer() ? u["created"].get<int64_t>() : 0;
  if (auto st = validate_access_key(c.access_key); !st) return s3::Error(st.error().code, where + st.error().message);
  if (auto st = validate_secret_key(c.secret_key); !st)
    return s3::Error(st.error().code, where + c.access_key + ": " + st.error().message);
  c.display_name =
      u.contains("displayName") && u["displayName"].is_string() ? u["displayName"].get<std::string>() : c.access_key;
  if (u.contains("canonicalId") && u["canonicalId"].is_string()) {
    auto id = validate_canonical_id(u["canonicalId"].get<std::string>());
    if (!id) return s3::Error(id.error().code, where + c.access_key + ": " + id.error().message);
    c.canonical_id = std::move(*id);
  }
  return c;
}

s3::Result<std::unique_ptr<UserStore>> UserStore::open(std::string path, Credential root) {
  return open(std::make_unique<UserFile>(std::move(path)), std::move(root));
}

s3::Result<std::unique_ptr<UserStore>> UserStore::open(std::unique_ptr<UserBacking> backing, Credential root) {
  std::unique_ptr<UserStore> store(new UserStore(std::move(backing), std::move(root)));
  if (store->root_.canonical_id.empty()) store->root_.canonical_id = derived_canonical_id(store->root_.access_key);
  if (store->root_.display_name.empty()) store->root_.display_name = store->root_.user;
  store->creds_.add(store->root_);
  if (auto st = store->reload(); !st) return st.error();
  return store;
}

s3::Status UserStore::reload() {
  std::lock_guard lock(reload_mu_);
  auto stored = backing_->load();
  if (!stored) return stored.error();
  std::vector<Credential> all{root_};
  for (auto& c : *stored) {
    if (c.access_key == root_.access_key) continue;  // the environment's root wins
    if (std::any_of(all.begin(), all.end(), [&](const Credential& o) { return o.canonical_id == c.canonical_id; }))
      return s3::Error(s3::Code::InternalError,
                       "users in " + backing_->where() + ": " + c.access_key + ": canonical id used twice");
    all.push_back(std::move(c));
  }
  // Changed and new users replace theirs in place, then the gone ones go: a user in
  // both sets is never missing for a moment.
  std::set<std::string, std::less<>> keep;
  for (auto& c : all) {
    keep.insert(c.access_key);
    creds_.add(std::move(c));
  }
  for (const auto& c : creds_.list())
    if (!keep.count(c.access_key)) creds_.remove(c.access_key);
  return {};
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

  if (creds_.find(access_key)) return invalid("The user " + c.access_key + " exists already");
  if (creds_.find_by_canonical_id(c.canonical_id))
    return invalid("Another user has the canonical id " + c.canonical_id);
  // Stored first (the store decides a race between gateways): a user that could not be
  // saved must not work until the next restart only.
  if (auto st = backing_->insert(c); !st) return st.error();
  creds_.add(c);
  return c;
}

s3::Status UserStore::remove(std::string_view access_key) {
  if (access_key == root_.access_key) return invalid("The admin user cannot be removed");
  if (!creds_.find(access_key)) return invalid("There is no user " + std::string(access_key));
  if (auto st = backing_->erase(access_key); !st) return st;
  creds_.remove(access_key);
  return {};
}

std::vector<UserEntry> UserStore::list() const {
  std::vector<UserEntry> out{{root_.access_key, root_.created_ms, true, root_.canonical_id, root_.display_name}};
  for (const auto& c : creds_.list())
    if (c.access_key != root_.access_key)
      out.push_back({c.access_key, c.created_ms, false, c.canonical_id, c.display_name});
  return out;
}

}  // namespace silt::auth
