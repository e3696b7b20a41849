// The users of a single-node silt: users.json beside the index directory (mode 0600),
// not in LevelDB, so rebuilding the index never has to restore them. Secrets are kept
// in plain text because SigV4 verification needs the secret itself, not a hash of it.
#pragma once

#include <mutex>
#include <string>

#include "auth/user_backing.h"

namespace silt::auth {

class UserFile final : public UserBacking {
 public:
  explicit UserFile(std::string path) : path_(std::move(path)) {}

  // A missing file is no users. Users stored before canonical ids get a random one
  // now, written back at once so it never changes.
  s3::Result<std::vector<Credential>> load() override;
  // Each rewrites the whole file atomically (temporary file, fsync, rename, fsync of
  // the folder); this process is its only writer.
  s3::Status insert(const Credential& c) override;
  s3::Status erase(std::string_view access_key) override;
  std::string where() const override { return path_; }

 private:
  s3::Result<std::vector<Credential>> read() const;
  s3::Status save(const std::vector<Credential>& users) const;

  const std::string path_;
  std::mutex mu_;  // one load-change-save at a time
};

}  // namespace silt::auth
