// The access keys silt admits: the root (admin) credential from the environment, which is
// always there and cannot be removed, plus the users `silt admin user add` created.
//
// The added users are kept by a UserBacking (auth/user_backing.h): users.json on one
// machine, the cluster with the RADOS backend. This class validates, decides and keeps
// the set signature verification looks up; reload() takes the store's current set
// (the RADOS wiring calls it when another gateway changed a user).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.h"
#include "auth/user_backing.h"
#include "common/error.h"

namespace silt::auth {

// 3..128 characters of [A-Za-z0-9_+=,.@-]. InvalidArgument otherwise.
s3::Status validate_access_key(std::string_view key);
// 8..128 printable ASCII characters, no spaces. InvalidArgument otherwise.
s3::Status validate_secret_key(std::string_view secret);
// 40 characters of [A-Za-z0-9] from OpenSSL's CSPRNG (about 238 bits).
s3::Result<std::string> generate_secret_key();
// 64 hex characters (AWS's canonical user id form); upper case is taken as lower.
// InvalidArgument otherwise.
s3::Result<std::string> validate_canonical_id(std::string_view id);
// 1..128 bytes, no control characters. InvalidArgument otherwise.
s3::Status validate_display_name(std::string_view name);
// The canonical id of a name no stored user carries one for: the root user (whose key
// comes from the environment, so nothing is stored for it) and the owners of buckets
// whose user was removed. SHA-256 of the name, so it is the same on every start.
std::string derived_canonical_id(std::string_view name);

// What `silt admin user add --display-name/--canonical-id` ask for; empty: the default
// (the access key; a fresh random id).
struct UserNames {
  std::string display_name;
  std::string canonical_id;
};

struct UserEntry {
  std::string access_key;
  int64_t created_ms = 0;
  bool admin = false;
  std::string canonical_id;
  std::string display_name;
};

class UserStore {
 public:
  // Loads path (a missing file is an empty store). The root credential is always present;
  // a stored user with the root's access key is ignored. Fails on an unreadable or
  // malformed file rather than starting without users that exist. Users stored before
  // canonical ids get one now, written back at once so it never changes.
  static s3::Result<std::unique_ptr<UserStore>> open(std::string path, Credential root);
  // The same over any backing (the RADOS one: cmd/rados_users.h).
  static s3::Result<std::unique_ptr<UserStore>> open(std::unique_ptr<UserBacking> backing, Credential root);

  // Replaces the looked-up set with the store's, all at once. On an error the set stays
  // as it was. Safe beside add/remove: a reload that read before an add and lands after
  // it is followed by the reload that add's notify causes.
  s3::Status reload();

  // What signature verification looks up; sees adds and removes at once.
  const CredentialStore& credentials() const { return creds_; }
  const std::string& admin_user() const { return root_.user; }
  std::string where() const { return backing_->where(); }

  // Empty secret: one is generated. Returns the stored credential (with its secret).
  // InvalidArgument for a bad key, secret, display name or canonical id, or a key or
  // canonical id that exists already (in the store: another gateway's add counts).
  s3::Result<Credential> add(std::string_view access_key, std::string_view secret, int64_t now_ms,
                             const UserNames& names = {});
  // InvalidArgument for the root key or an unknown key.
  s3::Status remove(std::string_view access_key);
  // The root first, then the others by access key. Never secrets.
  std::vector<UserEntry> list() const;

 private:
  UserStore(std::unique_ptr<UserBacking> backing, Credential root)
      : backing_(std::move(backing)), root_(std::move(root)) {}

  std::unique_ptr<UserBacking> backing_;
  Credential root_;
  CredentialStore creds_;
  std::mutex reload_mu_;  // one reload at a time, so the last one read last
};

}  // namespace silt::auth
