#include "rados/users.h"

#include <cerrno>
#include <map>
#include <set>

#include "rados/backend.h"
#include "rados/watch.h"

namespace silt::rados {

namespace {

std::string user_entry(std::string_view access_key) {
  return "u" + std::string(access_key);
}
std::string id_entry(std::string_view canonical_id) {
  return "n" + std::string(canonical_id);
}

s3::Error invalid(std::string message) {
  return s3::Error(s3::Code::InvalidArgument, std::move(message));
}

}  // namespace

s3::Result<std::vector<std::string>> load_users(librados::IoCtx& io) {
  std::vector<std::string> out;
  std::string after;
  for (bool more = true; more;) {
    librados::ObjectReadOperation op;
    std::map<std::string, bufferlist> page;
    int rv = 0;
    op.omap_get_vals2(after, "u", 1000, &page, &more, &rv);
    int r = io.operate(kUsersObject, &op, nullptr);
    if (r == -ENOENT) return out;  // no user added yet
    if (r < 0 || rv < 0) return rados_error("read users in", kUsersObject, r < 0 ? r : rv);
    for (auto& [k, v] : page) out.push_back(v.to_str());
    if (page.empty()) break;
    after = page.rbegin()->first;
  }
  return out;
}

s3::Status insert_user(librados::IoCtx& io, std::string_view access_key, std::string_view canonical_id,
                       std::string_view value) {
  const std::string ue = user_entry(access_key), ne = id_entry(canonical_id);
  librados::ObjectWriteOperation op;
  op.create(false);
  int rv = 0;
  op.omap_cmp({{ue, {bufferlist(), LIBRADOS_CMPXATTR_OP_EQ}}, {ne, {bufferlist(), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
  op.omap_set({{ue, to_bl(value)}, {ne, to_bl(access_key)}});
  int r = io.operate(kUsersObject, &op);
  if (r == -ECANCELED) {
    // Which one was taken, for the message.
    librados::ObjectReadOperation rd;
    std::map<std::string, bufferlist> vals;
    int rrv = 0;
    rd.omap_get_vals_by_keys({ue}, &vals, &rrv);
    if (io.operate(kUsersObject, &rd, nullptr) == 0 && vals.count(ue))
      return invalid("The user " + std::string(access_key) + " exists already");
    return invalid("Another user has the canonical id " + std::string(canonical_id));
  }
  if (r < 0) return rados_error("add user to", kUsersObject, r);
  Watch::notify(io, kUsersObject, access_key);
  return {};
}

s3::Status erase_user(librados::IoCtx& io, std::string_view access_key,
                      const std::function<std::string(const std::string& value)>& canonical_id_of) {
  const std::string ue = user_entry(access_key);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    librados::ObjectReadOperation rd;
    std::map<std::string, bufferlist> vals;
    int rrv = 0;
    rd.omap_get_vals_by_keys({ue}, &vals, &rrv);
    int r = io.operate(kUsersObject, &rd, nullptr);
    if (r < 0 && r != -ENOENT) return rados_error("read users in", kUsersObject, r);
    auto it = vals.find(ue);
    if (it == vals.end()) return invalid("There is no user " + std::string(access_key));
    const std::string value = it->second.to_str();
    librados::ObjectWriteOperation op;
    int rv = 0;
    op.omap_cmp({{ue, {to_bl(value), LIBRADOS_CMPXATTR_OP_EQ}}}, &rv);
    op.omap_rm_keys({ue, id_entry(canonical_id_of(value))});
    r = io.operate(kUsersObject, &op);
    if (r == 0) {
      Watch::notify(io, kUsersObject, access_key);
      return {};
    }
    if (r != -ECANCELED) return rados_error("remove user from", kUsersObject, r);
    backoff(attempt);
  }
  return contention("remove user");
}

}  // namespace silt::rados
